// What every provider shares: one way to tell "the provider is unavailable" from a verdict, and
// the default endpoints of the drop-ins (checked through HTTPS_PROXY, in child processes).
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { testIdToken, rejection, startProxy, inChild } from './helpers.mjs'

const require = createRequire(import.meta.url)
const captcha = require('../index.js')
const {
  TrustCaptcha, validateToken, authorize, Playtcha, Emulator, FailoverException, isProviderUnavailable,
  ServerUnreachableException, RecaptchaUnavailableError, PlaytchaUnavailableError
} = captcha

// Long enough for a verdict on a slow CI machine; the hang cases wait this long.
const TIMEOUT_MS = 1000

let emulator
let clients
before(async () => {
  emulator = await Emulator.start()
  const { credentials, url } = emulator
  clients = {
    trustcaptcha: new TrustCaptcha({ apiKey: credentials.trustcaptchaApiKey, apiHost: url, readTimeoutMs: TIMEOUT_MS }),
    swetrix: (token) => validateToken(token, credentials.swetrixSecret, `${url}/v1/captcha`, { timeoutMs: TIMEOUT_MS }),
    recaptcha: (token) => authorize(token, { secretKey: credentials.recaptchaSecret, siteverifyUrl: `${url}/recaptcha/api/siteverify`, timeoutMs: TIMEOUT_MS, retries: 1, retryDelayMs: 10 }),
    playtcha: new Playtcha({ secret: credentials.playtchaSecret, apiHost: url, timeoutMs: TIMEOUT_MS }),
    strictPlaytcha: new Playtcha({ secret: credentials.playtchaSecret, apiHost: url, timeoutMs: TIMEOUT_MS, failClosed: true }),
    turnstile: new captcha.Turnstile({ secret: credentials.turnstileSecret, siteverifyUrl: `${url}/turnstile/v0/siteverify`, timeoutMs: TIMEOUT_MS, retries: 0 }),
    hcaptcha: new captcha.HCaptcha({ secret: credentials.hcaptchaSecret, siteverifyUrl: `${url}/siteverify`, timeoutMs: TIMEOUT_MS, retries: 0 }),
    recaptchaClass: new captcha.Recaptcha({ secret: credentials.recaptchaSecret, siteverifyUrl: `${url}/recaptcha/api/siteverify`, timeoutMs: TIMEOUT_MS, retries: 0 })
  }
})
after(() => emulator.close())

/** Every provider's outcome for one token each: a resolved value or the rejection. */
async function outcomes () {
  const settle = (promise) => promise.then((value) => value, (error) => error)
  return {
    trustcaptcha: await settle(clients.trustcaptcha.getVerificationResult(testIdToken(1))),
    swetrix: await settle(clients.swetrix('forged')),
    recaptcha: await settle(clients.recaptcha('forged')),
    playtcha: await settle(clients.playtcha.verify('forged')),
    strictPlaytcha: await settle(clients.strictPlaytcha.verify('forged')),
    turnstile: await settle(clients.turnstile.verify('forged')),
    hcaptcha: await settle(clients.hcaptcha.verify('forged')),
    recaptchaClass: await settle(clients.recaptchaClass.verify('forged'))
  }
}

