// hCaptcha, row by row of docs/providers/hcaptcha.md: the HCaptcha class (sitekey, Enterprise's
// score), and `verify` of `captcha-native/hcaptcha`, the `hcaptcha` npm package's drop-in, with
// `configureHcaptcha`; against a capturing server here, and against the embedded emulator below.
import { describe, it, before, after, beforeEach, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { assertNoSecret, captureServers, closedPort, rejection } from './helpers.mjs'

const require = createRequire(import.meta.url)
const { HCaptcha, HCaptchaUnavailableError, HCaptchaConfigurationError, FailoverException, isProviderUnavailable } = require('../index.js')
const { verify, configureHcaptcha } = require('../subpath/hcaptcha.js')
const { outcomeOf } = require('../lib/outcome.js')

const SECRET = 'ES_2f4b9c0d1e7a4b3c'
const PASS = { success: true, challenge_ts: '2026-11-28T10:45:06Z', hostname: 'example.com', credit: false, score: 0.2, score_reason: ['low risk'] }

const server = captureServers(after)
afterEach(() => configureHcaptcha())

describe('verify, the hcaptcha package drop-in', () => {
  it("sends the original's exact bodies: remoteip and sitekey only when given", async () => {
    const capture = await server(() => ({ body: PASS }))
    configureHcaptcha({ siteverifyUrl: `${capture.url}/siteverify` })
    await verify('mysecret', 'token')
    await verify('mysecret', 'token', '1.3.3.7')
    await verify('mysecret', 'token', null, 'mysite')
    await verify('mysecret', 'token', '1.3.3.7', 'mysite')
    await verify('mysecret', 'token', '', undefined)
    // The bodies the hcaptcha package's own tests expect.
    assert.deepEqual(capture.seen.map((r) => r.body), [
      'secret=mysecret&response=token',
      'secret=mysecret&response=token&remoteip=1.3.3.7',
      'secret=mysecret&response=token&sitekey=mysite',
      'secret=mysecret&response=token&remoteip=1.3.3.7&sitekey=mysite',
      'secret=mysecret&response=token'
    ])
    assert.ok(capture.seen.every((r) => r.method === 'POST' && r.path === '/siteverify' && r.headers['content-type'] === 'application/x-www-form-urlencoded'))
  })

  it("resolves siteverify's JSON as sent, wire names included, marked with its kind", async () => {
    const capture = await server(() => ({ body: PASS }))
    configureHcaptcha({ siteverifyUrl: capture.url })
    const data = await verify(SECRET, 'token')
    assert.deepEqual(data, PASS)
    assert.deepEqual(outcomeOf(data), { kind: 'verified' })
  })

  it('a refusal and a refused secret resolve too, as in the original', async () => {
    const capture = await server((request) => ({ body: { success: false, 'error-codes': [request.body.includes('bad') ? 'invalid-input-secret' : 'already-seen-response'] } }))
    configureHcaptcha({ siteverifyUrl: capture.url })
    const refused = await verify(SECRET, 'token')
    assert.deepEqual(refused, { success: false, 'error-codes': ['already-seen-response'] })
    assert.deepEqual(outcomeOf(refused), { kind: 'refused', code: 'already-seen-response' })
    const misconfigured = await verify('bad', 'token')
    assert.deepEqual(misconfigured, { success: false, 'error-codes': ['invalid-input-secret'] })
    assert.deepEqual(outcomeOf(misconfigured), { kind: 'misconfigured', code: 'invalid-input-secret' })
  })

  it('answers a missing secret or token as siteverify would, without a request', async () => {
    const capture = await server(() => ({ body: PASS }))
    configureHcaptcha({ siteverifyUrl: capture.url })
    assert.deepEqual(await verify(undefined, 'token'), { success: false, 'error-codes': ['missing-input-secret'] })
    assert.deepEqual(await verify('', 'token'), { success: false, 'error-codes': ['missing-input-secret'] })
    assert.deepEqual(await verify(SECRET, undefined), { success: false, 'error-codes': ['missing-input-response'] })
    assert.deepEqual(await verify(SECRET, ''), { success: false, 'error-codes': ['missing-input-response'] })
    assert.deepEqual(await verify(SECRET, 42), { success: false, 'error-codes': ['invalid-input-response'] })
    assert.equal(capture.seen.length, 0)
  })

  it('arguments of the wrong type reject a TypeError and send nothing', async () => {
    const capture = await server(() => ({ body: PASS }))
    configureHcaptcha({ siteverifyUrl: capture.url })
    await assert.rejects(verify(42, 'token'), (e) => e instanceof TypeError && /secret must be a string/.test(e.message))
    await assert.rejects(verify(SECRET, 'token', 7), /remoteip must be a string/)
    await assert.rejects(verify(SECRET, 'token', null, { key: 1 }), /sitekey must be a string/)
    assert.equal(capture.seen.length, 0)
  })

  it('no verdict after the retries rejects HCaptchaUnavailableError, with no secret in it', async () => {
    const capture = await server(() => ({ status: 500, body: { success: false, 'error-codes': [SECRET] } }))
    configureHcaptcha({ siteverifyUrl: capture.url, retries: 1 })
    const { error } = await rejection(verify(SECRET, 'token'))
    assert.equal(error.constructor, HCaptchaUnavailableError)
    assert.ok(error instanceof FailoverException && isProviderUnavailable(error))
    assert.equal(capture.seen.length, 2)
    assertNoSecret(error, SECRET)
  })

  it('configureHcaptcha: bad options throw and keep the configuration; no argument clears it', async () => {
    const capture = await server(() => ({ body: PASS }))
    configureHcaptcha({ siteverifyUrl: capture.url })
    assert.throws(() => configureHcaptcha({ siteverifyUrl: 'ftp://x' }), /siteverifyUrl must be an http\(s\) URL/)
    assert.throws(() => configureHcaptcha({ secret: SECRET }), /unknown option secret/)
    assert.throws(() => configureHcaptcha({ timeoutMs: 'soon' }), /timeoutMs must be a number/)
    assert.throws(() => configureHcaptcha('x'), /must be an object/)
    await verify(SECRET, 'token')
    assert.equal(capture.seen.length, 1, 'the configuration before the bad calls holds')
    const port = await closedPort()
    configureHcaptcha({ siteverifyUrl: `http://127.0.0.1:${port}/`, retries: 0 })
    await assert.rejects(verify(SECRET, 'token'), HCaptchaUnavailableError)
    configureHcaptcha({ siteverifyUrl: capture.url, timeoutMs: 1_000 })
    await verify(SECRET, 'token')
    assert.equal(capture.seen.length, 2)
  })
})

describe('the HCaptcha class', () => {
  it('sends the sitekey; a token solved for another (sitekey-secret-mismatch) is refused: the visitor chose it', async () => {
    const capture = await server((request) => ({ body: new URLSearchParams(request.body).get('sitekey') === 'right' ? PASS : { success: false, 'error-codes': ['sitekey-secret-mismatch'] } }))
    const hcaptcha = new HCaptcha({ secret: SECRET, siteverifyUrl: capture.url })
    assert.equal((await hcaptcha.verify('t', { sitekey: 'right' })).success, true)
    assert.equal(new URLSearchParams(capture.seen[0].body).get('sitekey'), 'right')
    const verdict = await hcaptcha.verify('t', { sitekey: 'wrong' })
    assert.deepEqual(verdict, { success: false, errorCodes: ['sitekey-secret-mismatch'] })
    assert.deepEqual(outcomeOf(verdict), { kind: 'refused', code: 'sitekey-secret-mismatch' })
  })

  it("hCaptcha's published test token posted to a real site (not-using-dummy-passcode) is refused, not a configuration error", async () => {
    const capture = await server(() => ({ body: { success: false, 'error-codes': ['not-using-dummy-passcode'] } }))
    const verdict = await new HCaptcha({ secret: SECRET, siteverifyUrl: capture.url }).verify('10000000-aaaa-bbbb-cccc-000000000001')
    assert.deepEqual(outcomeOf(verdict), { kind: 'refused', code: 'not-using-dummy-passcode' })
    assert.equal(isProviderUnavailable(verdict), false)
  })

  it("passes Enterprise's score and scoreReason through; maxScore holds the risk score under it", async () => {
    const capture = await server(() => ({ body: PASS }))
    const hcaptcha = new HCaptcha({ secret: SECRET, siteverifyUrl: capture.url })
    const verdict = await hcaptcha.verify('t', { maxScore: 0.2 })
    assert.deepEqual(verdict, { success: true, challengeTs: '2026-11-28T10:45:06Z', hostname: 'example.com', credit: false, score: 0.2, scoreReason: ['low risk'], errorCodes: [] })
    const risky = await hcaptcha.verify('t', { maxScore: 0.1 })
    assert.equal(risky.success, false)
    assert.deepEqual(risky.errorCodes, ['score-threshold-exceeded'])
    await assert.rejects(hcaptcha.verify('t', { maxScore: 2 }), /maxScore must be a number from 0 to 1/)
  })

  for (const code of ['already-seen-response', 'invalid-or-already-seen-response']) {
    it(`${code} after an attempt whose answer was lost is an outage, not a refusal`, async () => {
      const capture = await server((request, n) => n === 1 ? { status: 502, body: '' } : { body: { success: false, 'error-codes': [code] } })
      const { error } = await rejection(new HCaptcha({ secret: SECRET, siteverifyUrl: capture.url }).verify('t'))
      assert.equal(error.constructor, HCaptchaUnavailableError)
      assert.equal(error.attempts, 2)
      assert.match(error.cause.message, /redeemed/)
    })
  }

  it('missing-remoteip is a misconfiguration: the class rejects HCaptchaConfigurationError, the drop-in resolves it marked misconfigured', async () => {
    const capture = await server(() => ({ body: { success: false, 'error-codes': ['missing-remoteip'] } }))
    const { error } = await rejection(new HCaptcha({ secret: SECRET, siteverifyUrl: capture.url }).verify('t'))
    assert.equal(error.constructor, HCaptchaConfigurationError)
    assert.deepEqual(error.errorCodes, ['missing-remoteip'])
    configureHcaptcha({ siteverifyUrl: capture.url })
    try {
      const answered = await verify(SECRET, 't')
      assert.deepEqual(answered, { success: false, 'error-codes': ['missing-remoteip'] })
      assert.deepEqual(outcomeOf(answered), { kind: 'misconfigured', code: 'missing-remoteip' })
    } finally {
      configureHcaptcha()
    }
  })
})

describe('against the embedded emulator', () => {
  const { Emulator } = require('../index.js')
  let emulator
  let hcaptcha
  const { testSecret, testKeys, sitekey: defaultSitekey } = Emulator.identities.hcaptcha
  before(async () => {
    emulator = await Emulator.start({ hcaptchaSecret: SECRET })
    hcaptcha = new HCaptcha({ secret: SECRET, siteverifyUrl: `${emulator.url}/siteverify` })
  })
  after(() => emulator.close())
  // The file's afterEach clears the configuration after every test.
  beforeEach(() => configureHcaptcha({ siteverifyUrl: `${emulator.url}/siteverify` }))

  it('an issued token verifies once (then already-seen-response), with its sitekey', async () => {
    const token = emulator.issue('hcaptcha', { hostname: 'example.com' })
    const verdict = await hcaptcha.verify(token, { sitekey: defaultSitekey })
    assert.equal(verdict.success, true)
    assert.equal(verdict.hostname, 'example.com')
    assert.deepEqual((await hcaptcha.verify(token)).errorCodes, ['already-seen-response'])
  })

  it('an expired token is expired-input-response; a token of another sitekey is refused', async () => {
    const old = emulator.issue('hcaptcha')
    emulator.advanceTime(120_001)
    assert.deepEqual((await hcaptcha.verify(old)).errorCodes, ['expired-input-response'])
    const other = await hcaptcha.verify(emulator.issue('hcaptcha'), { sitekey: 'another-sitekey' })
    assert.deepEqual(other.errorCodes, ['sitekey-secret-mismatch'])
  })

  it("hCaptcha's test keys, with the drop-in: Publisher, Enterprise's safe user and bot", async () => {
    const publisher = await verify(testSecret, testKeys.publisher.token)
    assert.equal(publisher.success, true)
    assert.equal(publisher.hostname, testKeys.publisher.hostname)
    const safe = await verify(testSecret, testKeys.enterpriseSafeUser.token, null, testKeys.enterpriseSafeUser.sitekey)
    const bot = await verify(testSecret, testKeys.enterpriseBotDetected.token)
    assert.equal(safe.score, testKeys.enterpriseSafeUser.score)
    assert.equal(bot.score, testKeys.enterpriseBotDetected.score)
    assert.deepEqual(bot.score_reason, testKeys.enterpriseBotDetected.scoreReason)
    // A test token verifies any number of times; with another secret it is refused.
    assert.equal((await verify(testSecret, testKeys.publisher.token)).success, true)
    assert.deepEqual(await verify(SECRET, testKeys.publisher.token), { success: false, 'error-codes': ['not-using-dummy-passcode'] })
  })

  it("the class holds Enterprise's risk score to maxScore", async () => {
    const client = new HCaptcha({ secret: testSecret, siteverifyUrl: `${emulator.url}/siteverify` })
    assert.equal((await client.verify(testKeys.enterpriseSafeUser.token, { maxScore: 0.5 })).success, true)
    const bot = await client.verify(testKeys.enterpriseBotDetected.token, { maxScore: 0.5 })
    assert.deepEqual(bot.errorCodes, ['score-threshold-exceeded'])
    assert.deepEqual(bot.scoreReason, testKeys.enterpriseBotDetected.scoreReason)
  })
})
