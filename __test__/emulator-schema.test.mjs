// The emulator's TypeScript types (index.d.ts) against the Rust ones: the options, each
// provider's claims and every fault rule kind, field by field with which are required, as the
// serde types read them (`__emulatorSchema`, crates/emulator/src/schema.rs); and the objects
// native code returns (credentials, stats, requests, identities) as they are at run time. A
// field on one side only fails here, whichever side it is on.
import { describe, it, before } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import { testHooksSkip, withEmulator } from './helpers.mjs'

const require = createRequire(import.meta.url)
const binding = require('../binding.js')
const { Emulator } = require('../index.js')
const INDEX = fileURLToPath(new URL('../index.d.ts', import.meta.url))

let checker
let declared

before(() => {
  const program = ts.createProgram([INDEX], { strict: true, noEmit: true, skipLibCheck: true })
  checker = program.getTypeChecker()
  const module = checker.getSymbolAtLocation(program.getSourceFile(INDEX))
  const exports = new Map(checker.getExportsOfModule(module).map((symbol) => [symbol.name, symbol]))
  declared = (name) => {
    assert.ok(exports.has(name), `index.d.ts exports no ${name}`)
    return checker.getDeclaredTypeOfSymbol(exports.get(name))
  }
})

/** A type's properties: name -> 'required' or 'optional'. */
function presence (type) {
  return Object.fromEntries(checker.getPropertiesOfType(type).map((property) =>
    [property.name, property.flags & ts.SymbolFlags.Optional ? 'optional' : 'required']))
}

/** The property types of a type, by name. */
function propertyTypes (type) {
  return new Map(checker.getPropertiesOfType(type).map((property) => [property.name, checker.getTypeOfSymbol(property)]))
}

/** Sorted keys, for a comparison whose failure reads well. */
const sorted = (object) => Object.fromEntries(Object.entries(object).sort(([a], [b]) => a.localeCompare(b)))

/**
 * Asserts that `value` (what native code returned) has exactly the fields `type` declares: no
 * key TypeScript lacks, every required one present, the same down every object and array.
 */
function assertConforms (value, type, path) {
  if (value === null || typeof value !== 'object') {
    const kinds = { string: ts.TypeFlags.StringLike, number: ts.TypeFlags.NumberLike, boolean: ts.TypeFlags.BooleanLike }
    const members = type.isUnion() ? type.types : [type]
    assert.ok(members.some((member) => member.flags & kinds[typeof value]), `${path}: ${typeof value} at run time, ${checker.typeToString(type)} in index.d.ts`)
    return
  }
  // An optional field's type includes undefined; the value here is not.
  type = checker.getNonNullableType(type)
  if (Array.isArray(value)) {
    const element = checker.getIndexTypeOfType(type, ts.IndexKind.Number)
    assert.ok(element, `${path}: an array at run time, ${checker.typeToString(type)} in index.d.ts`)
    value.forEach((item, n) => assertConforms(item, element, `${path}[${n}]`))
    return
  }
  const values = checker.getIndexTypeOfType(type, ts.IndexKind.String)
  if (values) {
    // A record (`Record<string, string>`): any key, each value of that type.
    for (const [key, item] of Object.entries(value)) assertConforms(item, values, `${path}[${JSON.stringify(key)}]`)
    return
  }
  const fields = presence(type)
  const types = propertyTypes(type)
  for (const key of Object.keys(value)) assert.ok(key in fields, `${path}.${key} is returned but index.d.ts does not declare it`)
  for (const [key, how] of Object.entries(fields)) {
    if (how === 'required') assert.ok(key in value, `${path}.${key} is declared in index.d.ts but not returned`)
    if (value[key] !== undefined) assertConforms(value[key], types.get(key), `${path}.${key}`)
  }
}

describe('index.d.ts against the emulator', { skip: testHooksSkip(binding) }, () => {
  const schema = testHooksSkip(binding) ? {} : JSON.parse(binding.__emulatorSchema())

  for (const name of ['EmulatorOptions', 'TrustCaptchaClaims', 'SwetrixClaims', 'RecaptchaClaims', 'PlaytchaClaims', 'TurnstileClaims', 'HCaptchaClaims', 'RecaptchaEnterpriseClaims']) {
    it(`${name}: the same fields as the Rust type, the same ones required`, () => {
      assert.deepEqual(sorted(presence(declared(name))), sorted(schema[name]))
    })
  }

  it('EmulatorClaims names each provider\'s claims', () => {
    const claims = propertyTypes(declared('EmulatorClaims'))
    const names = { trustcaptcha: 'TrustCaptchaClaims', swetrix: 'SwetrixClaims', recaptcha: 'RecaptchaClaims', playtcha: 'PlaytchaClaims', turnstile: 'TurnstileClaims', hcaptcha: 'HCaptchaClaims', 'recaptcha-enterprise': 'RecaptchaEnterpriseClaims', 'friendly-captcha': 'FriendlyCaptchaClaims' }
    assert.deepEqual([...claims.keys()], Object.keys(Emulator.identities))
    for (const [provider, type] of claims) assert.equal(checker.typeToString(type), names[provider])
  })

  it('FaultRule: the same kinds as the Rust rules, each with the same fields, the same ones required', () => {
    const rule = declared('FaultRule')
    assert.ok(rule.isUnion(), 'FaultRule is a union of kinds')
    const kinds = {}
    for (const member of rule.types) {
      const kind = checker.getTypeOfSymbol(member.getProperty('kind'))
      assert.ok(kind.isStringLiteral(), `a FaultRule member without a literal kind: ${checker.typeToString(member)}`)
      kinds[kind.value] = sorted(presence(member))
    }
    assert.deepEqual(sorted(kinds), sorted(Object.fromEntries(Object.entries(schema.FaultRule).map(([kind, fields]) => [kind, sorted(fields)]))))
  })

  it('the objects native code returns are what index.d.ts declares', async () => {
    assertConforms(Emulator.identities, declared('EmulatorIdentities'), 'Emulator.identities')
    await withEmulator({}, async (emulator) => {
      assertConforms(emulator.credentials, declared('EmulatorCredentials'), 'credentials')
      await fetch(`${emulator.url}/v1/verify?a=1`, { method: 'POST', body: '{}' })
      assertConforms(emulator.requests()[0], declared('EmulatorRequest'), 'requests()[0]')
      assertConforms(emulator.stats(), declared('EmulatorStats'), 'stats()')
    })
  })
})

describe('the provider list in the types', () => {
  it('EmulatorProvider (index.d.ts) and TOKEN_FIELDS (subpath/middleware.d.ts) name exactly native code\'s providers', () => {
    const names = binding.providers().map((facts) => facts.name)
    const union = declared('EmulatorProvider')
    assert.deepEqual(union.types.map((member) => member.value).sort(), [...names].sort())
    const middleware = fileURLToPath(new URL('../subpath/middleware.d.ts', import.meta.url))
    const program = ts.createProgram([middleware], { strict: true, noEmit: true, skipLibCheck: true })
    const types = program.getTypeChecker()
    const exported = types.getExportsOfModule(types.getSymbolAtLocation(program.getSourceFile(middleware)))
    const tokenFields = exported.find((symbol) => symbol.name === 'TOKEN_FIELDS')
    const fields = types.getPropertiesOfType(types.getTypeOfSymbol(tokenFields))
    assert.deepEqual(Object.fromEntries(fields.map((field) => [field.name, types.getTypeOfSymbol(field).value])),
      Object.fromEntries(binding.providers().map((facts) => [facts.name, facts.tokenField])))
  })
})