describe('one error family', () => {
  it('every "unavailable" error class is a FailoverException', () => {
    for (const Class of [ServerUnreachableException, RecaptchaUnavailableError, PlaytchaUnavailableError, captcha.TurnstileUnavailableError, captcha.HCaptchaUnavailableError]) {
      assert.ok(Object.create(Class.prototype) instanceof FailoverException, Class.name)
      assert.ok(new Class() instanceof Error)
    }
  })

  it('when every provider hangs, every outcome is "unavailable", each in its own shape', async () => {
    emulator.fault({ kind: 'hang' })
    try {
      const seen = await outcomes()
      assert.ok(seen.trustcaptcha instanceof ServerUnreachableException)
      assert.deepEqual(seen.swetrix, [false, `Unable to make API request, error: Error: timeout of ${TIMEOUT_MS}ms exceeded`])
      assert.ok(seen.recaptcha instanceof RecaptchaUnavailableError)
      assert.equal(seen.playtcha.failedOpen, true)
      assert.ok(seen.strictPlaytcha instanceof PlaytchaUnavailableError)
      for (const [provider, outcome] of Object.entries(seen)) {
        assert.equal(isProviderUnavailable(outcome), true, provider)
      }
      assert.ok(seen.turnstile instanceof captcha.TurnstileUnavailableError)
      assert.ok(seen.hcaptcha instanceof captcha.HCaptchaUnavailableError)
      assert.ok(seen.recaptchaClass instanceof RecaptchaUnavailableError)
      for (const provider of ['trustcaptcha', 'recaptcha', 'strictPlaytcha', 'turnstile', 'hcaptcha', 'recaptchaClass']) {
        assert.ok(seen[provider] instanceof FailoverException, provider)
      }
    } finally {
      emulator.clearFaults()
    }
  })

  it('when every provider answers 503, the same', async () => {
    emulator.fault({ kind: 'status', status: 503, body: 'maintenance' })
    try {
      for (const [provider, outcome] of Object.entries(await outcomes())) {
        assert.equal(isProviderUnavailable(outcome), true, provider)
      }
    } finally {
      emulator.clearFaults()
    }
  })

  it('a verdict is never "unavailable": refusals and passes alike', async () => {
    const refusals = await outcomes()
    assert.ok(refusals.trustcaptcha instanceof captcha.VerificationNotFoundException)
    assert.match(refusals.swetrix[1], /^Request failed with status code 400: /)
    assert.ok(refusals.recaptcha instanceof captcha.RecaptchaError)
    assert.ok(refusals.playtcha instanceof captcha.PlaytchaError)
    for (const provider of ['turnstile', 'hcaptcha', 'recaptchaClass']) {
      assert.equal(refusals[provider].success, false, provider)
      assert.deepEqual(refusals[provider].errorCodes, ['invalid-input-response'], provider)
    }
    for (const [provider, outcome] of Object.entries(refusals)) {
      assert.equal(isProviderUnavailable(outcome), false, provider)
      assert.ok(!(outcome instanceof FailoverException), provider)
    }
    const passes = [
      await clients.trustcaptcha.getVerificationResult(testIdToken(0)),
      await clients.swetrix(emulator.issue('swetrix')),
      await clients.recaptcha(emulator.issue('recaptcha')),
      await clients.playtcha.verify(emulator.issue('playtcha')),
      await clients.turnstile.verify(emulator.issue('turnstile')),
      await clients.hcaptcha.verify(emulator.issue('hcaptcha')),
      await clients.recaptchaClass.verify(emulator.issue('recaptcha'))
    ]
    assert.ok(passes.slice(4).every((verdict) => verdict.success === true))
    assert.deepEqual(passes.map(isProviderUnavailable), [false, false, false, false, false, false, false])
    const misconfigured = await validateToken('t', 's', 'not a url')
    assert.deepEqual(misconfigured, [false, 'Unable to make API request, error: TypeError: Invalid URL'])
    for (const value of [undefined, null, 'Unable to make API request', [true, 'Unable to make API request, error: x'], {}, new Error('x'), misconfigured]) {
      assert.equal(isProviderUnavailable(value), false, String(value))
    }
  })

  it('a misconfiguration is not an outage: no secret for authorize (500), a secret Turnstile or hCaptcha refuses', async () => {
    const { error } = await rejection(authorize('t', { secretKey: ' ', siteverifyUrl: `${emulator.url}/recaptcha/api/siteverify` }))
    assert.equal(error.statusCode, 500)
    assert.equal(isProviderUnavailable(error), false)
    const turnstile = await rejection(new captcha.Turnstile({ secret: 'wrong', siteverifyUrl: `${emulator.url}/turnstile/v0/siteverify` }).verify('t'))
    const hcaptcha = await rejection(new captcha.HCaptcha({ secret: 'wrong', siteverifyUrl: `${emulator.url}/siteverify` }).verify('t'))
    assert.ok(turnstile.error instanceof captcha.TurnstileConfigurationError)
    assert.ok(hcaptcha.error instanceof captcha.HCaptchaConfigurationError)
    assert.equal(isProviderUnavailable(turnstile.error), false)
    assert.equal(isProviderUnavailable(hcaptcha.error), false)
    // A copy without the mark is read by its class.
    assert.equal(isProviderUnavailable(Object.assign(new captcha.TurnstileUnavailableError(), {})), true)
  })

  it('local refusals (empty tokens) are verdicts, never "unavailable"', async () => {
    const { error: recaptcha } = await rejection(clients.recaptcha(''))
    const { error: playtcha } = await rejection(clients.playtcha.verify(''))
    assert.equal(isProviderUnavailable(recaptcha), false)
    assert.equal(isProviderUnavailable(playtcha), false)
    assert.equal(isProviderUnavailable(await clients.swetrix('')), false)
    for (const provider of ['turnstile', 'hcaptcha', 'recaptchaClass']) {
      assert.equal(isProviderUnavailable(await clients[provider].verify('')), false, provider)
    }
  })
})

