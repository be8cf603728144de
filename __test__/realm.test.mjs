// The package evaluated in a VM context of its own, as Jest and Vitest's vm pools evaluate it:
// the JavaScript in the context, the addon and Node's modules in the main realm. Here no runner
// patches the context's globals (Jest shares its Uint8Array with the main realm; a bare context
// does not), and two evaluations stand for two installed copies (npm aliases). The compatibility
// suite (compat/) runs the real runners; this is its fast, offline core.
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { builtinModules, createRequire } from 'node:module'
import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import vm from 'node:vm'
import { rejection, testIdToken } from './helpers.mjs'

const INDEX = fileURLToPath(new URL('../index.js', import.meta.url))
const MIDDLEWARE = fileURLToPath(new URL('../subpath/middleware.js', import.meta.url))
const mainRequire = createRequire(import.meta.url)

/** A VM context with Node's globals, and a CommonJS loader that evaluates the package in it. */
function realm () {
  const context = vm.createContext({
    console, process, Buffer, setTimeout, clearTimeout, setImmediate, clearImmediate, queueMicrotask, URL, URLSearchParams, TextEncoder, TextDecoder
  })
  const modules = new Map()
  const load = (file) => {
    if (modules.has(file)) return modules.get(file).exports
    const module = { exports: {} }
    modules.set(file, module)
    const wrapper = vm.runInContext(`(function (exports, require, module, __filename, __dirname) {${readFileSync(file, 'utf8')}\n})`, context, { filename: file })
    const resolve = createRequire(file).resolve
    const require = (id) => {
      if (id.startsWith('node:') || builtinModules.includes(id)) return mainRequire(id)
      const resolved = resolve(id)
      return resolved.endsWith('.node') ? mainRequire(resolved) : load(resolved)
    }
    wrapper.call(module.exports, module.exports, require, module, file, dirname(file))
    return module.exports
  }
  const globals = vm.runInContext('({ Error, TypeError, Object, Array, Uint8Array })', context)
  return { captcha: load(INDEX), middleware: load(MIDDLEWARE), globals }
}

