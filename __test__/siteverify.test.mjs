// What the three siteverify classes (Turnstile, HCaptcha, Recaptcha) share, against a capturing
// server, row by row of docs/providers/turnstile.md, hcaptcha.md and recaptcha.md ("The
// Recaptcha class"): the request, the verdict, local refusals, no verdict, a refused secret.
import { describe, it, after } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { assertNoSecret, captureServers, closedPort, rejection, trickleServer } from './helpers.mjs'

const require = createRequire(import.meta.url)
const captcha = require('../index.js')
const { FailoverException, isProviderUnavailable } = captcha
const { outcomeOf } = require('../lib/outcome.js')

const SECRET = 'sv_secret_7Qz+/=&x'

const PROVIDERS = [
  {
    name: 'turnstile',
    Class: captcha.Turnstile,
    Unavailable: captcha.TurnstileUnavailableError,
    Misconfigured: captcha.TurnstileConfigurationError,
    maxToken: 2048
  },
  {
    name: 'hcaptcha',
    Class: captcha.HCaptcha,
    Unavailable: captcha.HCaptchaUnavailableError,
    Misconfigured: captcha.HCaptchaConfigurationError,
    maxToken: 64 * 1024
  },
  {
    name: 'recaptcha',
    Class: captcha.Recaptcha,
    Unavailable: captcha.RecaptchaUnavailableError,
    Misconfigured: captcha.RecaptchaError,
    maxToken: 64 * 1024
  }
]

const PASS = {
  success: true,
  challenge_ts: '2026-11-28T10:45:06.096Z',
  hostname: 'example.com',
  'error-codes': [],
  action: 'login',
  score: 0.9,
  apk_package_name: 'com.example.app',
  score_reason: ['safe']
}

const server = captureServers(after)

const form = (body) => Object.fromEntries(new URLSearchParams(body))
const fieldNames = (body) => [...new URLSearchParams(body).keys()]

