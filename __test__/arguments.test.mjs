// Arguments of wrong JS types and sizes at every public entry point and in every argument
// position: numbers (NaN, Infinity, -1), objects, arrays, undefined, null, '', a 10 MiB string,
// lone surrogates, a Symbol, a BigInt, a function and an object that refuses to become a string.
// Each gets the outcome its docs give (a TypeError, the SDK's own class, Swetrix's
// [false, text]), thrown at once where the original throws and as a rejection where it returns a
// Promise. A failure that is local sends nothing (the emulator sees no connection, the proxy
// standing in for the real providers' hosts sees no CONNECT), no message echoes its input
// (under 1024 characters) and none holds a credential.
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { inspect } from 'node:util'
import { createRequire } from 'node:module'
import { assertNoSecret, startProxy, testIdToken } from './helpers.mjs'

const require = createRequire(import.meta.url)
const {
  TrustCaptcha, VerificationResult, VerificationTokenInvalidException, ApiKeyInvalidException,
  ServerUnreachableException, validateToken, authorize, configureRecaptcha, RecaptchaError,
  RecaptchaUnavailableError, Playtcha, PlaytchaError, Emulator, isProviderUnavailable,
  Turnstile, TurnstileUnavailableError, TurnstileConfigurationError, HCaptcha, HCaptchaUnavailableError,
  HCaptchaConfigurationError, Recaptcha
} = require('../index.js')
const hcaptchaDropIn = require('../subpath/hcaptcha.js')
const { requireCaptcha, verifyRequest } = require('captcha-native/middleware')

const TC_KEY = 'tc-key-arguments-7f3a9c2e51'
const SW_SECRET = 'sw-secret-arguments-4b8d1e6f'
const RC_SECRET = 'rc-secret-arguments-9e2c7a30'
const PT_SECRET = 'pt-secret-arguments-1d5f8b42'
const TS_SECRET = 'ts-secret-arguments-6a0c3e19'
const HC_SECRET = 'hc-secret-arguments-2f7b5d84'
const SECRETS = [TC_KEY, SW_SECRET, RC_SECRET, PT_SECRET, TS_SECRET, HC_SECRET]

const MESSAGE_LIMIT = 1024
const HUGE = 'x'.repeat(10 * 1024 * 1024)
const THROWER = {
  toString () { throw new Error('hostile toString') },
  valueOf () { throw new Error('hostile toString') }
}

/** The hostile values, each tried in every position. */
const VALUES = [
  ['42', 42], ['NaN', NaN], ['Infinity', Infinity], ['-1', -1], ['true', true],
  ['{}', {}], ['[]', []], ['undefined', undefined], ['null', null], ["''", ''],
  ['a 10 MiB string', HUGE], ["'\\ud800'", '\ud800'], ["'\\udfff'", '\udfff'],
  ['a Symbol', Symbol('hostile')], ['10n', 10n], ['a function', () => 'hostile'],
  ['an object whose toString throws', THROWER]
]

const nullish = (v) => v === undefined || v === null
const isString = (v) => typeof v === 'string'
const isObject = (v) => typeof v === 'object' && v !== null
/** A number no timeout or delay takes. */
const badNumber = (v) => typeof v === 'number' && !(Number.isFinite(v) && v >= 0)
const SURROGATES = new Set(['\ud800', '\udfff'])

// ---------------------------------------------------------------------------------------------
// Expected outcomes

/** Thrown synchronously. */
const threw = (Class, message, more) => ({ how: 'threw', Class, message, ...more })
/** A Promise that rejects. */
const rejected = (Class, message, more) => ({ how: 'rejected', Class, message, ...more })
/** A Promise that resolves; `check` asserts the value. */
const resolved = (check, more) => ({ how: 'resolved', check, ...more })
/** A plain return value; `check` asserts it. */
const returned = (check, more) => ({ how: 'returned', check, ...more })
/** Any of these (a 42 ms deadline on a busy machine may or may not be met). */
const oneOf = (...expectations) => ({ oneOf: expectations })

const SU_MESSAGE = new ServerUnreachableException().message
const API_KEY_MISSING = threw(Error, 'apiKey must not be null or empty')
const SECRET_MISSING = threw(Error, 'secret must not be null or empty')

// ---------------------------------------------------------------------------------------------
// The harness

let emulator
let proxy
const saved = {}

before(async () => {
  // Whatever would go to a real provider's host (a default URL) goes to this proxy instead, which
  // refuses every tunnel: nothing leaves the machine, and its log shows what was attempted.
  proxy = await startProxy({ refuseConnect: true })
  for (const name of ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'ALL_PROXY', 'all_proxy', 'NO_PROXY', 'no_proxy', 'RECAPTCHA_SECRET_KEY', 'PLAYTCHA_FAIL_CLOSED']) {
    saved[name] = process.env[name]
    delete process.env[name]
  }
  process.env.HTTPS_PROXY = proxy.url
  process.env.https_proxy = proxy.url
  emulator = await Emulator.start({
    trustcaptchaApiKey: TC_KEY, swetrixSecret: SW_SECRET, recaptchaSecret: RC_SECRET, playtchaSecret: PT_SECRET, turnstileSecret: TS_SECRET, hcaptchaSecret: HC_SECRET
  })
})

after(async () => {
  configureRecaptcha()
  hcaptchaDropIn.configureHcaptcha()
  await emulator.close()
  await proxy.close()
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name]
    else process.env[name] = value
  }
})

const connects = () => proxy.seen.filter((s) => s.method === 'CONNECT').map((s) => s.url)

/** A text for an assertion message: never a 10 MiB one. */
function brief (text) {
  const string = String(text)
  return string.length > 160 ? `${string.slice(0, 160)}... (${string.length} characters)` : string
}

function show (value) {
  return inspect(value, { depth: 2, maxStringLength: 160, maxArrayLength: 10 })
}

/** Calls `call` and says how it ended: threw, returned, resolved or rejected. */
async function settle (call) {
  let value
  try {
    value = call()
  } catch (error) {
    return { how: 'threw', error }
  }
  if (!(value instanceof Promise)) return { how: 'returned', value }
  try {
    return { how: 'resolved', value: await value }
  } catch (error) {
    return { how: 'rejected', error }
  }
}