describe('default timeouts', () => {
  it('Turnstile, hCaptcha and the Recaptcha class: 5 s per attempt', async () => {
    const { url, credentials } = emulator
    emulator.fault({ kind: 'hang' })
    try {
      const settle = (promise) => promise.then((value) => value, (error) => error)
      const errors = await Promise.all([
        settle(new captcha.Turnstile({ secret: credentials.turnstileSecret, siteverifyUrl: `${url}/turnstile/v0/siteverify`, retries: 0 }).verify('t')),
        settle(new captcha.HCaptcha({ secret: credentials.hcaptchaSecret, siteverifyUrl: `${url}/siteverify`, retries: 0 }).verify('t')),
        settle(new captcha.Recaptcha({ secret: credentials.recaptchaSecret, siteverifyUrl: `${url}/recaptcha/api/siteverify`, retries: 0 }).verify('t'))
      ])
      for (const error of errors) {
        assert.ok(error instanceof FailoverException, String(error))
        assert.equal(error.cause.message, 'no answer from siteverify: no complete answer within 5000 ms')
      }
    } finally {
      emulator.clearFaults()
    }
  })

  it('TrustCaptcha 5 s, Swetrix 10 s, reCAPTCHA 5 s per attempt, Playtcha 5 s: each says so when a provider hangs', async () => {
    const { url, credentials } = emulator
    emulator.fault({ kind: 'hang' })
    try {
      const settle = (promise) => promise.then((value) => value, (error) => error)
      const [trust, swetrix, recaptcha, playtcha] = await Promise.all([
        settle(new TrustCaptcha({ apiKey: credentials.trustcaptchaApiKey, apiHost: url }).getVerificationResult(testIdToken(0))),
        validateToken('t', credentials.swetrixSecret, `${url}/v1/captcha`),
        settle(authorize('t', { secretKey: credentials.recaptchaSecret, siteverifyUrl: `${url}/recaptcha/api/siteverify`, retries: 0 })),
        settle(new Playtcha({ secret: credentials.playtchaSecret, apiHost: url, failClosed: true }).verify('t'))
      ])
      assert.ok(trust instanceof ServerUnreachableException)
      assert.equal(trust.cause.message, 'no complete answer within 5000 ms')
      assert.deepEqual(swetrix, [false, 'Unable to make API request, error: Error: timeout of 10000ms exceeded'])
      assert.ok(recaptcha instanceof RecaptchaUnavailableError)
      assert.equal(recaptcha.cause.message, 'no answer from siteverify: no complete answer within 5000 ms')
      assert.ok(playtcha instanceof PlaytchaUnavailableError)
      assert.deepEqual([playtcha.reason, playtcha.cause.message], ['timeout', 'no complete answer within 5000 ms'])
    } finally {
      emulator.clearFaults()
    }
  })
})

