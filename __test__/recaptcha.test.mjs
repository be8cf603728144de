// authorize (the wix-captcha-backend drop-in) against the embedded emulator and a capturing
// server, row by row of docs/providers/recaptcha.md.
import { describe, it, before, after, beforeEach, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import wixCaptcha, { authorize as namedAuthorize } from '../index.js'
import { assertNoSecret, captureServer, closedPort, rejection } from './helpers.mjs'

const require = createRequire(import.meta.url)
const {
  authorize, configureRecaptcha, RecaptchaError, RecaptchaUnavailableError, FailoverException, Emulator
} = require('../index.js')

const SECRET = 'recaptcha-site-secret-4f2b8d'
const GOOGLE_TEST_SECRET = Emulator.identities.recaptcha.testSecretKey.secretKey

let emulator
let siteverifyUrl
let options
before(async () => {
  emulator = await Emulator.start({ recaptchaSecret: SECRET })
  siteverifyUrl = `${emulator.url}/recaptcha/api/siteverify`
  options = { secretKey: SECRET, siteverifyUrl, retryDelayMs: 10 }
})
after(() => emulator.close())
beforeEach(() => {
  emulator.clearFaults()
  emulator.clearRequests()
})
afterEach(() => {
  configureRecaptcha()
  delete process.env.RECAPTCHA_SECRET_KEY
})

/** Asserts a rejection with `Request failed with status code <status>` and these codes. */
async function rejectsWith (promise, status, errorCodes, Class = RecaptchaError) {
  const { error } = await rejection(promise)
  assert.equal(error.constructor, Class, `expected ${Class.name}, got ${error}`)
  assert.ok(error instanceof Error)
  assert.equal(error.name, Class.name)
  assert.equal(error.message, `Request failed with status code ${status}`)
  assert.equal(error.error, error.message, 'an ErrorReport reader finds the same text in error.error')
  assert.equal(error.statusCode, status)
  assert.deepEqual(error.errorCodes, errorCodes)
  assertNoSecret(error, SECRET)
  return error
}

const siteverifyRequests = () => emulator.requests().filter((r) => r.provider === 'recaptcha')

describe('exports', () => {
  it('authorize is both the default export\'s method and a named export', () => {
    assert.equal(typeof wixCaptcha.authorize, 'function')
    assert.equal(wixCaptcha.authorize, authorize)
    assert.equal(namedAuthorize, authorize)
    assert.equal(require('../index.js').default.authorize, authorize)
  })

  it('the seed code works: wixCaptcha.authorize(token).then(...).catch(...)', async () => {
    const inserted = []
    const logged = []
    const insert = (data) => inserted.push(data)
    configureRecaptcha({ secretKey: SECRET, siteverifyUrl })
    await wixCaptcha.authorize(emulator.issue('recaptcha')).then(() => insert('row')).catch((error) => logged.push(error))
    await wixCaptcha.authorize('forged').then(() => insert('bad row')).catch((error) => logged.push(String(error.error)))
    assert.deepEqual(inserted, ['row'])
    assert.deepEqual(logged, ['Request failed with status code 400'])
  })
})

describe('the secret', () => {
  let server
  before(async () => { server = await captureServer(() => ({ body: { success: true } })) })
  after(() => server.close())
  beforeEach(() => { server.seen.length = 0 })
  const sentSecret = () => new URLSearchParams(server.seen.at(-1).body).get('secret')

  it('comes from options.secretKey, then configureRecaptcha(), then RECAPTCHA_SECRET_KEY', async () => {
    process.env.RECAPTCHA_SECRET_KEY = 'from-env'
    await authorize('t', { siteverifyUrl: server.url })
    assert.equal(sentSecret(), 'from-env')
    configureRecaptcha({ secretKey: 'from-configure', siteverifyUrl: server.url })
    await authorize('t')
    assert.equal(sentSecret(), 'from-configure')
    await authorize('t', { secretKey: 'from-options' })
    assert.equal(sentSecret(), 'from-options')
    configureRecaptcha()
    await authorize('t', { siteverifyUrl: server.url })
    assert.equal(sentSecret(), 'from-env', 'configureRecaptcha() clears the configuration')
  })

  it('none at all rejects 500 missing-input-secret with no request', async () => {
    await rejectsWith(authorize('t', { siteverifyUrl: server.url }), 500, ['missing-input-secret'])
    await rejectsWith(authorize('t', { siteverifyUrl: server.url, secretKey: '   ' }), 500, ['missing-input-secret'])
    assert.equal(server.seen.length, 0)
  })
})

describe('the request', () => {
  it('POSTs secret, response and remoteip form-encoded to siteverify', async () => {
    const server = await captureServer(() => ({ body: { success: true } }))
    try {
      await authorize('to&ken=+é', { secretKey: 's p&c', siteverifyUrl: `${server.url}/recaptcha/api/siteverify`, remoteIp: '203.0.113.9' })
      await authorize('t2', { secretKey: 's', siteverifyUrl: server.url })
      const [first, second] = server.seen
      assert.equal(first.method, 'POST')
      assert.equal(first.path, '/recaptcha/api/siteverify')
      assert.equal(first.headers['content-type'], 'application/x-www-form-urlencoded')
      assert.equal(first.body, 'secret=s+p%26c&response=to%26ken%3D%2B%C3%A9&remoteip=203.0.113.9')
      assert.equal(second.body, 'secret=s&response=t2', 'remoteip only when given')
    } finally {
      await server.close()
    }
  })
})

describe('the outcome', () => {
  it('resolves exactly { success: true } for a passing token', async () => {
    assert.deepEqual(await authorize(emulator.issue('recaptcha'), options), { success: true })
  })

  it('Google\'s test secret passes any token (hostname testkey.google.com)', async () => {
    const passed = await authorize('any-token', { ...options, secretKey: GOOGLE_TEST_SECRET, expectedHostname: 'TestKey.Google.com' })
    assert.deepEqual(passed, { success: true })
  })

  const local = [['an empty token', '', ['missing-input-response']], ['undefined', undefined, ['missing-input-response']],
    ['null', null, ['missing-input-response']], ['a number', 42, ['invalid-input-response']],
    ['an object', { token: 't' }, ['invalid-input-response']], ['a 10 MiB string', 'x'.repeat(10 * 1024 * 1024), ['invalid-input-response']]]
  for (const [what, token, codes] of local) {
    it(`${what}: rejects 400 ${codes} with no request`, async () => {
      await rejectsWith(authorize(token, options), 400, codes)
      assert.equal(siteverifyRequests().length, 0)
    })
  }

  it('an unknown token: 400 invalid-input-response', async () => {
    await rejectsWith(authorize('forged', options), 400, ['invalid-input-response'])
  })

  it('a token used twice: 400 timeout-or-duplicate (single use)', async () => {
    const token = emulator.issue('recaptcha')
    await authorize(token, options)
    await rejectsWith(authorize(token, options), 400, ['timeout-or-duplicate'])
  })

  it('a token older than two minutes: 400 timeout-or-duplicate', async () => {
    const token = emulator.issue('recaptcha')
    emulator.advanceTime(120_001)
    await rejectsWith(authorize(token, options), 400, ['timeout-or-duplicate'])
  })

  it('a failed challenge: 400 invalid-input-response', async () => {
    await rejectsWith(authorize(emulator.issue('recaptcha', { success: false }), options), 400, ['invalid-input-response'])
  })

  it('a secret Google refuses: 500 invalid-input-secret, not retried', async () => {
    await rejectsWith(authorize(emulator.issue('recaptcha'), { ...options, secretKey: 'wrong' }), 500, ['invalid-input-secret'])
    assert.equal(siteverifyRequests().length, 1)
  })
})

describe('optional checks', () => {
  const issue = (claims) => emulator.issue('recaptcha', { hostname: 'shop.example.com', action: 'checkout', score: 0.7, ...claims })

  it('pass case-insensitively: hostname (string or list), action, score', async () => {
    assert.deepEqual(await authorize(issue(), { ...options, expectedHostname: 'SHOP.example.com', expectedAction: 'CheckOut', minScore: 0.7 }), { success: true })
    assert.deepEqual(await authorize(issue(), { ...options, expectedHostname: ['www.example.com', 'shop.example.com'] }), { success: true })
  })

  it('an Android answer is checked by its package name', async () => {
    const token = emulator.issue('recaptcha', { apkPackageName: 'com.example.app' })
    assert.deepEqual(await authorize(token, { ...options, expectedHostname: 'com.example.app' }), { success: true })
  })

  it('each failing check adds its code to a 400', async () => {
    await rejectsWith(authorize(issue(), { ...options, expectedHostname: 'evil.com' }), 400, ['hostname-mismatch'])
    await rejectsWith(authorize(issue(), { ...options, expectedAction: 'login' }), 400, ['action-mismatch'])
    await rejectsWith(authorize(issue(), { ...options, minScore: 0.9 }), 400, ['score-threshold-not-met'])
    await rejectsWith(authorize(issue({ score: 0.1, action: 'signup' }), { ...options, expectedAction: 'login', minScore: 0.5 }),
      400, ['action-mismatch', 'score-threshold-not-met'])
  })

  it('a v2 answer (no score) cannot meet minScore', async () => {
    await rejectsWith(authorize(emulator.issue('recaptcha'), { ...options, minScore: 0.1 }), 400, ['score-threshold-not-met'])
  })
})

describe('retries', () => {
  const noVerdict = [
    ['a 503', { kind: 'status', status: 503, body: '' }],
    ['a 429', { kind: 'status', status: 429, body: '' }],
    ['no response (closed)', { kind: 'close' }],
    ['an unreadable body', { kind: 'nonJson' }],
    ['a timeout', { kind: 'hang' }]
  ]
  for (const [what, rule] of noVerdict) {
    it(`after ${what}, retries and resolves the verdict`, async () => {
      emulator.fault({ provider: 'recaptcha', times: 2, ...rule })
      assert.deepEqual(await authorize(emulator.issue('recaptcha'), { ...options, timeoutMs: 1000 }), { success: true })
      assert.equal(siteverifyRequests().length, 3)
    })
  }

  it('gives up after `retries` more attempts: 503 RecaptchaUnavailableError, a FailoverException', async () => {
    emulator.fault({ provider: 'recaptcha', kind: 'status', status: 502, body: '' })
    const error = await rejectsWith(authorize('t', { ...options, retries: 3 }), 503, ['siteverify-unavailable'], RecaptchaUnavailableError)
    assert.ok(error instanceof FailoverException)
    assert.equal(error.attempts, 4)
    assert.equal(error.cause.message, 'siteverify answered 502')
    assert.equal(siteverifyRequests().length, 4)
  })

  it('retries defaults to 10: eleven attempts in all', async () => {
    emulator.fault({ provider: 'recaptcha', kind: 'status', status: 503 })
    const error = await rejectsWith(authorize('t', { secretKey: SECRET, siteverifyUrl, retryDelayMs: 1 }),
      503, ['siteverify-unavailable'], RecaptchaUnavailableError)
    assert.equal(error.attempts, 11)
    assert.equal(siteverifyRequests().length, 11)
  })

  it('no response at all, with retries: 0, is one attempt', async () => {
    const port = await closedPort()
    const error = await rejectsWith(authorize('t', { ...options, siteverifyUrl: `http://127.0.0.1:${port}`, retries: 0 }),
      503, ['siteverify-unavailable'], RecaptchaUnavailableError)
    assert.equal(error.attempts, 1)
    assert.match(error.cause.message, /connection refused/)
  })

  it('a verdict is never retried', async () => {
    await rejectsWith(authorize('forged', options), 400, ['invalid-input-response'])
    assert.equal(siteverifyRequests().length, 1)
  })

  it('a status siteverify never answers (404) is a configuration error: 500, not retried', async () => {
    emulator.fault({ provider: 'recaptcha', kind: 'status', status: 404, body: 'Not Found' })
    await rejectsWith(authorize('t', options), 500, ['siteverify-unexpected-status'])
    assert.equal(siteverifyRequests().length, 1)
  })

  it('attempts are spaced by retryDelayMs', async () => {
    const server = await captureServer((request, n) => (n < 3 ? { status: 503, body: '' } : { body: { success: true } }))
    try {
      await authorize('t', { secretKey: 's', siteverifyUrl: server.url, retryDelayMs: 150 })
      const [a, b, c] = server.seen.map((r) => r.at)
      assert.equal(server.seen.length, 3)
      assert.ok(b - a >= 140 && c - b >= 140, `gaps ${b - a} and ${c - b} ms`)
    } finally {
      await server.close()
    }
  })

  it('retryDelayMs defaults to 1000 ms', async () => {
    const server = await captureServer((request, n) => (n < 2 ? { status: 503, body: '' } : { body: { success: true } }))
    try {
      assert.deepEqual(await authorize('t', { secretKey: 's', siteverifyUrl: server.url }), { success: true })
      const [a, b] = server.seen.map((r) => r.at)
      assert.equal(server.seen.length, 2)
      assert.ok(b - a >= 950, `gap ${b - a} ms`)
    } finally {
      await server.close()
    }
  })

  it('never past the token\'s two minutes: a delay that would pass them ends the retries', async () => {
    emulator.fault({ provider: 'recaptcha', kind: 'status', status: 503, body: '' })
    const error = await rejectsWith(authorize('t', { ...options, retries: 10, retryDelayMs: 120_000 }),
      503, ['siteverify-unavailable'], RecaptchaUnavailableError)
    assert.equal(error.attempts, 1)
  })

  it('a Retry-After that would pass the two minutes ends the retries too', async () => {
    emulator.fault({ provider: 'recaptcha', kind: 'status', status: 429, body: '', headers: { 'retry-after': '180' } })
    const error = await rejectsWith(authorize('t', options), 503, ['siteverify-unavailable'], RecaptchaUnavailableError)
    assert.equal(error.attempts, 1)
  })
})

describe('bad options', () => {
  it('reject with a TypeError naming the option, and make no request', async () => {
    for (const [bad, message] of [
      [{ secretKey: 5 }, /options.secretKey must be a string/],
      [{ timeoutMs: '100' }, /options.timeoutMs must be a number/],
      [{ retries: -1 }, /retries must be an integer/],
      [{ retries: 2.5 }, /retries must be an integer/],
      [{ retryDelayMs: -5 }, /retryDelayMs must be a number/],
      [{ minScore: 2 }, /minScore must be a number from 0 to 1/],
      [{ expectedHostname: [1] }, /expectedHostname must be a string or an array of strings/],
      [{ expectedHostname: [] }, /expectedHostname must be a non-empty/],
      [{ siteverifyUrl: 'not a url' }, /siteverifyUrl must be an http\(s\) URL/],
      [{ proxy: true }, /proxy must be an object, false or undefined/],
      ['secret', /options must be an object/]
    ]) {
      const merged = typeof bad === 'object' ? { ...options, ...bad } : bad
      await assert.rejects(authorize('t', merged), (e) => e instanceof TypeError && message.test(e.message), String(message))
    }
    assert.throws(() => configureRecaptcha({ retries: 'many' }), TypeError)
    assert.equal(siteverifyRequests().length, 0)
  })
})

describe('authorize: a retry told timeout-or-duplicate', () => {
  it("after an attempt whose answer was lost: Wix's 400 as Google said it, and no verdict for the policy (that attempt may have redeemed the token)", async () => {
    const { outcomeOf } = require('../lib/outcome.js')
    const { isProviderUnavailable } = require('../index.js')
    const capture = await captureServer((request, n) => n % 2 === 1 ? { status: 502, body: '' } : { body: { success: false, 'error-codes': ['timeout-or-duplicate'] } })
    try {
      const lost = await rejectsWith(authorize('t', { ...options, siteverifyUrl: capture.url, retries: 1 }), 400, ['timeout-or-duplicate'])
      assert.deepEqual(outcomeOf(lost), { kind: 'unavailable', code: 'server_error' })
      assert.equal(isProviderUnavailable(lost), true)
      assert.match(lost.cause.message, /the retry found the token redeemed/)
      // Asked once, the same answer is a refusal.
      const once = await captureServer(() => ({ body: { success: false, 'error-codes': ['timeout-or-duplicate'] } }))
      try {
        const refused = await rejectsWith(authorize('t', { ...options, siteverifyUrl: once.url, retries: 1 }), 400, ['timeout-or-duplicate'])
        assert.deepEqual(outcomeOf(refused), { kind: 'refused', code: 'timeout-or-duplicate' })
      } finally {
        await once.close()
      }
    } finally {
      await capture.close()
    }
  })
})

describe('the Recaptcha class (docs/providers/recaptcha.md, "The Recaptcha class")', () => {
  const { Recaptcha } = require('../index.js')
  const { outcomeOf } = require('../lib/outcome.js')
  let recaptcha
  before(() => { recaptcha = new Recaptcha({ secret: SECRET, siteverifyUrl }) })

  it("resolves the whole verdict of an issued v3 token in camelCase", async () => {
    const token = emulator.issue('recaptcha', { hostname: 'example.com', score: 0.7, action: 'login' })
    const verdict = await recaptcha.verify(token)
    assert.deepEqual(Object.keys(verdict), ['success', 'challengeTs', 'hostname', 'score', 'action', 'errorCodes'])
    assert.equal(verdict.success, true)
    assert.equal(verdict.hostname, 'example.com')
    assert.equal(verdict.score, 0.7)
    assert.equal(verdict.action, 'login')
    assert.match(verdict.challengeTs, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
    assert.deepEqual(verdict.errorCodes, [])
  })

  it('an Android token carries apkPackageName; expectedApkPackageName checks it', async () => {
    const token = emulator.issue('recaptcha', { apkPackageName: 'com.example.app' })
    const verdict = await recaptcha.verify(token, { expectedApkPackageName: 'COM.example.app' })
    assert.equal(verdict.success, true)
    assert.equal(verdict.apkPackageName, 'com.example.app')
    const other = emulator.issue('recaptcha', { apkPackageName: 'com.example.app' })
    assert.deepEqual((await recaptcha.verify(other, { expectedApkPackageName: 'com.evil' })).errorCodes, ['apk_package_name-mismatch'])
  })

  it("the PHP library's checks: every failure reported, in its order, with its codes", async () => {
    const token = emulator.issue('recaptcha', { hostname: 'evil.example', score: 0.3, action: 'signup' })
    const verdict = await recaptcha.verify(token, {
      expectedHostname: 'example.com', expectedApkPackageName: 'com.example.app', expectedAction: 'login', minScore: 0.5
    })
    assert.equal(verdict.success, false)
    assert.deepEqual(verdict.errorCodes, ['hostname-mismatch', 'apk_package_name-mismatch', 'action-mismatch', 'score-threshold-not-met'])
    assert.equal(verdict.score, 0.3, "Google's fields stay")
    assert.deepEqual(outcomeOf(verdict), { kind: 'refused', code: 'hostname-mismatch' })
  })

  it('a score equal to minScore passes; a v2 answer (no score) counts as 0, as in the PHP library', async () => {
    const v3 = emulator.issue('recaptcha', { score: 0.5 })
    assert.equal((await recaptcha.verify(v3, { minScore: 0.5 })).success, true)
    assert.deepEqual((await recaptcha.verify(emulator.issue('recaptcha'), { minScore: 0.1 })).errorCodes, ['score-threshold-not-met'])
    assert.equal((await recaptcha.verify(emulator.issue('recaptcha'), { minScore: 0 })).success, true)
  })

  it("the checks add their codes to Google's refusal, as the PHP library does", async () => {
    const token = emulator.issue('recaptcha', { action: 'login' })
    await recaptcha.verify(token)
    const again = await recaptcha.verify(token, { expectedAction: 'login' })
    assert.deepEqual(again, { success: false, errorCodes: ['timeout-or-duplicate', 'action-mismatch'] })
    assert.deepEqual(outcomeOf(again), { kind: 'refused', code: 'timeout-or-duplicate' })
  })

  it("Google's test secret passes any token, hostname testkey.google.com", async () => {
    const verdict = await new Recaptcha({ secret: GOOGLE_TEST_SECRET, siteverifyUrl }).verify('anything')
    assert.equal(verdict.success, true)
    assert.equal(verdict.hostname, 'testkey.google.com')
  })

  it('a secret Google refuses rejects RecaptchaError 500 with its codes, no secret in it', async () => {
    const { error } = await rejection(new Recaptcha({ secret: 'not-the-secret', siteverifyUrl }).verify('t'))
    assert.equal(error.constructor, RecaptchaError)
    assert.equal(error.statusCode, 500)
    assert.deepEqual(error.errorCodes, ['invalid-input-secret'])
    assertNoSecret(error, 'not-the-secret')
  })

  it('maxAgeMs against the emulator: a token whose challenge was solved 90 s before fails 60 s, passes 120 s', async () => {
    // A fresh emulator: this file's other tests move the shared one's clock ahead of ours.
    const fresh = await Emulator.start({ recaptchaSecret: SECRET })
    try {
      const client = new Recaptcha({ secret: SECRET, siteverifyUrl: `${fresh.url}/recaptcha/api/siteverify` })
      const old = fresh.issue('recaptcha', { ageMs: 90_000 })
      assert.deepEqual((await client.verify(old, { maxAgeMs: 60_000 })).errorCodes, ['challenge-timeout'])
      const again = fresh.issue('recaptcha', { ageMs: 90_000 })
      assert.equal((await client.verify(again, { maxAgeMs: 120_000 })).success, true)
    } finally {
      await fresh.close()
    }
  })

  it('maxAgeMs: a challenge solved longer ago fails challenge-timeout; an unreadable challenge_ts fails it too', async () => {
    const capture = await captureServer((request, n) => ({
      body: { success: true, hostname: 'example.com', challenge_ts: n === 1 ? new Date(Date.now() - 5_000).toISOString() : n === 2 ? new Date().toISOString() : 'yesterday' }
    }))
    try {
      const client = new Recaptcha({ secret: SECRET, siteverifyUrl: capture.url })
      assert.deepEqual((await client.verify('t', { maxAgeMs: 2_000 })).errorCodes, ['challenge-timeout'])
      assert.equal((await client.verify('t', { maxAgeMs: 60_000 })).success, true)
      assert.deepEqual((await client.verify('t', { maxAgeMs: 60_000 })).errorCodes, ['challenge-timeout'])
      await assert.rejects(client.verify('t', { maxAgeMs: 0 }), /maxAgeMs must be a number of milliseconds above 0/)
    } finally {
      await capture.close()
    }
  })
})
