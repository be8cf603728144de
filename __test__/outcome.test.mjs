// A verdict is data: whether a provider was unavailable or refused the token is the outcome's
// kind, decided by native code, never read back out of a message (docs/architecture.md, "One
// outcome for every provider"). Here every message native code sends is rewritten into the other
// case's words, and the policy does not move: the middleware answers the same, isProviderUnavailable
// says the same.
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { testIdToken } from './helpers.mjs'

const require = createRequire(import.meta.url)
const binding = require('../binding.js')
const { Emulator, isProviderUnavailable, validateToken, authorize, TrustCaptcha, Playtcha, ServerUnreachableException } = require('../index.js')
const { verifyRequest, TOKEN_FIELDS } = require('captcha-native/middleware')

/** What a refusal says after the rewrite: an outage's words. */
const OUTAGE_WORDS = 'Request failed with status code 503: Unable to make API request, error: Error: connect ECONNREFUSED'
/** What an outage says after the rewrite: a refusal's words. */
const REFUSAL_WORDS = 'CAPTCHA validation failed'

/** A native outcome with every text in the other case's words. */
function reworded (outcome) {
  const words = outcome.kind === 'unavailable' ? REFUSAL_WORDS : OUTAGE_WORDS
  if (outcome.kind !== 'verified' && typeof outcome.value === 'string' && outcome.value.startsWith('"')) {
    outcome.value = JSON.stringify(words) // Swetrix's `[false, message]`
  }
  if (outcome.error) {
    outcome.error.message = words
    outcome.error.detail = words
  }
  return outcome
}

/** Runs `test` with every native verification's texts rewritten, then puts the binding back. */
async function withRewordedMessages (test) {
  const saved = {
    swetrixValidate: binding.swetrixValidate,
    recaptchaAuthorize: binding.recaptchaAuthorize,
    NativeTrustCaptcha: binding.NativeTrustCaptcha,
    NativePlaytcha: binding.NativePlaytcha
  }
  const wrapFunction = (original) => async (...args) => reworded(await original(...args))
  // A constructor that returns its own object: `new` gives that object, whose verify rewrites.
  const wrapClass = (Original) => function (options) {
    const inner = new Original(options)
    return { verify: async (token) => reworded(await inner.verify(token)) }
  }
  binding.swetrixValidate = wrapFunction(saved.swetrixValidate)
  binding.recaptchaAuthorize = wrapFunction(saved.recaptchaAuthorize)
  binding.NativeTrustCaptcha = wrapClass(saved.NativeTrustCaptcha)
  binding.NativePlaytcha = wrapClass(saved.NativePlaytcha)
  try {
    return await test()
  } finally {
    Object.assign(binding, saved)
  }
}

let emulator
before(async () => { emulator = await Emulator.start() })
after(() => emulator.close())

/** The middleware options of each provider against the emulator. */
function optionsOf (provider, onUnavailable) {
  const { url, credentials } = emulator
  const common = { provider, onUnavailable, log: () => {} }
  switch (provider) {
    case 'trustcaptcha': return { ...common, apiKey: credentials.trustcaptchaApiKey, apiHost: url }
    case 'swetrix': return { ...common, secret: credentials.swetrixSecret, apiURL: `${url}/v1/captcha` }
    case 'recaptcha': return { ...common, secretKey: credentials.recaptchaSecret, siteverifyUrl: `${url}/recaptcha/api/siteverify`, retryDelayMs: 0 }
    default: return { ...common, secret: credentials.playtchaSecret, apiHost: url }
  }
}

/** A token the provider refuses. */
function refusedToken (provider) {
  return provider === 'trustcaptcha' ? testIdToken(1) : 'forged'
}

/** The middleware's answer and isProviderUnavailable's, for one request in each case. */
async function answers (provider) {
  const seen = {}
  for (const onUnavailable of ['reject', 'allow']) {
    const options = optionsOf(provider, onUnavailable)
    const request = (token) => ({ body: { [TOKEN_FIELDS[provider]]: token }, headers: { 'content-type': 'application/json' } })
    const refused = await verifyRequest(request(refusedToken(provider)), options)
    // Enough 503s for every attempt (reCAPTCHA's middleware default retries once).
    emulator.fault({ provider, times: 2, kind: 'status', status: 503, body: 'down' })
    const unavailable = await verifyRequest(request(emulator.issue(provider)), options)
    emulator.clearFaults()
    seen[onUnavailable] = {
      refused: [refused.status, refused.code, isProviderUnavailable(refused.error ?? refused.result)],
      unavailable: [unavailable.status, unavailable.code, isProviderUnavailable(unavailable.error ?? unavailable.result)]
    }
  }
  return seen
}