function checkError (error, expected, secrets) {
  assert.ok(error instanceof Error, `not an Error: ${show(error)}`)
  const message = String(error.message)
  assert.ok(message.length < MESSAGE_LIMIT, `the ${error.constructor.name} message is ${message.length} characters long: ${brief(message)}`)
  assert.ok(String(error.stack).length < 4 * MESSAGE_LIMIT, `a stack of ${String(error.stack).length} characters`)
  if (error.cause instanceof Error) {
    assert.ok(String(error.cause.message).length < MESSAGE_LIMIT, `a cause of ${String(error.cause.message).length} characters: ${brief(error.cause.message)}`)
  }
  assert.equal(error.constructor, expected.Class, `expected ${expected.Class.name}, got ${error.constructor.name}: ${brief(message)}`)
  if (typeof expected.message === 'string') assert.equal(message, expected.message)
  else assert.match(message, expected.message)
  for (const [name, value] of Object.entries(expected.fields ?? {})) {
    assert.deepEqual(error[name], value, `error.${name}`)
  }
  if (expected.cause !== undefined) assert.equal(error.cause?.message, expected.cause, 'error.cause.message')
  for (const secret of secrets) {
    if (secret) assertNoSecret(error, secret)
  }
}

function checkOutcome (outcome, effects, expected, secrets) {
  const got = outcome.error !== undefined ? `${outcome.error?.constructor?.name}: ${brief(outcome.error?.message)}` : show(outcome.value)
  assert.equal(outcome.how, expected.how, `expected it to have ${expected.how}, but it ${outcome.how}: ${got}`)
  if (outcome.how === 'threw' || outcome.how === 'rejected') {
    checkError(outcome.error, expected, [...secrets, ...(expected.secrets ?? [])])
  } else {
    expected.check?.(outcome.value)
  }
  // `unrecorded`: the emulator's HTTP layer refused the request (413, 431) before counting it, and
  // a pooled connection may have carried it; the status in the error says it got there.
  if (!expected.unrecorded) {
    assert.equal(effects.reached, expected.reached ?? false,
      effects.reached ? 'a request reached the emulator, for a failure that is local' : 'no request reached the emulator')
  }
  assert.deepEqual(effects.connects, expected.connect ? [expected.connect] : [], 'the CONNECTs to a real provider\'s host')
}

/**
 * Runs `call` and asserts its outcome, whether it reached the emulator (a connection or a
 * request) and which CONNECTs the stand-in proxy saw. `secrets` must appear in no error.
 */
async function expectOutcome (call, expected, secrets = SECRETS) {
  emulator.clearRequests()
  const accepted = emulator.stats().connectionsAccepted
  const connected = connects().length
  const outcome = await settle(call)
  const effects = {
    reached: emulator.requests().length > 0 || emulator.stats().connectionsAccepted > accepted,
    connects: connects().slice(connected)
  }
  if (!expected.oneOf) return checkOutcome(outcome, effects, expected, secrets)
  const failures = []
  for (const option of expected.oneOf) {
    try {
      return checkOutcome(outcome, effects, option, secrets)
    } catch (error) {
      failures.push(error.message)
    }
  }
  assert.fail(`no expected outcome matched:\n${failures.join('\n')}`)
}

/** One test per hostile value for `position`: `call(value)` must end as `expect(value)` says. */
function everyValue (position, call, expect, { skip = () => false } = {}) {
  for (const [name, value] of VALUES) {
    if (skip(value)) continue
    it(position(name), () => expectOutcome(() => call(value), expect(value)))
  }
}

// ---------------------------------------------------------------------------------------------
// Option kinds shared by the providers (lib/options.js, then native range checks)

/** A required credential (apiKey, secret): a falsy one is the SDK's plain Error. */
function credentialCheck (v, name = 'apiKey') {
  if (!v) return threw(Error, `${name} must not be null or empty`)
  if (!isString(v)) return threw(TypeError, `${name} must be a string`)
  return null
}

/** A timeout given to a constructor: checked at once. */
function timeoutCheck (name, v) {
  if (nullish(v) || v === 42) return null
  if (typeof v !== 'number') return threw(TypeError, `${name} must be a number of milliseconds`)
  return threw(TypeError, `${name} must be a number of milliseconds greater than 0 and at most 2147483647`)
}

function proxyMessage (v) {
  if (nullish(v)) return null
  return isObject(v) ? 'proxy.host must be a string' : 'proxy must be an object, false or undefined'
}

/** `ca`: `[]` is none; a string without a PEM certificate and anything else are TypeErrors. */
function caMessage (v) {
  if (nullish(v) || (Array.isArray(v) && v.length === 0)) return null
  return isString(v) ? 'ca must hold PEM certificates (-----BEGIN CERTIFICATE-----)' : 'ca must be a PEM string or Buffer, or an array of them'
}

const proxyCheck = (v) => proxyMessage(v) && threw(TypeError, proxyMessage(v))
const caCheck = (v) => caMessage(v) && threw(TypeError, caMessage(v))

// ---------------------------------------------------------------------------------------------
// TrustCaptcha

describe('TrustCaptcha', () => {
  const tokenInvalid = rejected(VerificationTokenInvalidException, 'Invalid Base64-encoded JSON')
  const constructed = returned((client) => assert.ok(client instanceof TrustCaptcha))

  describe('static getVerificationResult(apiKey, token)', () => {
    // A string key is taken; the malformed token then fails locally, before any request.
    everyValue((name) => `apiKey = ${name}`,
      (v) => TrustCaptcha.getVerificationResult(v, 'not-a-token'),
      (v) => credentialCheck(v) ?? { ...tokenInvalid, secrets: [v] })
    everyValue((name) => `token = ${name}`,
      (v) => TrustCaptcha.getVerificationResult(TC_KEY, v),
      () => tokenInvalid)
    it('a well-formed token goes to the default host (here the refusing proxy)', () => expectOutcome(
      () => TrustCaptcha.getVerificationResult(TC_KEY, testIdToken(0)),
      rejected(ServerUnreachableException, SU_MESSAGE, { connect: 'api.trustcomponent.com:443' })))
  })

  describe('new TrustCaptcha(options)', () => {
    everyValue((name) => `options = ${name}`, (v) => new TrustCaptcha(v), () => API_KEY_MISSING)

    // apiKey and apiHost are used for a request; the other options are checked at construction.
    const client = (name, v) => {
      const made = new TrustCaptcha({ apiKey: TC_KEY, apiHost: emulator.url, [name]: v })
      return name === 'apiKey' || name === 'apiHost' ? made.getVerificationResult(emulator.issue('trustcaptcha')) : made
    }
    const expectations = {
      apiKey: (v) => credentialCheck(v) ?? (v === HUGE
        // The emulator refuses a 10 MiB Authorization header (431) before reading a request.
        ? rejected(Error, 'Failed to retrieve verification result, response code: 431', { fields: { status: 431 }, unrecorded: true, secrets: [v] })
        : rejected(ApiKeyInvalidException, new ApiKeyInvalidException().message, { fields: { status: 403 }, reached: true, secrets: [v] })),
      // docs/providers/trustcaptcha.md keeps the SDK's outcome for a bad apiHost: ServerUnreachableException.
      apiHost: (v) => nullish(v)
        ? rejected(ServerUnreachableException, SU_MESSAGE, { connect: 'api.trustcomponent.com:443' })
        : isString(v) ? rejected(ServerUnreachableException, SU_MESSAGE, { cause: 'invalid URL' }) : threw(TypeError, 'apiHost must be a string'),
      connectTimeoutMs: (v) => timeoutCheck('connectTimeoutMs', v) ?? constructed,
      readTimeoutMs: (v) => timeoutCheck('readTimeoutMs', v) ?? constructed,
      proxy: (v) => proxyCheck(v) || constructed,
      ca: (v) => caCheck(v) || constructed
    }
    for (const [name, expect] of Object.entries(expectations)) {
      everyValue((value) => `${name}: ${value}`, (v) => client(name, v), expect)
    }
    it('apiHost: a URL with a 10 MiB path is a bad apiHost, refused before any request', () => expectOutcome(
      () => new TrustCaptcha({ apiKey: TC_KEY, apiHost: `${emulator.url}/${HUGE}` }).getVerificationResult(emulator.issue('trustcaptcha')),
      rejected(ServerUnreachableException, SU_MESSAGE, { cause: 'invalid URL' })))
  })

  describe('getVerificationResult(token)', () => {
    let client
    before(() => { client = new TrustCaptcha({ apiKey: TC_KEY, apiHost: emulator.url }) })
    everyValue((name) => `token = ${name}`, (v) => client.getVerificationResult(v), () => tokenInvalid)
    it('a valid token still verifies (the harness itself)', () => expectOutcome(
      () => client.getVerificationResult(emulator.issue('trustcaptcha')),
      resolved((result) => assert.ok(result instanceof VerificationResult && result.verificationPassed === true), { reached: true })))
  })
})