for (const { name, Class, Unavailable, Misconfigured, maxToken } of PROVIDERS) {
  describe(`${Class.name} (${name})`, () => {
    it('posts a form of the secret (trimmed), the token and remoteip to siteverifyUrl', async () => {
      const capture = await server(() => ({ body: PASS }))
      const client = new Class({ secret: ` ${SECRET} `, siteverifyUrl: `${capture.url}/siteverify?x=1` })
      await client.verify('to+ken&=', { remoteip: '203.0.113.9' })
      const [request] = capture.seen
      assert.equal(request.method, 'POST')
      assert.equal(request.path, '/siteverify?x=1')
      assert.equal(request.headers['content-type'], 'application/x-www-form-urlencoded')
      const sent = form(request.body)
      assert.equal(sent.secret, SECRET)
      assert.equal(sent.response, 'to+ken&=')
      assert.equal(sent.remoteip, '203.0.113.9')
      const expected = name === 'turnstile'
        ? ['secret', 'response', 'remoteip', 'idempotency_key']
        : ['secret', 'response', 'remoteip']
      assert.deepEqual(fieldNames(request.body), expected)
      // An empty remoteip is not sent.
      await client.verify('t', { remoteip: '' })
      assert.deepEqual(fieldNames(capture.seen[1].body), expected.filter((field) => field !== 'remoteip'))
    })

    it('resolves the verdict in camelCase, marked verified', async () => {
      const capture = await server(() => ({ body: PASS }))
      const verdict = await new Class({ secret: SECRET, siteverifyUrl: capture.url }).verify('t')
      assert.deepEqual(verdict, {
        success: true,
        challengeTs: '2026-11-28T10:45:06.096Z',
        hostname: 'example.com',
        action: 'login',
        score: 0.9,
        apkPackageName: 'com.example.app',
        scoreReason: ['safe'],
        errorCodes: []
      })
      assert.deepEqual(outcomeOf(verdict), { kind: 'verified' })
      assert.deepEqual(Object.keys(verdict), ['success', 'challengeTs', 'hostname', 'action', 'score', 'apkPackageName', 'scoreReason', 'errorCodes'])
    })

    it("resolves a refusal with success false and the provider's codes, marked refused", async () => {
      const capture = await server(() => ({ body: { success: false, 'error-codes': ['invalid-input-response', 'bad-request'] } }))
      const verdict = await new Class({ secret: SECRET, siteverifyUrl: capture.url }).verify('t')
      assert.deepEqual(verdict, { success: false, errorCodes: ['invalid-input-response', 'bad-request'] })
      assert.deepEqual(outcomeOf(verdict), { kind: 'refused', code: 'invalid-input-response' })
      assert.equal(isProviderUnavailable(verdict), false)
    })

    it('refuses an empty, non-string or too long token without a request', async () => {
      const capture = await server(() => ({ body: PASS }))
      const client = new Class({ secret: SECRET, siteverifyUrl: capture.url })
      for (const [token, code] of [
        ['', 'missing-input-response'],
        [undefined, 'invalid-input-response'],
        [42, 'invalid-input-response'],
        [{ toString: () => 'x' }, 'invalid-input-response'],
        ['x'.repeat(maxToken + 1), 'invalid-input-response']
      ]) {
        const verdict = await client.verify(token)
        assert.deepEqual(verdict, { success: false, errorCodes: [code] })
        assert.deepEqual(outcomeOf(verdict), { kind: 'refused', code })
      }
      assert.equal(capture.seen.length, 0)
      await client.verify('x'.repeat(maxToken))
      assert.equal(capture.seen.length, 1, `a token of ${maxToken} characters is sent`)
    })

    it('rejects a configuration error when the secret is refused, with the codes and no secret', async () => {
      const capture = await server(() => ({ body: { success: false, 'error-codes': ['invalid-input-secret', SECRET] } }))
      const { error } = await rejection(new Class({ secret: SECRET, siteverifyUrl: capture.url }).verify('t'))
      assert.equal(error.constructor, Misconfigured)
      assert.ok(!(error instanceof FailoverException))
      assert.deepEqual(error.errorCodes, ['invalid-input-secret'])
      assert.deepEqual(outcomeOf(error), { kind: 'misconfigured', code: 'invalid-input-secret' })
      assert.equal(isProviderUnavailable(error), false)
      if (name === 'recaptcha') assert.equal(error.statusCode, 500)
      assertNoSecret(error, SECRET)
    })

    it('a status siteverify never answers (a wrong URL) is a configuration error, asked once', async () => {
      const capture = await server(() => ({ status: 404, body: 'Not Found' }))
      const { error } = await rejection(new Class({ secret: SECRET, siteverifyUrl: capture.url }).verify('t'))
      assert.equal(error.constructor, Misconfigured)
      assert.deepEqual(error.errorCodes, ['siteverify-unexpected-status'])
      assert.match(error.cause?.message ?? '', /404/)
      assert.equal(capture.seen.length, 1)
    })

    it('no verdict after the retries rejects the FailoverException with attempts, marked unavailable', async () => {
      for (const [answer, reason] of [
        [{ status: 503, body: 'down' }, 'server_error'],
        [{ status: 429, body: '' }, 'rate_limited'],
        [{ status: 200, body: '<html>' }, 'malformed_response'],
        [{ status: 200, body: { success: 'yes' } }, 'malformed_response']
      ]) {
        const capture = await server(() => answer)
        const { error } = await rejection(new Class({ secret: SECRET, siteverifyUrl: capture.url }).verify('t'))
        assert.equal(error.constructor, Unavailable)
        assert.ok(error instanceof FailoverException)
        assert.equal(error.attempts, 3, 'two retries by default')
        assert.equal(capture.seen.length, 3)
        assert.deepEqual(outcomeOf(error), { kind: 'unavailable', code: reason })
        assert.ok(isProviderUnavailable(error))
        assertNoSecret(error, SECRET)
      }
    })

    it('retries: 0 asks once; a closed port is a network error', async () => {
      const port = await closedPort()
      const { error } = await rejection(new Class({ secret: SECRET, siteverifyUrl: `http://127.0.0.1:${port}/`, retries: 0 }).verify('t'))
      assert.equal(error.constructor, Unavailable)
      assert.equal(error.attempts, 1)
      assert.deepEqual(outcomeOf(error), { kind: 'unavailable', code: 'network_error' })
    })

    it('timeoutMs bounds each attempt: a trickling answer is a timeout', async () => {
      const slow = await trickleServer()
      const { error, ms } = await rejection(new Class({ secret: SECRET, siteverifyUrl: slow.url, timeoutMs: 150, retries: 1 }).verify('t'))
        .finally(() => slow.close())
      assert.equal(error.constructor, Unavailable)
      assert.deepEqual(outcomeOf(error), { kind: 'unavailable', code: 'timeout' })
      assert.ok(ms < 2_000, `took ${ms} ms`)
    })

    it('bad options throw a TypeError naming them and change nothing', async () => {
      const capture = await server(() => ({ body: PASS }))
      for (const [options, message] of [
        [undefined, /options must be an object/],
        [{}, /secret must not be null or empty/],
        [{ secret: '   ' }, /secret must not be null or empty/],
        [{ secret: 7 }, /secret must be a string/],
        [{ secret: 's', siteverifyUrl: 'ftp://x' }, /siteverifyUrl must be an http\(s\) URL/],
        [{ secret: 's', timeoutMs: 0 }, /timeoutMs/],
        [{ secret: 's', retries: 1.5 }, /retries must be an integer/],
        [{ secret: 's', proxy: 'http://p' }, /proxy must be an object/],
        [{ secret: 's', siteVerifyUrl: 'http://x' }, /unknown option siteVerifyUrl; the options are secret, siteverifyUrl/]
      ]) {
        assert.throws(() => new Class(options), message)
      }
      const client = new Class({ secret: SECRET, siteverifyUrl: capture.url })
      for (const [options, message] of [
        ['x', /options must be an object/],
        [{ remoteIp: '1.2.3.4' }, /unknown option options\.remoteIp/],
        [{ remoteip: 5 }, /options\.remoteip must be a string/],
        [{ expectedHostname: [] }, /expectedHostname must be a non-empty/]
      ]) {
        await assert.rejects(client.verify('t', options), (e) => e instanceof TypeError && message.test(e.message))
      }
      assert.equal(capture.seen.length, 0)
    })

    it('the static verify never throws at once: a throwing getter or a Proxy as options rejects', async () => {
      const getter = { get remoteip () { throw new Error('boom') } }
      const proxy = new Proxy({}, { ownKeys () { throw new Error('trap') } })
      for (const options of [getter, proxy]) {
        let promise
        assert.doesNotThrow(() => { promise = Class.verify(SECRET, 't', options) })
        await assert.rejects(promise, /boom|trap/)
      }
    })

    it('the static verify takes the secret, the token and both kinds of options', async () => {
      const capture = await server(() => ({ body: PASS }))
      const verdict = await Class.verify(SECRET, 't', { siteverifyUrl: capture.url, remoteip: '198.51.100.1', expectedHostname: 'EXAMPLE.COM' })
      assert.equal(verdict.success, true)
      assert.equal(form(capture.seen[0].body).remoteip, '198.51.100.1')
      await assert.rejects(Class.verify('', 't'), /secret must not be null or empty/)
      await assert.rejects(Class.verify(SECRET, 't', { secret: 'x' }), TypeError)
    })

    it('expectedHostname holds a passing verdict to the hostname, case-insensitively', async () => {
      const capture = await server(() => ({ body: PASS }))
      const client = new Class({ secret: SECRET, siteverifyUrl: capture.url })
      assert.equal((await client.verify('t', { expectedHostname: ['other.example', 'Example.COM'] })).success, true)
      const verdict = await client.verify('t', { expectedHostname: 'evil.example' })
      assert.equal(verdict.success, false)
      assert.deepEqual(verdict.errorCodes, ['hostname-mismatch'])
      assert.equal(verdict.hostname, 'example.com', "the provider's fields stay")
      assert.deepEqual(outcomeOf(verdict), { kind: 'refused', code: 'hostname-mismatch' })
    })
  })
}