describe('in a VM context of its own', () => {
  const a = realm()
  const b = realm()
  let emulator
  let client

  before(async () => {
    emulator = await a.captcha.Emulator.start()
    client = new a.captcha.TrustCaptcha({ apiKey: emulator.credentials.trustcaptchaApiKey, apiHost: emulator.url })
  })
  after(() => emulator.close())

  it('the realms really differ: the addon\'s objects are not of the context', async () => {
    assert.notEqual(a.globals.Error, Error)
    assert.notEqual(a.globals.Error, b.globals.Error)
  })

  it('a native rejection becomes the context\'s own class, with no internal text', async () => {
    const { error } = await rejection(client.getVerificationResult(testIdToken(1)))
    assert.ok(error instanceof a.captcha.VerificationNotFoundException)
    assert.ok(error instanceof a.globals.Error, 'an Error of the context')
    assert.equal(Object.getPrototypeOf(a.captcha.VerificationNotFoundException.prototype), a.globals.Error.prototype)
    assert.equal(error.name, 'VerificationNotFoundException')
    assert.equal(error.status, 404)
    assert.ok(!`${error.message}${error.stack}`.includes('captcha-native:{'))
  })

  it('a TypeError from native code is the context\'s TypeError', () => {
    assert.throws(() => emulator.issue('nobody'), (error) => error instanceof a.globals.TypeError && !(error instanceof TypeError))
    assert.throws(() => emulator.fault({ kind: 'nonsense' }), a.globals.TypeError)
  })

  it('a cause is of the context, and isProviderUnavailable reads it', async () => {
    const unreachable = new a.captcha.TrustCaptcha({ apiKey: 'k', apiHost: 'http://127.0.0.1:1' })
    const { error } = await rejection(unreachable.getVerificationResult(testIdToken(0)))
    assert.ok(error instanceof a.captcha.ServerUnreachableException && error instanceof a.captcha.FailoverException)
    assert.ok(error.cause instanceof a.globals.Error)
    assert.equal(a.captcha.isProviderUnavailable(error), true)
  })

  it('results and the emulator\'s data are plain values of the context', async () => {
    const result = await client.getVerificationResult(emulator.issue('trustcaptcha'))
    assert.ok(result instanceof a.captcha.VerificationResult)
    for (const value of [emulator.credentials, emulator.stats(), emulator.requests()[0], emulator.requests()[0].headers]) {
      assert.equal(Object.getPrototypeOf(value), a.globals.Object.prototype)
    }
    assert.equal(Object.getPrototypeOf(emulator.requests()), a.globals.Array.prototype)
    const result2 = await new a.captcha.Playtcha({ secret: emulator.credentials.playtchaSecret, apiHost: emulator.url }).verify(emulator.issue('playtcha'))
    assert.equal(Object.getPrototypeOf(result2), a.globals.Object.prototype)
  })

  it('a ca and a raw body may be a Uint8Array of any realm', async () => {
    const tls = await a.captcha.Emulator.start({ tls: true })
    try {
      const ca = new a.globals.Uint8Array(Buffer.from(tls.certificate))
      assert.ok(!(ca instanceof Uint8Array))
      const secure = new a.captcha.TrustCaptcha({ apiKey: tls.credentials.trustcaptchaApiKey, apiHost: tls.url, ca, proxy: false })
      assert.equal((await secure.getVerificationResult(tls.issue('trustcaptcha'))).verificationPassed, true)
    } finally {
      await tls.close()
    }
    const body = new a.globals.Uint8Array(Buffer.from(`tc-verification-token=${encodeURIComponent(emulator.issue('trustcaptcha'))}`))
    const outcome = await a.middleware.verifyRequest({ body, headers: { 'content-type': 'application/x-www-form-urlencoded' } },
      { provider: 'trustcaptcha', client })
    assert.equal(outcome.code, 'verified')
  })

  it('another copy\'s errors are instances of this copy\'s classes, in both directions', async () => {
    const { error } = await rejection(client.getVerificationResult(testIdToken(2)))
    assert.ok(error instanceof b.captcha.VerificationNotFinishedException)
    assert.ok(!(error instanceof b.captcha.VerificationNotFoundException))
    assert.ok(new b.captcha.PlaytchaUnavailableError() instanceof a.captcha.FailoverException)
    assert.ok(!(new b.captcha.PlaytchaError() instanceof a.captcha.FailoverException))
    assert.equal(b.captcha.isProviderUnavailable(new a.captcha.ServerUnreachableException()), true)
    assert.equal(b.captcha.isProviderUnavailable(new a.captcha.VerificationNotFoundException()), false)
    assert.ok(new b.middleware.CaptchaConfigurationError(error) instanceof a.middleware.CaptchaConfigurationError)
  })

  it('the middleware of one copy tells refusals from outages for a client of another', async () => {
    const outcome = (token) => b.middleware.verifyRequest({ body: { 'tc-verification-token': token }, headers: {} },
      { provider: 'trustcaptcha', client, log: () => {} })
    assert.equal((await outcome(testIdToken(3))).code, 'verification_failed')
    emulator.fault({ provider: 'trustcaptcha', times: 1, kind: 'status', status: 503 })
    assert.equal((await outcome(emulator.issue('trustcaptcha'))).code, 'provider_unavailable')
  })

  it('a user\'s own subclass keeps the ordinary instanceof', () => {
    class Outage extends a.captcha.ServerUnreachableException {}
    assert.ok(new Outage() instanceof a.captcha.ServerUnreachableException)
    assert.ok(new Outage() instanceof b.captcha.FailoverException)
    assert.ok(!(new a.captcha.ServerUnreachableException() instanceof Outage))
    assert.ok(!(new b.captcha.ServerUnreachableException() instanceof Outage))
    assert.ok(!({} instanceof a.captcha.FailoverException))
    assert.ok(!(new Proxy({}, { get () { throw new Error('no') } }) instanceof a.captcha.FailoverException))
  })
})