// ---------------------------------------------------------------------------------------------
// Swetrix: validateToken never throws nor rejects

describe('validateToken(token, secret, apiURL, options)', () => {
  const api = () => `${emulator.url}/v1/captcha`
  const nest = (message) => `Request failed with status code 400: ${JSON.stringify({ message, error: 'Bad Request', statusCode: 400 })}`
  const typeErrorText = (message) => `Unable to make API request, error: TypeError: ${message}`

  /** Resolves `[false, text]` (a string or a pattern); never the secret, never a long text. */
  const failed = (text, more) => resolved((value) => {
    assert.ok(Array.isArray(value) && value.length === 2, `not a pair: ${show(value)}`)
    assert.equal(value[0], false, `expected [false, ${text}], got ${show(value)}`)
    assert.equal(typeof value[1], 'string')
    assert.ok(value[1].length < MESSAGE_LIMIT, `a text of ${value[1].length} characters: ${brief(value[1])}`)
    assert.ok(!value[1].includes(SW_SECRET), 'the secret leaked')
    if (typeof text === 'string') assert.equal(value[1], text)
    else assert.match(value[1], text)
  }, more)
  const passed = resolved((value) => {
    assert.equal(value[0], true, `expected [true, data], got ${show(value)}`)
    assert.match(value[1].pid, /^AP/)
  }, { reached: true })
  const MISSING = failed('CAPTCHA token is missing')
  const TOO_LONG = failed('CAPTCHA validation failed') // a body over 64 KiB is never uploaded
  const REFUSED_BY_SERVER = failed(/^Request failed with status code 400: \{"message":/, { reached: true })

  // The token is `token` when a string, else `token?.token`; none of these objects has one.
  everyValue((name) => `token = ${name}`,
    (v) => validateToken(v, SW_SECRET, api()),
    (v) => !isString(v) || v === '' ? MISSING : v === HUGE ? TOO_LONG : REFUSED_BY_SERVER)

  // The body is JSON.stringify({ token, secret }), as the package makes it: the server judges.
  everyValue((name) => `secret = ${name}`,
    (v) => validateToken(emulator.issue('swetrix'), v, api()),
    (v) => {
      if (typeof v === 'bigint') return failed(typeErrorText('Do not know how to serialize a BigInt'))
      if (v === HUGE) return TOO_LONG
      if (SURROGATES.has(v)) return REFUSED_BY_SERVER
      const json = JSON.stringify({ secret: v })
      if (json === '{}' || json === '{"secret":null}') return failed(nest(['secret must be a string', 'secret should not be empty']), { reached: true })
      if (v === '') return failed(nest(['secret should not be empty']), { reached: true })
      return failed(nest(['secret must be a string']), { reached: true })
    })

  // (apiURL || default) + '/validate': a falsy apiURL is the default (here the refusing proxy).
  everyValue((name) => `apiURL = ${name}`,
    (v) => validateToken(emulator.issue('swetrix'), SW_SECRET, v, { timeoutMs: 2000 }),
    (v) => {
      if (!v) return failed(/^Unable to make API request, error: Error: /, { connect: 'api.swetrixcaptcha.com:443' })
      if (typeof v === 'symbol') return failed(typeErrorText('Cannot convert a Symbol value to a string'))
      if (v === THROWER) return failed('Unable to make API request, error: Error: hostile toString')
      return failed(typeErrorText('Invalid URL'))
    })
  it('apiURL: a URL with a 10 MiB path is an unusable apiURL', () => expectOutcome(
    () => validateToken(emulator.issue('swetrix'), SW_SECRET, `${api()}/${HUGE}`),
    failed(typeErrorText('Invalid URL'))))

  everyValue((name) => `options = ${name}`,
    (v) => validateToken(emulator.issue('swetrix'), SW_SECRET, api(), v),
    (v) => nullish(v) || isObject(v) ? passed : failed(typeErrorText('options must be an object')))

  const optionExpectations = {
    timeoutMs: (v) => {
      if (nullish(v)) return passed
      if (v === 42) return oneOf(passed, failed('Unable to make API request, error: Error: timeout of 42ms exceeded', { reached: true }))
      if (typeof v !== 'number') return failed(typeErrorText('options.timeoutMs must be a number of milliseconds'))
      return failed(typeErrorText('options.timeoutMs must be a number of milliseconds greater than 0 and at most 2147483647'))
    },
    proxy: (v) => proxyMessage(v) ? failed(typeErrorText(proxyMessage(v))) : passed,
    ca: (v) => caMessage(v) ? failed(typeErrorText(caMessage(v))) : passed
  }
  for (const [name, expect] of Object.entries(optionExpectations)) {
    everyValue((value) => `options.${name}: ${value}`,
      (v) => validateToken(emulator.issue('swetrix'), SW_SECRET, api(), { [name]: v }), expect)
  }
})

// ---------------------------------------------------------------------------------------------
// reCAPTCHA: authorize and configureRecaptcha

describe('reCAPTCHA', () => {
  const siteverifyUrl = () => `${emulator.url}/recaptcha/api/siteverify`
  const base = () => ({ secretKey: RC_SECRET, siteverifyUrl: siteverifyUrl(), retries: 0 })
  const token = () => emulator.issue('recaptcha', { action: 'login', score: 0.9 })

  const verdict = (status, errorCodes, more) => rejected(RecaptchaError, `Request failed with status code ${status}`,
    { fields: { statusCode: status, errorCodes, error: `Request failed with status code ${status}` }, ...more })
  const UNAVAILABLE_AT_DEFAULT = rejected(RecaptchaUnavailableError, 'Request failed with status code 503', {
    fields: { statusCode: 503, errorCodes: ['siteverify-unavailable'], attempts: 1 }, connect: 'www.google.com:443'
  })
  const success = resolved((value) => assert.deepEqual(value, { success: true }), { reached: true })
  const NO_SECRET = verdict(500, ['missing-input-secret'])
  const TOO_LARGE_FOR_SITEVERIFY = (v) => verdict(500, ['siteverify-unexpected-status'],
    { cause: 'siteverify answered 413, which it never does: check siteverifyUrl', unrecorded: true, secrets: [v] })

  /** Each option's JS kind (checked by type in lib/options.js). */
  const KINDS = {
    secretKey: 'string', remoteIp: 'string', siteverifyUrl: 'string', timeoutMs: 'number', retries: 'number',
    retryDelayMs: 'number', expectedHostname: 'hostnames', expectedAction: 'string', minScore: 'number', proxy: 'proxy', ca: 'ca'
  }

  /** The type error for option `name` = `v`, or null: `prefix` names where it came from. */
  function typeMessage (name, v, prefix) {
    if (nullish(v)) return null
    switch (KINDS[name]) {
      case 'string': return isString(v) ? null : `${prefix}${name} must be a string`
      case 'number': return typeof v === 'number' ? null : `${prefix}${name} must be a number`
      case 'hostnames': return isString(v) || (Array.isArray(v) && v.every(isString)) ? null : `${prefix}${name} must be a string or an array of strings`
      case 'proxy': return proxyMessage(v)
      case 'ca': return isString(v) ? null : caMessage(v) // the PEM in a string: natively, at the call
    }
  }

  /** What authorize does once the types are right: ranges are checked natively, at the call. */
  const outcomes = {
    secretKey: (v) => {
      if (nullish(v) || v === '') return NO_SECRET
      // Not refused locally: the emulator refuses a 10 MiB body (413), siteverify never does.
      if (v === HUGE) return TOO_LARGE_FOR_SITEVERIFY(v)
      return verdict(500, ['invalid-input-secret'], { reached: true, secrets: [v] })
    },
    remoteIp: (v) => v === HUGE ? TOO_LARGE_FOR_SITEVERIFY(v) : success,
    siteverifyUrl: (v) => nullish(v) ? UNAVAILABLE_AT_DEFAULT : rejected(TypeError, 'siteverifyUrl must be an http(s) URL'),
    timeoutMs: (v) => {
      if (badNumber(v)) return rejected(TypeError, 'timeoutMs must be a number of milliseconds greater than 0 and at most 2147483647')
      if (v === 42) return oneOf(success, { ...UNAVAILABLE_AT_DEFAULT, connect: undefined, reached: true })
      return success
    },
    retries: (v) => badNumber(v) ? rejected(TypeError, 'retries must be an integer from 0 to 1000') : success,
    retryDelayMs: (v) => badNumber(v) ? rejected(TypeError, 'retryDelayMs must be a number of milliseconds, 0 or more') : success,
    expectedHostname: (v) => {
      if (nullish(v)) return success
      if (v === '' || (Array.isArray(v) && v.length === 0)) return rejected(TypeError, 'expectedHostname must be a non-empty string or a non-empty list of them')
      return verdict(400, ['hostname-mismatch'], { reached: true })
    },
    // An empty expectedAction is taken as an action to match (unlike an empty expectedHostname).
    expectedAction: (v) => nullish(v) ? success : verdict(400, ['action-mismatch'], { reached: true }),
    minScore: (v) => nullish(v) ? success : rejected(TypeError, 'minScore must be a number from 0 to 1'),
    proxy: () => success,
    ca: (v) => caMessage(v) ? rejected(TypeError, caMessage(v)) : success
  }

  describe('authorize(token, options)', () => {
    everyValue((name) => `token = ${name}`,
      (v) => authorize(v, base()),
      (v) => {
        if (nullish(v) || v === '') return verdict(400, ['missing-input-response'])
        // A lone surrogate is a string: Google gets to judge it.
        return verdict(400, ['invalid-input-response'], { reached: SURROGATES.has(v) })
      })
    everyValue((name) => `options = ${name}`,
      (v) => authorize(token(), v),
      (v) => nullish(v) || isObject(v) ? NO_SECRET : rejected(TypeError, 'options must be an object'))
    for (const name of Object.keys(KINDS)) {
      everyValue((value) => `options.${name}: ${value}`,
        (v) => authorize(token(), { ...base(), [name]: v }),
        (v) => {
          const message = typeMessage(name, v, 'options.')
          return message ? rejected(TypeError, message) : outcomes[name](v)
        })
    }
    it('siteverifyUrl: a URL with a 10 MiB path is refused locally, not counted as an outage', () => expectOutcome(
      () => authorize(token(), { ...base(), siteverifyUrl: `${siteverifyUrl()}/${HUGE}` }),
      rejected(TypeError, /^siteverifyUrl must be an http\(s\) URL/)))
  })

  describe('configureRecaptcha(options)', () => {
    everyValue((name) => `options = ${name}`,
      (v) => { const done = configureRecaptcha(v); configureRecaptcha(); return done },
      (v) => nullish(v) || isObject(v) ? returned((value) => assert.equal(value, undefined)) : threw(TypeError, 'configureRecaptcha options must be an object'))

    // Types are checked at once; what only native code checks (ranges, URLs) comes with the next
    // authorize, which takes the configured option (its own options leave it out).
    for (const name of Object.keys(KINDS)) {
      everyValue((value) => `{ ${name}: ${value} }, then authorize`,
        (v) => {
          configureRecaptcha({ [name]: v })
          const { [name]: _, ...rest } = base()
          return authorize(token(), rest).finally(() => configureRecaptcha())
        },
        (v) => {
          const message = typeMessage(name, v, 'configureRecaptcha options.')
          return message ? threw(TypeError, message) : outcomes[name](v)
        })
    }
  })
})

// ---------------------------------------------------------------------------------------------
// Playtcha

describe('Playtcha', () => {
  const constructed = returned((client) => assert.ok(client instanceof Playtcha))
  const tokenMissing = rejected(PlaytchaError, 'the Playtcha token is missing or not a string', { fields: { code: 'token_missing', status: undefined } })
  const tokenTooLong = rejected(PlaytchaError, 'the Playtcha token is too long to be one', { fields: { code: 'token_invalid', status: undefined } })
  const FAILED_OPEN_AT_DEFAULT = resolved((value) => assert.deepEqual(value, { success: true, failedOpen: true, unavailableReason: 'network_error' }), { connect: 'playtcha.com:443' })

  describe('new Playtcha(options)', () => {
    everyValue((name) => `options = ${name}`, (v) => new Playtcha(v), () => SECRET_MISSING)

    const client = (name, v) => {
      const made = new Playtcha({ secret: PT_SECRET, apiHost: emulator.url, [name]: v })
      return name === 'secret' || name === 'apiHost' ? made.verify(emulator.issue('playtcha')) : made
    }
    const expectations = {
      secret: (v) => credentialCheck(v, 'secret') ?? (v === HUGE
        // The emulator refuses a 10 MiB body (413): a 4xx without the envelope fails closed.
        ? rejected(PlaytchaError, 'Playtcha refused the verification (413 http_error)', { fields: { code: 'http_error', status: 413 }, unrecorded: true, secrets: [v] })
        : rejected(PlaytchaError, /^Playtcha refused the verification \(401 bad_secret\)/, { fields: { code: 'bad_secret', status: 401 }, reached: true, secrets: [v] })),
      apiHost: (v) => nullish(v)
        ? FAILED_OPEN_AT_DEFAULT
        : threw(TypeError, isString(v) ? 'apiHost must be an http(s) URL without credentials' : 'apiHost must be a string'),
      timeoutMs: (v) => timeoutCheck('timeoutMs', v) ?? constructed,
      failClosed: (v) => nullish(v) || v === true ? constructed : threw(TypeError, 'failClosed must be a boolean'),
      proxy: (v) => proxyCheck(v) || constructed,
      ca: (v) => caCheck(v) || constructed
    }
    for (const [name, expect] of Object.entries(expectations)) {
      everyValue((value) => `${name}: ${value}`, (v) => client(name, v), expect)
    }
    // A misconfiguration must not fail open: like any unusable apiHost, a TypeError at once.
    it('apiHost: a URL with a 10 MiB path is refused at once, never failed open', () => expectOutcome(
      () => new Playtcha({ secret: PT_SECRET, apiHost: `${emulator.url}/${HUGE}` }).verify(emulator.issue('playtcha')),
      threw(TypeError, /^apiHost must be an http\(s\) URL/)))
  })

  describe('static verify(secret, token)', () => {
    // A string secret is taken; the missing token then fails closed, before any request.
    everyValue((name) => `secret = ${name}`,
      (v) => Playtcha.verify(v, undefined),
      (v) => credentialCheck(v, 'secret') ?? { ...tokenMissing, secrets: [v] })
    everyValue((name) => `token = ${name}`,
      (v) => Playtcha.verify(PT_SECRET, v),
      (v) => !isString(v) || v === '' ? tokenMissing : v === HUGE ? tokenTooLong : FAILED_OPEN_AT_DEFAULT)
  })

  describe('verify(token)', () => {
    let client
    before(() => { client = new Playtcha({ secret: PT_SECRET, apiHost: emulator.url }) })
    everyValue((name) => `token = ${name}`,
      (v) => client.verify(v),
      (v) => {
        if (!isString(v) || v === '') return tokenMissing
        if (v === HUGE) return tokenTooLong
        return rejected(PlaytchaError, /^Playtcha refused the verification \(401 token_invalid\)/, { fields: { code: 'token_invalid', status: 401 }, reached: true })
      })
  })
})

// ---------------------------------------------------------------------------------------------
// The siteverify providers: Turnstile, hCaptcha (class and drop-in), the Recaptcha class

const SITEVERIFY = [
  { Class: Turnstile, secret: TS_SECRET, path: '/turnstile/v0/siteverify', Misconfigured: TurnstileConfigurationError, Unavailable: TurnstileUnavailableError, connect: 'challenges.cloudflare.com:443', maxToken: 2048 },
  { Class: HCaptcha, secret: HC_SECRET, path: '/siteverify', Misconfigured: HCaptchaConfigurationError, Unavailable: HCaptchaUnavailableError, connect: 'api.hcaptcha.com:443', maxToken: 64 * 1024 },
  { Class: Recaptcha, secret: RC_SECRET, path: '/recaptcha/api/siteverify', Misconfigured: RecaptchaError, Unavailable: RecaptchaUnavailableError, connect: 'www.google.com:443', maxToken: 64 * 1024 }
]

/** A verdict that did not pass, with these codes first. */
const notPassed = (code, more) => resolved((verdict) => {
  assert.equal(verdict.success, false)
  assert.equal(verdict.errorCodes[0], code)
}, more)

/** Each verify option's kind, for the expectations. */
const CALL_KINDS = {
  remoteip: 'sent', sitekey: 'sent', idempotencyKey: 'uuid', expectedAction: 'name', expectedApkPackageName: 'name',
  expectedHostname: 'hostnames', minScore: 'score', maxScore: 'score', maxAgeMs: 'age'
}
const CALL_OPTIONS = {
  Turnstile: ['remoteip', 'idempotencyKey', 'expectedAction', 'expectedHostname'],
  HCaptcha: ['remoteip', 'sitekey', 'expectedHostname', 'maxScore'],
  Recaptcha: ['remoteip', 'expectedAction', 'minScore', 'expectedHostname', 'expectedApkPackageName', 'maxAgeMs']
}

for (const { Class, secret, path, Misconfigured, Unavailable, connect, maxToken } of SITEVERIFY) {
  describe(Class.name, () => {
    const url = () => `${emulator.url}${path}`
    const constructed = returned((client) => assert.ok(client instanceof Class))
    // An unknown token: the emulator's verdict, after a request.
    const REFUSED = notPassed('invalid-input-response', { reached: true })
    const TOO_BIG = rejected(Misconfigured, /./, { unrecorded: true })

    describe(`new ${Class.name}(options)`, () => {
      everyValue((name) => `options = ${name}`, (v) => new Class(v),
        (v) => v === THROWER ? threw(TypeError, /^unknown option toString/) : isObject(v) ? SECRET_MISSING : threw(TypeError, `${Class.name} options must be an object`))
      const client = (name, v) => {
        const made = new Class({ secret, siteverifyUrl: url(), retries: 0, [name]: v })
        return name === 'secret' || name === 'siteverifyUrl' ? made.verify('an-unknown-token') : made
      }
      const expectations = {
        secret: (v) => credentialCheck(v, 'secret') ?? (v === HUGE
          ? { ...TOO_BIG, secrets: [v] }
          : rejected(Misconfigured, /./, { reached: true, secrets: [v], fields: { errorCodes: ['invalid-input-secret'] } })),
        siteverifyUrl: (v) => nullish(v)
          ? rejected(Unavailable, /./, { connect })
          : threw(TypeError, isString(v) ? 'siteverifyUrl must be an http(s) URL' : 'siteverifyUrl must be a string'),
        timeoutMs: (v) => timeoutCheck('timeoutMs', v) ?? constructed,
        retries: (v) => nullish(v) || v === 42
          ? constructed
          : threw(TypeError, typeof v === 'number' ? 'retries must be an integer from 0 to 100' : 'retries must be a number'),
        proxy: (v) => proxyCheck(v) || constructed,
        ca: (v) => caCheck(v) || constructed
      }
      for (const [name, expect] of Object.entries(expectations)) {
        everyValue((value) => `${name}: ${value}`, (v) => client(name, v), expect)
      }
    })

    describe(`static ${Class.name}.verify(secret, token, options)`, () => {
      everyValue((name) => `secret = ${name}`, (v) => Class.verify(v, '', { siteverifyUrl: url() }),
        (v) => { const thrown = credentialCheck(v, 'secret'); return thrown ? { ...thrown, how: 'rejected' } : notPassed('missing-input-response') })
      // An empty token resolves without a request, wherever siteverifyUrl points.
      everyValue((name) => `options = ${name}`, (v) => Class.verify(secret, '', v),
        (v) => {
          if (v === THROWER) return rejected(TypeError, /^unknown option options\.toString/)
          return nullish(v) || isObject(v) ? notPassed('missing-input-response') : rejected(TypeError, 'options must be an object')
        })
    })

    describe('verify(token, options)', () => {
      let client
      before(() => { client = new Class({ secret, siteverifyUrl: url(), retries: 0 }) })
      everyValue((name) => `token = ${name}`, (v) => client.verify(v),
        (v) => {
          if (v === '') return notPassed('missing-input-response')
          if (!isString(v) || v.length > maxToken) return notPassed('invalid-input-response')
          return REFUSED
        })
      everyValue((name) => `options = ${name}`, (v) => client.verify('an-unknown-token', v),
        (v) => {
          if (nullish(v) || Array.isArray(v) || (isObject(v) && v !== THROWER)) return REFUSED
          if (v === THROWER) return rejected(TypeError, /^unknown option options\.toString/)
          return rejected(TypeError, 'options must be an object')
        })
      for (const name of CALL_OPTIONS[Class.name]) {
        const kind = CALL_KINDS[name]
        everyValue((value) => `options.${name}: ${value}`, (v) => client.verify('an-unknown-token', { [name]: v }),
          (v) => {
            if (nullish(v)) return REFUSED
            if (kind === 'hostnames') {
              if (Array.isArray(v)) return rejected(TypeError, `options.${name} must be a non-empty string or a non-empty list of them`)
              if (!isString(v)) return rejected(TypeError, `options.${name} must be a string or an array of strings`)
              return v.trim() === '' ? rejected(TypeError, `${name} must be a non-empty string`) : REFUSED
            }
            if (kind === 'score' || kind === 'age') {
              if (typeof v !== 'number') return rejected(TypeError, `options.${name} must be a number`)
              if (kind === 'age') return Number.isFinite(v) && v > 0 ? REFUSED : rejected(TypeError, 'maxAgeMs must be a number of milliseconds above 0')
              return rejected(TypeError, `${name} must be a number from 0 to 1`)
            }
            if (!isString(v)) return rejected(TypeError, `options.${name} must be a string`)
            if (kind === 'uuid') return rejected(TypeError, 'idempotencyKey must be a UUID (8-4-4-4-12 hexadecimal digits)')
            if (kind === 'name') return v.trim() === '' ? rejected(TypeError, `${name} must be a non-empty string`) : REFUSED
            // Sent as given (an empty one is left out); 10 MiB of it is a body the emulator refuses (413).
            if (v === HUGE) return TOO_BIG
            // hCaptcha checks the address it is given; the others take it as it comes.
            return Class === HCaptcha && name === 'remoteip' && v !== '' ? notPassed('invalid-remoteip', { reached: true }) : REFUSED
          })
      }
    })
  })
}

describe('captcha-native/hcaptcha: verify(secret, token, remoteip, sitekey) and configureHcaptcha', () => {
  before(() => hcaptchaDropIn.configureHcaptcha({ siteverifyUrl: `${emulator.url}/siteverify`, retries: 0 }))
  after(() => hcaptchaDropIn.configureHcaptcha())
  const wire = (code, more) => resolved((data) => assert.deepEqual(data, { success: false, 'error-codes': [code] }), more)
  const REFUSED = resolved((data) => assert.equal(data.success, false), { reached: true })

  everyValue((name) => `secret = ${name}`, (v) => hcaptchaDropIn.verify(v, 'an-unknown-token'),
    (v) => {
      if (nullish(v) || v === '') return wire('missing-input-secret')
      if (!isString(v)) return rejected(TypeError, 'secret must be a string')
      if (v === HUGE) return wire('siteverify-unexpected-status', { unrecorded: true, secrets: [v] })
      return { ...wire('invalid-input-secret', { reached: true }), secrets: [v] }
    })
  everyValue((name) => `token = ${name}`, (v) => hcaptchaDropIn.verify(HC_SECRET, v),
    (v) => {
      if (nullish(v) || v === '') return wire('missing-input-response')
      if (!isString(v) || v === HUGE) return wire('invalid-input-response')
      return REFUSED
    })
  for (const [position, call] of [['remoteip', (v) => hcaptchaDropIn.verify(HC_SECRET, 'an-unknown-token', v)], ['sitekey', (v) => hcaptchaDropIn.verify(HC_SECRET, 'an-unknown-token', null, v)]]) {
    everyValue((name) => `${position} = ${name}`, call,
      (v) => {
        if (!v) return REFUSED // falsy: not sent, as the original does
        if (!isString(v)) return rejected(TypeError, `${position} must be a string`)
        return v === HUGE ? wire('siteverify-unexpected-status', { unrecorded: true }) : REFUSED
      })
  }
  everyValue((name) => `configureHcaptcha(${name})`, (v) => hcaptchaDropIn.configureHcaptcha(v),
    (v) => {
      if (nullish(v)) return returned(() => hcaptchaDropIn.configureHcaptcha({ siteverifyUrl: `${emulator.url}/siteverify`, retries: 0 }))
      if (!isObject(v)) return threw(TypeError, 'configureHcaptcha options must be an object')
      if (Array.isArray(v) || Object.keys(v).length === 0) return returned(() => hcaptchaDropIn.configureHcaptcha({ siteverifyUrl: `${emulator.url}/siteverify`, retries: 0 }))
      return threw(TypeError, /^unknown option toString/)
    })
})

// ---------------------------------------------------------------------------------------------
// Emulator

describe('Emulator', () => {
  const started = resolved((value) => assert.equal(value, 'started'))
  const start = (options) => Emulator.start(options).then((made) => made.close()).then(() => 'started')
  const invalidOptions = rejected(TypeError, /^invalid emulator options: /)
  /** What emulatorJson (index.js) says for a value JSON would change or drop. */
  const unrepresentable = (v) => typeof v === 'number' ? String(v) : `a ${typeof v}`
  const representable = (v) => !((typeof v === 'number' && !Number.isFinite(v)) || ['symbol', 'function', 'bigint'].includes(typeof v))

  describe('Emulator.start(options)', () => {
    everyValue((name) => `options = ${name}`, start, (v) => {
      if (v === undefined || (isObject(v) && !Array.isArray(v) && v !== THROWER)) return started
      if (v === THROWER) return rejected(TypeError, 'invalid emulator options: `toString` cannot be a function')
      return Array.isArray(v) ? invalidOptions : rejected(TypeError, 'options must be an object')
    })

    const option = (name, v) => {
      if (nullish(v)) return started
      if (!representable(v)) return rejected(TypeError, `invalid emulator options: \`${name}\` cannot be ${unrepresentable(v)}`)
      return null
    }
    // 42 is a port number (a privileged one): not a wrong argument.
    everyValue((name) => `port: ${name}`, (v) => start({ port: v }), (v) => option('port', v) ?? invalidOptions, { skip: (v) => v === 42 })
    everyValue((name) => `host: ${name}`, (v) => start({ host: v }), (v) => {
      // A string that is no address to listen on: the listener's own error.
      if (v === '' || v === HUGE) return rejected(Error, /^the emulator cannot listen on /)
      return option('host', v) ?? invalidOptions
    })
    for (const name of ['trustcaptchaApiKey', 'swetrixSecret', 'recaptchaSecret', 'playtchaSecret']) {
      everyValue((value) => `${name}: ${value}`, (v) => start({ [name]: v }), (v) => {
        if (v === '') return rejected(TypeError, `${name} must not be empty`)
        if (v === HUGE) return started
        return option(name, v) ?? invalidOptions
      })
    }

    it('a null host is the default, loopback: no warning that other machines may reach it', async () => {
      const warnings = []
      const listener = (warning) => warnings.push(warning.message)
      process.on('warning', listener)
      try {
        await expectOutcome(() => start({ host: null }), started)
        await new Promise((resolve) => setImmediate(resolve))
      } finally {
        process.off('warning', listener)
      }
      assert.deepEqual(warnings, [])
    })
  })

  describe('issue(provider, claims)', () => {
    const token = returned((value) => assert.ok(isString(value) && value.length > 0, `not a token: ${show(value)}`))
    everyValue((name) => `provider = ${name}`, (v) => emulator.issue(v), (v) => {
      if (!isString(v)) return threw(TypeError, 'provider must be a string')
      if (v === HUGE) return threw(TypeError, /^unknown provider '/)
      return threw(TypeError, `unknown provider '${v.toWellFormed()}'`)
    })
    for (const provider of ['trustcaptcha', 'swetrix', 'recaptcha', 'playtcha']) {
      everyValue((name) => `${provider} claims = ${name}`, (v) => emulator.issue(provider, v), (v) => {
        if (v === undefined || (isObject(v) && !Array.isArray(v) && v !== THROWER)) return token
        if (v === THROWER) return threw(TypeError, `invalid ${provider} claims: \`toString\` cannot be a function`)
        if (!representable(v)) return threw(TypeError, `${provider} claims cannot be ${unrepresentable(v)}`)
        return threw(TypeError, new RegExp(`^invalid ${provider} claims: `))
      })
    }
    it('a claim of NaN is refused, not taken for a claim not given', () => expectOutcome(
      () => emulator.issue('recaptcha', { score: NaN }), threw(TypeError, 'invalid recaptcha claims: `score` cannot be NaN')))
    it('a 10 MiB string as a numeric claim', () => expectOutcome(
      () => emulator.issue('playtcha', { retryAfter: HUGE }), threw(TypeError, /^invalid playtcha claims: invalid type: string/)))
    it('a claim named by a 10 MiB string', () => expectOutcome(
      () => emulator.issue('swetrix', { [HUGE]: true }), threw(TypeError, /^invalid swetrix claims: unknown field/)))
  })

  describe('fault(rule)', () => {
    const faultCase = (rule) => () => {
      try {
        return emulator.fault(rule)
      } finally {
        emulator.clearFaults()
      }
    }
    everyValue((name) => `rule = ${name}`, (v) => faultCase(v)(), (v) => {
      if (!isObject(v)) return threw(TypeError, 'a fault rule must be an object')
      if (v === THROWER) return threw(TypeError, 'invalid fault rule: `toString` cannot be a function')
      return threw(TypeError, Array.isArray(v) ? /^invalid fault rule: / : /^invalid fault rule: missing field `kind`/)
    })
    it('times: NaN is refused, not taken for "every request"', () => expectOutcome(
      faultCase({ kind: 'hang', times: NaN }), threw(TypeError, 'invalid fault rule: `times` cannot be NaN')))
    it('ms: Infinity is refused', () => expectOutcome(
      faultCase({ kind: 'delay', ms: Infinity }), threw(TypeError, 'invalid fault rule: `ms` cannot be Infinity')))
    it('a 10 MiB kind', () => expectOutcome(faultCase({ kind: HUGE }), threw(TypeError, /^invalid fault rule: unknown variant/)))
    it('a 10 MiB provider', () => expectOutcome(faultCase({ provider: HUGE, kind: 'hang' }), threw(TypeError, /^invalid fault rule: unknown provider/)))
  })

  describe('advanceTime(ms)', () => {
    everyValue((name) => `ms = ${name}`, (v) => emulator.advanceTime(v), (v) => {
      if (typeof v !== 'number') return threw(TypeError, 'ms must be a number')
      if (!Number.isFinite(v)) return threw(TypeError, 'ms must be a number of milliseconds from -3162240000000 to 3162240000000')
      return returned((value) => assert.equal(value, undefined))
    })
  })
})

// ---------------------------------------------------------------------------------------------
// Every provider: isProviderUnavailable takes anything

describe('isProviderUnavailable(outcome)', () => {
  everyValue((name) => `outcome = ${name}`, (v) => isProviderUnavailable(v), () => returned((value) => assert.equal(value, false)))
})

// ---------------------------------------------------------------------------------------------
// Middleware: options are checked when requireCaptcha builds the middleware

describe('requireCaptcha(options)', () => {
  const middleware = returned((value) => assert.equal(typeof value, 'function'))
  const PROVIDER_MESSAGE = "provider must be one of 'trustcaptcha', 'swetrix', 'recaptcha', 'playtcha', 'turnstile', 'hcaptcha', 'recaptcha-enterprise', 'friendly-captcha'"

  everyValue((name) => `options = ${name}`, (v) => requireCaptcha(v),
    (v) => threw(TypeError, isObject(v) ? PROVIDER_MESSAGE : 'options must be an object'))
  everyValue((name) => `provider: ${name}`, (v) => requireCaptcha({ provider: v }), () => threw(TypeError, PROVIDER_MESSAGE))

  const BASES = {
    trustcaptcha: () => ({ provider: 'trustcaptcha', apiKey: TC_KEY, apiHost: emulator.url }),
    swetrix: () => ({ provider: 'swetrix', secret: SW_SECRET, apiURL: `${emulator.url}/v1/captcha` }),
    recaptcha: () => ({ provider: 'recaptcha', secretKey: RC_SECRET, siteverifyUrl: `${emulator.url}/recaptcha/api/siteverify`, retries: 0 }),
    playtcha: () => ({ provider: 'playtcha', secret: PT_SECRET, apiHost: emulator.url })
  }
  const COMMON = {
    field: (v) => v === undefined || (isString(v) && v !== '') ? middleware : threw(TypeError, 'field must be a non-empty string'),
    onUnavailable: (v) => nullish(v) ? middleware : threw(TypeError, "onUnavailable must be 'reject' or 'allow'"),
    log: (v) => v === undefined || typeof v === 'function' ? middleware : threw(TypeError, 'log must be a function'),
    requestProperty: (v) => nullish(v) || isString(v) || typeof v === 'symbol' ? middleware : threw(TypeError, 'requestProperty must be a string or a symbol')
  }
  const typed = (check) => (v) => check(v) || middleware
  /** A secret or API key may be a function of the request (a resolver), checked per request. */
  const orResolver = (check) => (v) => typeof v === 'function' ? middleware : check(v)
  /**
   * Accepted at setup, refused at the first request: what only native code checks (a range, a
   * URL, a PEM) for providers whose client is not built at setup.
   */
  const deferred = { ...middleware, deferred: true }
  const OPTIONS = {
    trustcaptcha: {
      apiKey: orResolver((v) => credentialCheck(v) ?? middleware),
      apiHost: (v) => nullish(v) || isString(v) ? middleware : threw(TypeError, 'apiHost must be a string'),
      connectTimeoutMs: (v) => timeoutCheck('connectTimeoutMs', v) ?? middleware,
      readTimeoutMs: (v) => timeoutCheck('readTimeoutMs', v) ?? middleware,
      proxy: typed(proxyCheck),
      ca: typed(caCheck),
      // NaN would refuse every result without a word.
      maxScore: (v) => nullish(v) || (typeof v === 'number' && !Number.isNaN(v)) ? middleware : threw(TypeError, 'maxScore must be a number'),
      client: (v) => nullish(v) ? middleware : threw(TypeError, 'client must be a TrustCaptcha instance'),
      // Even undefined: the name is unknown for TrustCaptcha (a typo with an unset value still shows).
      minScore: (v) => threw(TypeError, v === undefined ? "unknown option for provider 'trustcaptcha': minScore" : "TrustCaptcha's score is a bot score (higher is more likely a bot): use maxScore")
    },
    swetrix: {
      secret: orResolver((v) => credentialCheck(v, 'secret') ?? middleware),
      apiURL: (v) => nullish(v) || v === '' ? middleware : isString(v) ? deferred : threw(TypeError, 'apiURL must be a string'),
      timeoutMs: (v) => {
        if (nullish(v) || v === 42) return middleware
        return typeof v === 'number' ? deferred : threw(TypeError, 'timeoutMs must be a number of milliseconds')
      },
      proxy: typed(proxyCheck),
      ca: (v) => isString(v) ? deferred : caCheck(v) || middleware
    },
    recaptcha: {
      secretKey: orResolver((v) => nullish(v) || isString(v) ? middleware : threw(TypeError, 'options.secretKey must be a string')),
      remoteIp: (v) => nullish(v) || isString(v) ? middleware : threw(TypeError, 'options.remoteIp must be a string'),
      siteverifyUrl: (v) => nullish(v) ? middleware : isString(v) ? deferred : threw(TypeError, 'options.siteverifyUrl must be a string'),
      timeoutMs: (v) => nullish(v) || v === 42 ? middleware : typeof v === 'number' ? deferred : threw(TypeError, 'options.timeoutMs must be a number'),
      retries: (v) => nullish(v) || v === 42 ? middleware : typeof v === 'number' ? deferred : threw(TypeError, 'options.retries must be a number'),
      retryDelayMs: (v) => nullish(v) || v === 42 ? middleware : typeof v === 'number' ? deferred : threw(TypeError, 'options.retryDelayMs must be a number'),
      expectedHostname: (v) => {
        if (nullish(v)) return middleware
        if (v === '' || (Array.isArray(v) && v.length === 0)) return deferred
        return isString(v) ? middleware : threw(TypeError, 'options.expectedHostname must be a string or an array of strings')
      },
      expectedAction: (v) => nullish(v) || isString(v) ? middleware : threw(TypeError, 'options.expectedAction must be a string'),
      minScore: (v) => nullish(v) ? middleware : typeof v === 'number' ? deferred : threw(TypeError, 'options.minScore must be a number'),
      proxy: typed(proxyCheck),
      ca: (v) => isString(v) ? deferred : caCheck(v) || middleware
    },
    playtcha: {
      secret: orResolver((v) => credentialCheck(v, 'secret') ?? middleware),
      apiHost: (v) => nullish(v) ? middleware : threw(TypeError, isString(v) ? 'apiHost must be an http(s) URL without credentials' : 'apiHost must be a string'),
      timeoutMs: (v) => timeoutCheck('timeoutMs', v) ?? middleware,
      failClosed: (v) => nullish(v) || v === true ? middleware : threw(TypeError, 'failClosed must be a boolean'),
      proxy: typed(proxyCheck),
      ca: typed(caCheck),
      client: (v) => nullish(v) ? middleware : threw(TypeError, 'client must be a Playtcha instance')
    }
  }
  const jsonRequest = () => ({ body: { token: 'a-token' }, headers: { 'content-type': 'application/json' } })

  for (const [provider, options] of Object.entries(OPTIONS)) {
    describe(provider, () => {
      for (const [name, expect] of Object.entries({ ...options, ...COMMON })) {
        for (const [label, value] of VALUES) {
          it(`${name}: ${label}`, async () => {
            const given = { ...BASES[provider](), [name]: value }
            const expected = expect(value)
            await expectOutcome(() => requireCaptcha(given), expected)
            if (expected.deferred) {
              await expectOutcome(() => verifyRequest(jsonRequest(), given), rejected(TypeError, /./))
            }
          })
        }
      }
    })
  }
})