describe('default endpoints', () => {
  let proxy
  before(async () => { proxy = await startProxy({ refuseConnect: true }) })
  after(() => proxy.close())

  it('Swetrix, Google siteverify and Playtcha: api.swetrixcaptcha.com, www.google.com, playtcha.com over HTTPS', async () => {
    const results = await inChild(`
      const swetrix = await captcha.validateToken('t', 's')
      const recaptcha = await captcha.authorize('t', { secretKey: 's', retries: 0 }).catch((e) => [e.name, e.statusCode])
      const playtcha = await captcha.Playtcha.verify('s', 't')
      return { swetrix, recaptcha, playtcha }`, { HTTPS_PROXY: proxy.url })
    assert.equal(results.swetrix[0], false)
    assert.match(results.swetrix[1], /^Unable to make API request, error: Error: /)
    assert.deepEqual(results.recaptcha, ['RecaptchaUnavailableError', 503])
    assert.equal(results.playtcha.failedOpen, true)
    assert.deepEqual(proxy.seen.map((r) => [r.method, r.url]), [
      ['CONNECT', 'api.swetrixcaptcha.com:443'],
      ['CONNECT', 'www.google.com:443'],
      ['CONNECT', 'playtcha.com:443']
    ])
  })

  it('Turnstile, hCaptcha (class and drop-in) and the Recaptcha class: challenges.cloudflare.com, api.hcaptcha.com, www.google.com over HTTPS', async () => {
    const before = proxy.seen.length
    const results = await inChild(`
      const name = (promise) => promise.then((v) => ['resolved', v], (e) => [e.name, e.attempts])
      const { verify } = require(${JSON.stringify(require.resolve('../subpath/hcaptcha.js'))})
      return [
        await name(captcha.Turnstile.verify('s', 't', { retries: 0 })),
        await name(captcha.HCaptcha.verify('s', 't', { retries: 0 })),
        await name(verify('s', 't')),
        await name(captcha.Recaptcha.verify('s', 't', { retries: 0 }))
      ]`, { HTTPS_PROXY: proxy.url })
    assert.deepEqual(results, [
      ['TurnstileUnavailableError', 1], ['HCaptchaUnavailableError', 1], ['HCaptchaUnavailableError', 3], ['RecaptchaUnavailableError', 1]
    ])
    assert.deepEqual(proxy.seen.slice(before).map((r) => [r.method, r.url]), [
      ['CONNECT', 'challenges.cloudflare.com:443'],
      ['CONNECT', 'api.hcaptcha.com:443'],
      ['CONNECT', 'api.hcaptcha.com:443'],
      ['CONNECT', 'api.hcaptcha.com:443'],
      ['CONNECT', 'api.hcaptcha.com:443'],
      ['CONNECT', 'www.google.com:443']
    ])
  })

  it('Playtcha\'s static shortcut takes failClosed from PLAYTCHA_FAIL_CLOSED, as the constructor does', async () => {
    const before = proxy.seen.length
    const results = await inChild(`
      return captcha.Playtcha.verify('s', 't').then((r) => ['resolved', r.failedOpen], (e) => ['rejected', e.name, e.reason])`,
    { HTTPS_PROXY: proxy.url, PLAYTCHA_FAIL_CLOSED: '1' })
    assert.deepEqual(results, ['rejected', 'PlaytchaUnavailableError', 'network_error'])
    assert.deepEqual(proxy.seen.slice(before).map((r) => [r.method, r.url]), [['CONNECT', 'playtcha.com:443']])
  })
})

describe('the proxy option', () => {
  it('Swetrix, reCAPTCHA and Playtcha: left out, HTTP_PROXY is used; proxy: false bypasses it', async () => {
    const proxy = await startProxy()
    try {
      const { url, credentials } = emulator
      const tokens = () => ({ swetrix: emulator.issue('swetrix'), recaptcha: emulator.issue('recaptcha'), playtcha: emulator.issue('playtcha') })
      const requestsBefore = emulator.requests().length
      const results = await inChild(`
        const verifyAll = async (tokens, option) => [
          (await captcha.validateToken(tokens.swetrix, '${credentials.swetrixSecret}', '${url}/v1/captcha', option))[0],
          (await captcha.authorize(tokens.recaptcha, { secretKey: '${credentials.recaptchaSecret}', siteverifyUrl: '${url}/recaptcha/api/siteverify', retries: 0, ...option })).success,
          await new captcha.Playtcha({ secret: '${credentials.playtchaSecret}', apiHost: '${url}', ...option }).verify(tokens.playtcha)
            .then((result) => result.success === true && result.failedOpen === false)
        ]
        return [await verifyAll(${JSON.stringify(tokens())}, {}), await verifyAll(${JSON.stringify(tokens())}, { proxy: false })]`,
      { HTTP_PROXY: proxy.url })
      assert.deepEqual(results, [[true, true, true], [true, true, true]])
      assert.deepEqual(proxy.seen.map((r) => [r.method, r.url]), [
        ['POST', `${url}/v1/captcha/validate`],
        ['POST', `${url}/recaptcha/api/siteverify`],
        ['POST', `${url}/v1/verify`]
      ])
      assert.equal(emulator.requests().length - requestsBefore, 6)
    } finally {
      await proxy.close()
    }
  })
})