describe('the policy follows the outcome\'s kind, whatever the messages say', () => {
  for (const provider of ['trustcaptcha', 'swetrix', 'recaptcha', 'playtcha']) {
    it(`${provider}: a refusal worded as an outage and an outage worded as a refusal are answered as before`, async () => {
      const plain = await answers(provider)
      assert.deepEqual(plain.reject.refused, [400, 'verification_failed', false])
      assert.deepEqual(plain.reject.unavailable, [503, 'provider_unavailable', true])
      assert.deepEqual(plain.allow.unavailable, [200, 'failed_open', true])
      const rewordedAnswers = await withRewordedMessages(() => answers(provider))
      assert.deepEqual(rewordedAnswers, plain)
    })
  }

  it('the rewrite reached the texts: Swetrix\'s tuple and TrustCaptcha\'s error say the other case\'s words', async () => {
    const { url, credentials } = emulator
    await withRewordedMessages(async () => {
      const refused = await validateToken('forged', credentials.swetrixSecret, `${url}/v1/captcha`)
      assert.deepEqual(refused, [false, OUTAGE_WORDS])
      assert.equal(isProviderUnavailable(refused), false)
      const client = new TrustCaptcha({ apiKey: credentials.trustcaptchaApiKey, apiHost: url })
      emulator.fault({ provider: 'trustcaptcha', times: 1, kind: 'status', status: 503 })
      const error = await client.getVerificationResult(emulator.issue('trustcaptcha')).catch((e) => e)
      assert.equal(error.message, REFUSAL_WORDS)
      assert.equal(isProviderUnavailable(error), true)
    })
  })

  it('a tuple no verification produced is never unavailable, whatever it says', () => {
    for (const value of [
      [false, 'Request failed with status code 503: down'],
      [false, 'Unable to make API request, error: Error: connect ECONNREFUSED 127.0.0.1:1'],
      new Error('Failed to retrieve verification result, response code: 503'),
      { success: true, unavailableReason: 'server_error' }
    ]) {
      assert.equal(isProviderUnavailable(value), false, String(value))
    }
  })

  it('a copy keeps its kind through the SDK\'s own data: a 5xx status, a failed-open result, the exception family', async () => {
    const { url, credentials } = emulator
    emulator.fault({ provider: 'trustcaptcha', times: 1, kind: 'status', status: 503 })
    const error = await new TrustCaptcha({ apiKey: credentials.trustcaptchaApiKey, apiHost: url })
      .getVerificationResult(emulator.issue('trustcaptcha')).catch((e) => e)
    const copied = Object.assign(new Error(error.message), { status: error.status })
    assert.equal(isProviderUnavailable(copied), true)
    emulator.fault({ provider: 'playtcha', times: 1, kind: 'status', status: 503 })
    const open = await new Playtcha({ secret: credentials.playtchaSecret, apiHost: url }).verify(emulator.issue('playtcha'))
    assert.equal(isProviderUnavailable({ ...open }), true)
    assert.equal(isProviderUnavailable(structuredClone(open)), true)
    assert.equal(isProviderUnavailable(new ServerUnreachableException()), true)
  })

  it('the kind is invisible to equality and to JSON, and survives in another copy\'s reading', async () => {
    const { url, credentials } = emulator
    emulator.fault({ provider: 'swetrix', times: 1, kind: 'status', status: 503, body: 'down' })
    const outage = await validateToken(emulator.issue('swetrix'), credentials.swetrixSecret, `${url}/v1/captcha`)
    assert.deepStrictEqual(outage, [false, 'Request failed with status code 503: down'])
    assert.equal(JSON.stringify(outage), '[false,"Request failed with status code 503: down"]')
    assert.deepEqual(Object.keys(outage), ['0', '1'])
    const mark = outage[Symbol.for('captcha-native.outcome')]
    assert.deepEqual({ ...mark }, { kind: 'unavailable', code: 'server_error' })
  })
})

describe('error kinds', () => {
  it('every kind native code reports has its class, and a kind without one stops the package loading', async () => {
    const { execFileSync } = await import('node:child_process')
    const load = (extraKind) => execFileSync(process.execPath, ['-e', `
      const binding = require('./binding.js')
      const kinds = binding.errorKinds()
      if (${JSON.stringify(extraKind)}) binding.errorKinds = () => [...kinds, ${JSON.stringify(extraKind)}]
      try { require('./index.js'); console.log('loaded', kinds.length) } catch (error) { console.log(error.message) }`],
    { cwd: new URL('..', import.meta.url), encoding: 'utf8' }).trim()
    assert.equal(load(''), `loaded ${Object.keys(binding.ErrorKind).length}`)
    assert.equal(load('NewKind'), 'captcha-native: native error kind NewKind has no class (lib/errors.js)')
  })
})

describe('an error as native code made it', () => {
  it('has its fields in the order native code sets them, after its name', async () => {
    const { url, credentials } = emulator
    const options = { secretKey: credentials.recaptchaSecret, siteverifyUrl: `${url}/recaptcha/api/siteverify`, retries: 0 }
    const refused = await authorize('forged', options).catch((e) => e)
    assert.deepEqual(Object.keys(refused), ['name', 'error', 'statusCode', 'errorCodes'])
    emulator.fault({ provider: 'recaptcha', times: 1, kind: 'status', status: 503 })
    const unavailable = await authorize(emulator.issue('recaptcha'), options).catch((e) => e)
    assert.deepEqual(Object.keys(unavailable), ['name', 'error', 'statusCode', 'errorCodes', 'attempts'])
  })
})