describe('the static shortcut', () => {
  it('builds its client once per configuration, not per call', async () => {
    const nativeBinding = require('../binding.js')
    const Native = nativeBinding.NativeSiteverify
    let built = 0
    nativeBinding.NativeSiteverify = class extends Native { constructor (...args) { super(...args); built++ } }
    try {
      const capture = await server(() => ({ body: PASS }))
      for (let i = 0; i < 5; i++) await captcha.Turnstile.verify(SECRET, 't', { siteverifyUrl: capture.url, remoteip: `203.0.113.${i}` })
      assert.equal(built, 1, 'one client for five calls of one configuration')
      await captcha.Turnstile.verify(SECRET, 't', { siteverifyUrl: capture.url, timeoutMs: 1234 })
      await captcha.Turnstile.verify(`${SECRET}2`, 't', { siteverifyUrl: capture.url })
      assert.equal(built, 3, 'another configuration or secret, another client')
      assert.equal(capture.seen.length, 7)
      // The hcaptcha package's verify: one client per secret for the configured defaults.
      const { verify, configureHcaptcha } = require('../subpath/hcaptcha.js')
      configureHcaptcha({ siteverifyUrl: capture.url })
      const afterConfigure = built
      for (let i = 0; i < 3; i++) await verify(SECRET, 't')
      assert.equal(built, afterConfigure + 1)
      configureHcaptcha()
      assert.equal(capture.seen.length, 10)
    } finally {
      nativeBinding.NativeSiteverify = Native
    }
  })
})
