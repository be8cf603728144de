// requireCaptcha and verifyRequest (lib/middleware.js) against the embedded emulator: what a
// user's server answers for each provider, and plain node:http round trips where the middleware
// reads the body itself. The middleware is driven through its contract (req, res, next) with
// small fakes, through node:http, and through real Express (a devDependency).
import { describe, it, before, after, beforeEach, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import http from 'node:http'
import net from 'node:net'
import { createRequire } from 'node:module'
import { captureServer } from './helpers.mjs'
import { adapterProviders, ADAPTER_PROVIDERS } from './adapter-fixtures.mjs'

const require = createRequire(import.meta.url)
const captcha = require('../index.js')
const { requireCaptcha, verifyRequest, CaptchaConfigurationError, FriendlyCaptchaConfigurationError } = require('captcha-native/middleware')
const { Emulator } = captcha

const express = require('express')
// The SDK itself: its client may be passed as `client` (its results carry no kind of ours).
const originalFriendlyCaptcha = await import('@friendlycaptcha/server-sdk')

let emulator
let credentials
/** The adapters' fixtures (adapter-fixtures.mjs) of this emulator: PROVIDERS builds on them. */
let adapters
before(async () => {
  emulator = await Emulator.start()
  credentials = emulator.credentials
  adapters = adapterProviders(emulator)
})
after(() => emulator.close())
beforeEach(() => {
  emulator.clearFaults()
  emulator.clearRequests()
})

// ---------------------------------------------------------------------------------------------
// Helpers

/** What each provider's verified result holds, of the token its fixture's `pass()` issued. */
const VERIFIED = {
  trustcaptcha (result) {
    assert.ok(result instanceof captcha.VerificationResult)
    assert.equal(result.verificationPassed, true)
    assert.equal(result.countryCode, 'FR')
  },
  swetrix (result) {
    assert.equal(result.pid, 'AP00000000042')
  },
  recaptcha (result) {
    assert.deepEqual(result, { success: true })
  },
  playtcha (result) {
    assert.equal(result.success, true)
    assert.equal(result.failedOpen, false)
    assert.equal(result.hostname, 'shop.example.com')
  },
  turnstile (result) {
    assert.equal(result.success, true)
    assert.equal(result.action, 'login')
    assert.deepEqual(result.errorCodes, [])
  },
  hcaptcha (result) {
    assert.equal(result.success, true)
    assert.equal(result.hostname, 'example.com')
    assert.equal(result.score, 0.1)
  },
  'recaptcha-enterprise' (result) {
    assert.equal(result.passed, true)
    assert.deepEqual(result.errorCodes, [])
    assert.equal(result.tokenProperties.action, 'signup')
    assert.equal(result.riskAnalysis.score, 0.8)
  },
  'friendly-captcha' (result) {
    assert.ok(result instanceof captcha.VerifyResult)
    assert.equal(result.shouldAccept(), true)
    assert.equal(result.getResponse().data.challenge.origin, 'https://shop.example')
  }
}

/**
 * Each provider as every adapter's tests have it (adapter-fixtures.mjs): its options against the
 * emulator, but without their silent `log` (here the middleware logs as it does by default), its
 * widget field, tokens that pass and fail; and what its verified result holds.
 */
const PROVIDERS = Object.fromEntries(ADAPTER_PROVIDERS.map((provider) => {
  const fixture = () => adapters[provider]
  return [provider, {
    // A static fact of the fixtures: known before the emulator starts.
    field: adapterProviders({ credentials: {}, url: '' })[provider].field,
    options: () => {
      const { log, ...options } = fixture().options()
      return options
    },
    secret: () => fixture().secret,
    pass: () => fixture().pass(),
    fail: () => fixture().fail(),
    verified: VERIFIED[provider]
  }]
}))

/** An Express-like request whose body a form parser already read. */
function formRequest (fields, extra = {}) {
  return { body: { ...fields }, headers: { 'content-type': 'application/x-www-form-urlencoded' }, ip: '203.0.113.7', ...extra }
}

/** An Express-like request whose body express.json() already read. */
function jsonRequest (body) {
  return { body, headers: { 'content-type': 'application/json' }, ip: '203.0.113.7' }
}

/** An Express-like response that records what the middleware answered. */
function fakeResponse () {
  return {
    statusCode: undefined,
    body: undefined,
    headers: {},
    status (code) { this.statusCode = code; return this },
    json (body) { this.body = body; return this },
    setHeader (name, value) { this.headers[name.toLowerCase()] = value }
  }
}

/** Runs the middleware once; returns the request, the response and the arguments of each next(). */
async function run (middleware, req) {
  const res = fakeResponse()
  const nextCalls = []
  await middleware(req, res, (...args) => nextCalls.push(args))
  return { req, res, nextCalls }
}

/** The request went on to the handler, with the outcome on it, and nothing was answered. */
function assertPassed ({ req, res, nextCalls }, code = 'verified') {
  assert.deepEqual(nextCalls, [[]], 'next() is called once, without an error')
  assert.equal(res.statusCode, undefined)
  assert.equal(res.body, undefined)
  assert.equal(req.captcha.ok, true)
  assert.equal(req.captcha.status, 200)
  assert.equal(req.captcha.code, code)
  return req.captcha
}

/** The middleware answered `status` with exactly `{ error: code }`, and the handler never ran. */
function assertAnswered ({ req, res, nextCalls }, status, code) {
  assert.deepEqual(nextCalls, [], 'next() is not called')
  assert.equal(res.statusCode, status)
  assert.deepEqual(res.body, { error: code })
  assert.equal(req.captcha, undefined)
}

/**
 * The middleware handed a CaptchaConfigurationError (status 500, not exposed) to next(error) and
 * answered nothing; returns the provider's error, its cause.
 */
function assertNextError ({ req, res, nextCalls }) {
  assert.equal(nextCalls.length, 1)
  assert.equal(nextCalls[0].length, 1)
  const [error] = nextCalls[0]
  assert.ok(error instanceof CaptchaConfigurationError)
  assert.deepEqual([error.status, error.expose], [500, false])
  assert.ok(error.cause instanceof Error)
  assert.equal(res.statusCode, undefined)
  assert.equal(req.captcha, undefined)
  return error.cause
}

/** A log function that records its calls. */
function recorder () {
  const calls = []
  const log = (message, details) => calls.push([message, details])
  return { calls, log }
}

/** Starts a node:http server on loopback. */
async function serve (handler) {
  const server = http.createServer(handler)
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address()
  return {
    port,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve) })
  }
}

/** POSTs `body` (a string, or chunks sent one by one) and resolves { status, headers, body }. */
function post (port, body, headers = {}) {
  return new Promise((resolve, reject) => {
    const request = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/', headers, agent: false }, (response) => {
      const chunks = []
      response.on('data', (chunk) => chunks.push(chunk))
      response.on('end', () => resolve({ status: response.statusCode, headers: response.headers, body: Buffer.concat(chunks).toString() }))
    })
    // The server may answer and close before a refused body is all sent: that is its right.
    request.on('error', (error) => { if (!['EPIPE', 'ECONNRESET'].includes(error.code)) reject(error) })
    for (const chunk of Array.isArray(body) ? body : [body]) request.write(chunk)
    request.end()
  })
}

const form = (fields) => new URLSearchParams(fields).toString()

const FORM = { 'content-type': 'application/x-www-form-urlencoded' }
const JSON_TYPE = { 'content-type': 'application/json' }

// ---------------------------------------------------------------------------------------------
// Every provider through the middleware

for (const [provider, fixture] of Object.entries(PROVIDERS)) {
  describe(`requireCaptcha with ${provider}`, () => {
    it(`passes a verified token from the '${fixture.field}' form field to the handler, with the outcome on req.captcha`, async () => {
      const outcome = assertPassed(await run(requireCaptcha(fixture.options()), formRequest({ [fixture.field]: fixture.pass(), email: 'a@example.com' })))
      assert.equal(outcome.provider, provider)
      assert.equal(outcome.failedOpen, false)
      assert.equal(outcome.error, undefined)
      fixture.verified(outcome.result)
    })

    it('accepts the token as `token` in a JSON body', async () => {
      const outcome = assertPassed(await run(requireCaptcha(fixture.options()), jsonRequest({ token: fixture.pass() })))
      fixture.verified(outcome.result)
    })

    it('answers 400 { error: "verification_failed" } for a token the provider refuses', async () => {
      const result = await run(requireCaptcha(fixture.options()), formRequest({ [fixture.field]: fixture.fail() }))
      assertAnswered(result, 400, 'verification_failed')
      assert.equal(emulator.requests().filter((r) => r.provider === provider).length, 1)
    })

    it('answers 400 { error: "token_missing" } without asking the provider when there is no token', async () => {
      const middleware = requireCaptcha(fixture.options())
      for (const req of [formRequest({ email: 'a@example.com' }), formRequest({ [fixture.field]: '' }), jsonRequest({ token: 42 }), { headers: {} }, jsonRequest(null)]) {
        assertAnswered(await run(middleware, req), 400, 'token_missing')
      }
      assert.deepEqual(emulator.requests(), [], 'the provider was never asked')
    })

    it('answers 503 { error: "provider_unavailable" } during an outage, with no upstream text, and logs it', async () => {
      const token = fixture.pass()
      const upstream = `UPSTREAM-DETAIL ${fixture.secret()} ${token}`
      emulator.fault({ provider, kind: 'status', status: 503, body: JSON.stringify({ message: upstream }) })
      const { calls, log } = recorder()
      const result = await run(requireCaptcha({ ...fixture.options(), log }), formRequest({ [fixture.field]: token }))
      assertAnswered(result, 503, 'provider_unavailable')
      assert.equal(JSON.stringify(result.res.body).includes('UPSTREAM'), false)
      assert.equal(calls.length, 1)
      assert.match(calls[0][0], /unavailable; the request was refused with 503/)
      assert.equal(calls[0][1].provider, provider)
      assert.equal(calls[0][1].onUnavailable, 'reject')
      for (const hidden of [fixture.secret(), token]) assert.equal(JSON.stringify(calls).includes(hidden), false)
    })

    it("lets the request through during an outage with onUnavailable: 'allow', marked failedOpen, and logs it without the token or the secret", async () => {
      const token = fixture.pass()
      emulator.fault({ provider, kind: 'status', status: 503, body: `UPSTREAM-DETAIL ${fixture.secret()} ${token}` })
      const { calls, log } = recorder()
      const outcome = assertPassed(await run(requireCaptcha({ ...fixture.options(), onUnavailable: 'allow', log }), formRequest({ [fixture.field]: token })), 'failed_open')
      assert.equal(outcome.failedOpen, true)
      assert.equal(outcome.provider, provider)
      assert.equal(calls.length, 1)
      assert.match(calls[0][0], new RegExp(`${provider} is unavailable; the request was let through`))
      assert.deepEqual(Object.keys(calls[0][1]), ['provider', 'onUnavailable', 'reason'])
      assert.equal(calls[0][1].onUnavailable, 'allow')
      for (const hidden of [fixture.secret(), token]) {
        assert.equal(JSON.stringify(calls).includes(hidden), false, `the log holds ${hidden}`)
        assert.equal(String(outcome.error?.message).includes(hidden), false, `outcome.error holds ${hidden}`)
      }
    })

    it('answers 503 within its timeout when the provider hangs', async () => {
      emulator.fault({ provider, kind: 'hang' })
      const short = { trustcaptcha: { readTimeoutMs: 300 }, 'friendly-captcha': { timeout: 300 } }[provider] ?? { timeoutMs: 300 }
      const started = performance.now()
      assertAnswered(await run(requireCaptcha({ ...fixture.options(), ...short }), formRequest({ [fixture.field]: fixture.pass() })), 503, 'provider_unavailable')
      assert.ok(performance.now() - started < 3000)
    })
  })
}

// ---------------------------------------------------------------------------------------------
// Provider specifics

describe('TrustCaptcha specifics', () => {
  const options = () => PROVIDERS.trustcaptcha.options()
  const field = 'tc-verification-token'

  it("refuses a browser's claim of an outage the gateway never saw, even with onUnavailable: 'allow'", async () => {
    const { calls, log } = recorder()
    const token = emulator.issue('trustcaptcha', { clientFailover: true })
    assertAnswered(await run(requireCaptcha({ ...options(), onUnavailable: 'allow', log }), formRequest({ [field]: token })), 400, 'verification_failed')
    assert.deepEqual(calls, [])
  })

  it('passes a failover the gateway confirmed: TrustCaptcha itself decided', async () => {
    const token = emulator.issue('trustcaptcha', { clientFailover: true, outageRecorded: true })
    const outcome = assertPassed(await run(requireCaptcha(options()), formRequest({ [field]: token })))
    assert.equal(outcome.result.decisionType, 'FAILOVER')
  })

  it('maxScore refuses a bot score above it; minScore is refused at once', async () => {
    const middleware = requireCaptcha({ ...options(), maxScore: 0.5 })
    assertPassed(await run(middleware, formRequest({ [field]: emulator.issue('trustcaptcha', { score: 0.5 }) })))
    const refused = await run(middleware, formRequest({ [field]: emulator.issue('trustcaptcha', { score: 0.9 }) }))
    assertAnswered(refused, 400, 'verification_failed')
    assert.throws(() => requireCaptcha({ ...options(), minScore: 0.5 }), (e) => e instanceof TypeError && /use maxScore/.test(e.message))
  })

  it('hands a refused API key to next(error): a misconfiguration, not a bad token', async () => {
    const error = assertNextError(await run(requireCaptcha({ ...options(), apiKey: Emulator.identities.trustcaptcha.invalidApiKey.apiKey }), formRequest({ [field]: emulator.issue('trustcaptcha') })))
    assert.ok(error instanceof captcha.ApiKeyInvalidException)
  })

  it('uses a configured client instead of building one', async () => {
    const client = new captcha.TrustCaptcha({ apiKey: credentials.trustcaptchaApiKey, apiHost: emulator.url })
    assertPassed(await run(requireCaptcha({ provider: 'trustcaptcha', client }), formRequest({ [field]: emulator.issue('trustcaptcha') })))
    assert.throws(() => requireCaptcha({ provider: 'trustcaptcha', client, apiKey: 'k' }), /give either client or apiKey/)
  })
})

describe('Swetrix specifics', () => {
  const options = () => PROVIDERS.swetrix.options()

  it('refuses a token used twice', async () => {
    const token = emulator.issue('swetrix')
    const middleware = requireCaptcha(options())
    assertPassed(await run(middleware, formRequest({ 'swetrix-captcha-response': token })))
    assertAnswered(await run(middleware, formRequest({ 'swetrix-captcha-response': token })), 400, 'verification_failed')
  })

  it('hands an unusable apiURL to next(error)', async () => {
    const error = assertNextError(await run(requireCaptcha({ ...options(), apiURL: 'not a url' }), formRequest({ 'swetrix-captcha-response': 'token' })))
    assert.ok(error instanceof TypeError)
  })

  it("an upstream echo of the secret never reaches outcome.error or the log", async () => {
    const token = emulator.issue('swetrix')
    emulator.fault({ provider: 'swetrix', kind: 'status', status: 502, body: `bad gateway: ${credentials.swetrixSecret} / ${token}` })
    const { calls, log } = recorder()
    const outcome = await verifyRequest(formRequest({ 'swetrix-captcha-response': token }), { ...options(), log })
    assert.equal(outcome.code, 'provider_unavailable')
    assert.equal(outcome.error.message, 'Request failed with status code 502: bad gateway: [redacted] / [redacted]')
    assert.equal(calls[0][1].reason, outcome.error.message)
  })
})

describe('reCAPTCHA specifics', () => {
  const options = () => PROVIDERS.recaptcha.options()
  let saved
  beforeEach(() => {
    saved = process.env.RECAPTCHA_SECRET_KEY
    delete process.env.RECAPTCHA_SECRET_KEY
    captcha.configureRecaptcha()
  })
  afterEach(() => {
    if (saved !== undefined) process.env.RECAPTCHA_SECRET_KEY = saved
  })

  it("sends the request's ip as remoteip, unless remoteIp is given or null", async () => {
    const siteverify = await captureServer(() => ({ body: { success: true, hostname: 'localhost' } }))
    try {
      const base = { provider: 'recaptcha', secretKey: 's', siteverifyUrl: siteverify.url, retries: 0 }
      assertPassed(await run(requireCaptcha(base), formRequest({ 'g-recaptcha-response': 't' })))
      assertPassed(await run(requireCaptcha({ ...base, remoteIp: '198.51.100.1' }), formRequest({ 'g-recaptcha-response': 't' })))
      assertPassed(await run(requireCaptcha({ ...base, remoteIp: null }), formRequest({ 'g-recaptcha-response': 't' })))
      const sent = siteverify.seen.map((r) => new URLSearchParams(r.body).get('remoteip'))
      assert.deepEqual(sent, ['203.0.113.7', '198.51.100.1', null])
    } finally {
      await siteverify.close()
    }
  })

  it("passes authorize's checks through: a score under minScore is a failed verification", async () => {
    const token = emulator.issue('recaptcha', { score: 0.3, action: 'signup' })
    assertAnswered(await run(requireCaptcha({ ...options(), minScore: 0.5 }), formRequest({ 'g-recaptcha-response': token })), 400, 'verification_failed')
  })

  it('takes the secret from configureRecaptcha when none is given', async () => {
    captcha.configureRecaptcha({ secretKey: credentials.recaptchaSecret })
    try {
      const { secretKey, ...rest } = options()
      assertPassed(await run(requireCaptcha(rest), formRequest({ 'g-recaptcha-response': emulator.issue('recaptcha') })))
    } finally {
      captcha.configureRecaptcha()
    }
  })

  it('with no secret anywhere: next(error) in the middleware, a rejection from verifyRequest, no request', async () => {
    const { secretKey, ...rest } = options()
    const error = assertNextError(await run(requireCaptcha(rest), formRequest({ 'g-recaptcha-response': emulator.issue('recaptcha') })))
    assert.ok(error instanceof captcha.RecaptchaError)
    assert.equal(error.statusCode, 500)
    await assert.rejects(verifyRequest(formRequest({ 'g-recaptcha-response': 't' }), rest), (e) => e.statusCode === 500)
    assert.deepEqual(emulator.requests(), [])
  })
})

describe('Turnstile and hCaptcha specifics', () => {
  it("sends the request's ip as remoteip, unless remoteip is given or null", async () => {
    const sent = () => emulator.requests().length
    const capture = await captureServer(() => ({ body: { success: false, 'error-codes': ['invalid-input-response'] } }))
    try {
      const options = { provider: 'turnstile', secret: 's', siteverifyUrl: `${capture.url}/siteverify`, retries: 0 }
      await verifyRequest({ ...formRequest({ 'cf-turnstile-response': 't' }), ip: '203.0.113.5' }, options)
      await verifyRequest({ ...formRequest({ 'cf-turnstile-response': 't' }), ip: '203.0.113.5' }, { ...options, remoteip: null })
      await verifyRequest({ ...formRequest({ 'cf-turnstile-response': 't' }), ip: '203.0.113.5' }, { ...options, remoteip: '198.51.100.7' })
      assert.deepEqual(capture.seen.map((r) => new URLSearchParams(r.body).get('remoteip')), ['203.0.113.5', null, '198.51.100.7'])
      const keys = capture.seen.map((r) => new URLSearchParams(r.body).get('idempotency_key'))
      assert.ok(keys.every((key) => /^[0-9a-f-]{36}$/.test(key)), keys.join())
      assert.equal(new Set(keys).size, keys.length, 'each request its own idempotency key')
      assert.equal(sent(), 0)
    } finally {
      await capture.close()
    }
  })

  it("Turnstile's expectedAction: another action is a failed verification, the verdict on the outcome", async () => {
    const options = { ...PROVIDERS.turnstile.options(), expectedAction: 'signup' }
    const outcome = await verifyRequest(formRequest({ 'cf-turnstile-response': PROVIDERS.turnstile.pass() }), options)
    assert.equal(outcome.code, 'verification_failed')
    assert.deepEqual(outcome.result.errorCodes, ['action-mismatch'])
  })

  it("hCaptcha's sitekey and maxScore: a risk over maxScore fails, and so does a token solved for another sitekey (400, not a 500)", async () => {
    const options = { ...PROVIDERS.hcaptcha.options(), maxScore: 0.05 }
    const outcome = await verifyRequest(formRequest({ 'h-captcha-response': PROVIDERS.hcaptcha.pass() }), options)
    assert.equal(outcome.code, 'verification_failed')
    assert.deepEqual(outcome.result.errorCodes, ['score-threshold-exceeded'])
    const mismatch = { ...PROVIDERS.hcaptcha.options(), sitekey: 'not-the-sitekey' }
    assertAnswered(await run(requireCaptcha(mismatch), formRequest({ 'h-captcha-response': PROVIDERS.hcaptcha.pass() })), 400, 'verification_failed')
    const refused = await verifyRequest(formRequest({ 'h-captcha-response': PROVIDERS.hcaptcha.pass() }), mismatch)
    assert.deepEqual(refused.result.errorCodes, ['sitekey-secret-mismatch'])
  })

  it('a refused secret goes to next(error): a misconfiguration, not a bad token', async () => {
    for (const provider of ['turnstile', 'hcaptcha']) {
      const options = { ...PROVIDERS[provider].options(), secret: 'not-the-secret' }
      assertNextError(await run(requireCaptcha(options), formRequest({ [PROVIDERS[provider].field]: PROVIDERS[provider].pass() })))
    }
  })

  it('uses a configured client instead of building one', async () => {
    const client = new captcha.Turnstile({ secret: credentials.turnstileSecret, siteverifyUrl: `${emulator.url}/turnstile/v0/siteverify` })
    assertPassed(await run(requireCaptcha({ provider: 'turnstile', client }), formRequest({ 'cf-turnstile-response': PROVIDERS.turnstile.pass() })))
    assert.throws(() => requireCaptcha({ provider: 'turnstile', client, secret: 's' }), /give either client or secret/)
    assert.throws(() => requireCaptcha({ provider: 'hcaptcha', client: {} }), /client must be a HCaptcha instance/)
  })
})

describe('reCAPTCHA Enterprise specifics', () => {
  const field = 'g-recaptcha-response'
  const options = () => PROVIDERS['recaptcha-enterprise'].options()
  const pass = () => PROVIDERS['recaptcha-enterprise'].pass()

  it("sends the request's address and User-Agent as userIpAddress and userAgent, unless given or null", async () => {
    const capture = await captureServer(() => ({
      body: { name: 'projects/p/assessments/0123456789abcdef', tokenProperties: { valid: false, invalidReason: 'MALFORMED' }, riskAnalysis: {} }
    }))
    try {
      const base = { ...options(), endpoint: capture.url }
      const req = () => ({ ...formRequest({ [field]: 't' }), ip: '203.0.113.5', headers: { ...FORM, 'user-agent': 'Browser/1.0' } })
      await verifyRequest(req(), base)
      await verifyRequest(req(), { ...base, userIpAddress: null, userAgent: null })
      await verifyRequest(req(), { ...base, userIpAddress: '198.51.100.7', userAgent: 'Given/2.0' })
      assert.deepEqual(capture.seen.map((r) => {
        const { userIpAddress, userAgent } = JSON.parse(r.body).event
        return [userIpAddress, userAgent]
      }), [['203.0.113.5', 'Browser/1.0'], [undefined, undefined], ['198.51.100.7', 'Given/2.0']])
      assert.throws(() => requireCaptcha({ ...base, userAgent: 42 }), /userAgent must be a string, or null to send none/)
    } finally {
      await capture.close()
    }
  })

  it("a visitor's own headers never make a misconfiguration: a long User-Agent is cut, an address that is no IP left out", async () => {
    const capture = await captureServer(() => ({
      body: { name: 'projects/p/assessments/0123456789abcdef', tokenProperties: { valid: false, invalidReason: 'MALFORMED' }, riskAnalysis: {} }
    }))
    try {
      const base = { ...options(), endpoint: capture.url }
      const req = { ...formRequest({ [field]: 't' }), ip: 'not-an-ip, 203.0.113.5', headers: { ...FORM, 'user-agent': 'U'.repeat(9000) } }
      const outcome = await verifyRequest(req, base)
      assert.equal(outcome.code, 'verification_failed')
      const { event } = JSON.parse(capture.seen[0].body)
      assert.equal(event.userIpAddress, undefined)
      assert.equal(event.userAgent, 'U'.repeat(1024))
    } finally {
      await capture.close()
    }
  })

  it('expectedAction and minScore: another action or a lower score is a failed verification, the verdict on the outcome', async () => {
    const wrongAction = await verifyRequest(formRequest({ [field]: pass() }), { ...options(), expectedAction: 'login' })
    assert.equal(wrongAction.code, 'verification_failed')
    assert.deepEqual(wrongAction.result.errorCodes, ['action-mismatch'])
    const lowScore = await verifyRequest(formRequest({ [field]: pass() }), { ...options(), minScore: 0.9 })
    assert.equal(lowScore.code, 'verification_failed')
    assert.deepEqual(lowScore.result.errorCodes, ['score-threshold-not-met'])
    assert.equal((await verifyRequest(formRequest({ [field]: pass() }), { ...options(), expectedAction: 'signup', minScore: 0.5 })).code, 'verified')
  })

  it('a replayed token is refused; a refused API key or another project goes to next(error)', async () => {
    const token = pass()
    assertPassed(await run(requireCaptcha(options()), formRequest({ [field]: token })))
    const replay = await verifyRequest(formRequest({ [field]: token }), options())
    assert.equal(replay.code, 'verification_failed')
    assert.deepEqual(replay.result.errorCodes, ['duplicate-token'])
    for (const wrong of [{ apiKey: 'AIzaNotTheKey000' }, { projectId: 'another-project' }]) {
      const cause = assertNextError(await run(requireCaptcha({ ...options(), ...wrong }), formRequest({ [field]: pass() })))
      assert.ok(cause instanceof captcha.RecaptchaEnterpriseConfigurationError, cause.name)
      assert.equal(JSON.stringify([cause.message, cause.stack]).includes('AIzaNotTheKey000'), false)
    }
  })

  it('uses a configured client instead of building one', async () => {
    const { provider, ...config } = options()
    const client = new captcha.RecaptchaEnterprise(config)
    assertPassed(await run(requireCaptcha({ provider, client }), formRequest({ [field]: pass() })))
    assert.throws(() => requireCaptcha({ provider, client, apiKey: 'k' }), /give either client or apiKey/)
    assert.throws(() => requireCaptcha({ provider, client: {} }), /client must be a RecaptchaEnterprise instance/)
  })
})

describe('Friendly Captcha specifics', () => {
  const options = () => PROVIDERS['friendly-captcha'].options()
  const pass = () => PROVIDERS['friendly-captcha'].pass()

  it('reads the older widget field frc-captcha-solution when frc-captcha-response is absent; `field` replaces both', async () => {
    assertPassed(await run(requireCaptcha(options()), formRequest({ 'frc-captcha-solution': pass() })))
    const both = await verifyRequest(formRequest({ 'frc-captcha-response': pass(), 'frc-captcha-solution': 'stale' }), options())
    assert.equal(both.code, 'verified', 'the current field wins')
    const custom = { ...options(), field: 'captcha' }
    assertAnswered(await run(requireCaptcha(custom), formRequest({ 'frc-captcha-solution': pass() })), 400, 'token_missing')
    assertPassed(await run(requireCaptcha(custom), formRequest({ captcha: pass() })))
  })

  it('a replayed response is refused (400), with the API\'s answer on the outcome', async () => {
    const response = pass()
    assertPassed(await run(requireCaptcha(options()), formRequest({ 'frc-captcha-response': response })))
    const replay = await verifyRequest(formRequest({ 'frc-captcha-response': response }), options())
    assert.equal(replay.code, 'verification_failed')
    assert.equal(replay.result.getResponseError().error_code, 'response_duplicate')
  })

  it('a refused API key or sitekey goes to next(error), naming the code and never the key', async () => {
    for (const [wrong, code] of [[{ apiKey: 'frc-not-the-key-0001' }, 'auth_invalid'], [{ sitekey: 'FCMNOTTHESITEKEY' }, 'sitekey_invalid']]) {
      const cause = assertNextError(await run(requireCaptcha({ ...options(), ...wrong }), formRequest({ 'frc-captcha-response': pass() })))
      assert.equal(cause.name, 'FriendlyCaptchaConfigurationError')
      assert.equal(cause.code, code)
      assert.equal(JSON.stringify([cause.message, cause.stack, cause]).includes('frc-not-the-key-0001'), false)
    }
  })

  it("strict is refused: onUnavailable decides an outage's fate for every provider; a timeout must be a positive number", () => {
    assert.throws(() => requireCaptcha({ ...options(), strict: true }), /give onUnavailable \('reject' or 'allow'\) instead of strict/)
    for (const timeout of [0, -1, NaN, Infinity]) {
      assert.throws(() => requireCaptcha({ ...options(), timeout }), TypeError, String(timeout))
    }
  })

  it("takes a configured client: ours, or the SDK's own, whose results are read by their methods", async () => {
    const { provider, timeout, ...config } = options()
    for (const client of [new captcha.FriendlyCaptchaClient(config), new originalFriendlyCaptcha.FriendlyCaptchaClient(config)]) {
      assertPassed(await run(requireCaptcha({ provider, client }), formRequest({ 'frc-captcha-response': pass() })))
      const response = pass()
      await verifyRequest(formRequest({ 'frc-captcha-response': response }), { provider, client })
      assertAnswered(await run(requireCaptcha({ provider, client }), formRequest({ 'frc-captcha-response': response })), 400, 'verification_failed')
      emulator.fault({ provider, kind: 'status', status: 503, times: 1 })
      assertAnswered(await run(requireCaptcha({ provider, client, log: () => {} }), formRequest({ 'frc-captcha-response': pass() })), 503, 'provider_unavailable')
    }
    const wrongKey = new originalFriendlyCaptcha.FriendlyCaptchaClient({ ...config, apiKey: 'frc-not-the-key-0002' })
    const cause = assertNextError(await run(requireCaptcha({ provider, client: wrongKey }), formRequest({ 'frc-captcha-response': pass() })))
    assert.ok(cause instanceof FriendlyCaptchaConfigurationError)
    assert.equal(captcha.isProviderUnavailable(cause), false)
    // The SDK counts a 429 a client error too: here it is an outage, under onUnavailable.
    const sdkClient = new originalFriendlyCaptcha.FriendlyCaptchaClient(config)
    emulator.fault({ provider, kind: 'status', status: 429, body: '{"success":false,"error":{"error_code":"rate_limited"}}', times: 1 })
    assertAnswered(await run(requireCaptcha({ provider, client: sdkClient, log: () => {} }), formRequest({ 'frc-captcha-response': pass() })), 503, 'provider_unavailable')
    assert.throws(() => requireCaptcha({ provider, client: new captcha.FriendlyCaptchaClient(config), apiKey: 'k' }), /give either client or apiKey/)
  })
})

describe('Playtcha specifics', () => {
  const options = () => PROVIDERS.playtcha.options()

  it('its fail-open result is an outage under the same policy, kept as outcome.result', async () => {
    emulator.fault({ provider: 'playtcha', kind: 'status', status: 500 })
    const rejected = await verifyRequest(formRequest({ 'playtcha-token': emulator.issue('playtcha') }), { ...options(), log () {} })
    assert.equal(rejected.code, 'provider_unavailable')
    assert.equal(rejected.status, 503)
    assert.deepEqual(rejected.result, { success: true, failedOpen: true, unavailableReason: 'server_error', status: 500 })
    const allowed = await verifyRequest(formRequest({ 'playtcha-token': emulator.issue('playtcha') }), { ...options(), onUnavailable: 'allow', log () {} })
    assert.equal(allowed.code, 'failed_open')
    assert.equal(allowed.result.unavailableReason, 'server_error')
  })

  it('a failClosed client: its PlaytchaUnavailableError follows the same policy', async () => {
    const client = new captcha.Playtcha({ secret: credentials.playtchaSecret, apiHost: emulator.url, failClosed: true })
    emulator.fault({ provider: 'playtcha', kind: 'status', status: 503 })
    const { calls, log } = recorder()
    const outcome = assertPassed(await run(requireCaptcha({ provider: 'playtcha', client, onUnavailable: 'allow', log }), formRequest({ 'playtcha-token': emulator.issue('playtcha') })), 'failed_open')
    assert.ok(outcome.error instanceof captcha.PlaytchaUnavailableError)
    assert.match(calls[0][1].reason, /^PlaytchaUnavailableError/)
    assertAnswered(await run(requireCaptcha({ provider: 'playtcha', client, log }), formRequest({ 'playtcha-token': emulator.issue('playtcha') })), 503, 'provider_unavailable')
  })

  it('a redeemed token is refused; a wrong secret goes to next(error)', async () => {
    const token = emulator.issue('playtcha')
    const middleware = requireCaptcha(options())
    assertPassed(await run(middleware, formRequest({ 'playtcha-token': token })))
    assertAnswered(await run(middleware, formRequest({ 'playtcha-token': token })), 400, 'verification_failed')
    const error = assertNextError(await run(requireCaptcha({ ...options(), secret: 'wrong-secret' }), formRequest({ 'playtcha-token': emulator.issue('playtcha') })))
    assert.equal(error.code, 'bad_secret')
  })
})

// ---------------------------------------------------------------------------------------------
// Options

describe('options', () => {
  it('wrong options throw from requireCaptcha at once, and reject verifyRequest', async () => {
    const trust = PROVIDERS.trustcaptcha.options()
    const cases = [
      [undefined, TypeError, /options must be an object/],
      [{ provider: 'altcha' }, TypeError, /provider must be one of 'trustcaptcha', 'swetrix', 'recaptcha', 'playtcha', 'turnstile', 'hcaptcha', 'recaptcha-enterprise', 'friendly-captcha'/],
      [{ provider: 'turnstile' }, Error, /secret must not be null or empty/],
      [{ provider: 'turnstile', secret: 's', remoteip: 5 }, TypeError, /remoteip must be a string, or null to send none/],
      [{ provider: 'turnstile', secret: 's', idempotencyKey: 'x' }, TypeError, /unknown option for provider 'turnstile': idempotencyKey/],
      [{ provider: 'hcaptcha', secret: 's', minScore: 0.5 }, TypeError, /unknown option for provider 'hcaptcha': minScore/],
      [{ provider: 'hcaptcha', secret: 's', sitekey: 5 }, TypeError, /options\.sitekey must be a string/],
      [{ provider: 'turnstile', secret: 's', expectedHostname: [] }, TypeError, /expectedHostname must be a non-empty/],
      [{ provider: 'swetrix' }, Error, /secret must not be null or empty/],
      [{ provider: 'swetrix', secret: 42 }, TypeError, /secret must be a string/],
      [{ provider: 'swetrix', secretKey: 's' }, TypeError, /unknown option for provider 'swetrix': secretKey/],
      [{ provider: 'playtcha', secret: '  ' }, Error, /secret must not be null or empty/],
      [{ provider: 'trustcaptcha' }, Error, /apiKey must not be null or empty/],
      [{ ...trust, onUnavailable: 'maybe' }, TypeError, /onUnavailable must be 'reject' or 'allow'/],
      [{ ...trust, log: 'console' }, TypeError, /log must be a function/],
      [{ ...trust, field: '' }, TypeError, /field must be a non-empty string/],
      [{ ...trust, client: {} }, TypeError, /client must be a TrustCaptcha instance/]
    ]
    for (const [options, Class, message] of cases) {
      assert.throws(() => requireCaptcha(options), (e) => e instanceof Class && message.test(e.message), `requireCaptcha(${JSON.stringify(options)})`)
      await assert.rejects(verifyRequest(formRequest({}), options), (e) => e instanceof Class && message.test(e.message))
    }
    assert.throws(() => requireCaptcha({ ...trust, requestProperty: 42 }), /requestProperty must be a string or a symbol/)
  })

  it('field replaces the widget field', async () => {
    const middleware = requireCaptcha({ ...PROVIDERS.playtcha.options(), field: 'captcha' })
    assertPassed(await run(middleware, formRequest({ captcha: emulator.issue('playtcha') })))
    assertAnswered(await run(middleware, formRequest({ 'playtcha-token': emulator.issue('playtcha') })), 400, 'token_missing')
  })

  it("a form's `token` field is not taken for the CAPTCHA token (it is often a CSRF token)", async () => {
    const outcome = await verifyRequest(formRequest({ token: 'csrf-4f1c' }), PROVIDERS.swetrix.options())
    assert.equal(outcome.code, 'token_missing')
    assert.deepEqual(emulator.requests(), [])
  })

  it('requestProperty names where the outcome goes', async () => {
    const key = Symbol('captcha')
    const req = formRequest({ 'tc-verification-token': emulator.issue('trustcaptcha') })
    await run(requireCaptcha({ ...PROVIDERS.trustcaptcha.options(), requestProperty: key }), req)
    assert.equal(req[key].code, 'verified')
    assert.equal(req.captcha, undefined)
  })

  it('logs with console.warn by default, and a logger that throws does not decide the request', async (t) => {
    const warn = t.mock.method(console, 'warn', () => {})
    emulator.fault({ provider: 'trustcaptcha', kind: 'status', status: 503 })
    assertAnswered(await run(requireCaptcha(PROVIDERS.trustcaptcha.options()), formRequest({ 'tc-verification-token': emulator.issue('trustcaptcha') })), 503, 'provider_unavailable')
    assert.equal(warn.mock.callCount(), 1)
    assert.match(warn.mock.calls[0].arguments[0], /trustcaptcha is unavailable/)
    const log = () => { throw new Error('the logger broke') }
    assertPassed(await run(requireCaptcha({ ...PROVIDERS.trustcaptcha.options(), onUnavailable: 'allow', log }), formRequest({ 'tc-verification-token': emulator.issue('trustcaptcha') })), 'failed_open')
  })
})

describe('one client per requireCaptcha, or per options object', () => {
  for (const [provider, Class] of [['trustcaptcha', 'TrustCaptcha'], ['playtcha', 'Playtcha']]) {
    it(`${provider}: the ${Class} client is built once, whatever the number of requests`, async (t) => {
      const Original = captcha[Class]
      let built = 0
      captcha[Class] = class extends Original {
        constructor (options) {
          super(options)
          built++
        }
      }
      t.after(() => { captcha[Class] = Original })
      const fixture = PROVIDERS[provider]
      const middleware = requireCaptcha(fixture.options())
      assert.equal(built, 1)
      const before = emulator.stats().connectionsAccepted
      for (let i = 0; i < 5; i++) assertPassed(await run(middleware, formRequest({ [fixture.field]: fixture.pass() })))
      assert.equal(built, 1)
      assert.ok(emulator.stats().connectionsAccepted - before <= 1, 'the five checks share a pooled connection')

      const options = fixture.options()
      for (let i = 0; i < 3; i++) assert.equal((await verifyRequest(formRequest({ [fixture.field]: fixture.pass() }), options)).code, 'verified')
      assert.equal(built, 2, 'verifyRequest builds once for one options object')
    })
  }
})

// ---------------------------------------------------------------------------------------------
// Plain node:http: the body is read here

describe('plain node:http', () => {
  let server
  afterEach(() => server?.close())

  /** A server answering the outcome of verifyRequest as JSON: { code, status, ok }. */
  async function verifyingServer (options) {
    server = await serve((req, res) => {
      verifyRequest(req, options).then(
        (outcome) => res.writeHead(outcome.status, JSON_TYPE).end(JSON.stringify({ code: outcome.code, ok: outcome.ok, provider: outcome.provider })),
        (error) => res.writeHead(500).end(error.message))
    })
    return server.port
  }

  it('verifyRequest reads an unparsed urlencoded body', async () => {
    const port = await verifyingServer(PROVIDERS.trustcaptcha.options())
    const answer = await post(port, form({ email: 'a@example.com', 'tc-verification-token': emulator.issue('trustcaptcha') }), FORM)
    assert.equal(answer.status, 200)
    assert.deepEqual(JSON.parse(answer.body), { code: 'verified', ok: true, provider: 'trustcaptcha' })
  })

  it('verifyRequest reads an unparsed JSON body: the widget field or `token`', async () => {
    const port = await verifyingServer(PROVIDERS.swetrix.options())
    for (const body of [{ token: emulator.issue('swetrix') }, { 'swetrix-captcha-response': emulator.issue('swetrix') }]) {
      const answer = await post(port, JSON.stringify(body), { 'content-type': 'application/json; charset=utf-8' })
      assert.deepEqual(JSON.parse(answer.body), { code: 'verified', ok: true, provider: 'swetrix' })
    }
    const broken = await post(port, '{"token": ', JSON_TYPE)
    assert.deepEqual([broken.status, JSON.parse(broken.body).code], [400, 'token_missing'])
    assert.equal(emulator.requests().length, 2)
  })

  it('a body of exactly 64 KiB is read; one byte more answers 400 body_too_large, without asking the provider', async () => {
    const port = await verifyingServer(PROVIDERS.trustcaptcha.options())
    const token = emulator.issue('trustcaptcha')
    const head = form({ 'tc-verification-token': token }) + '&pad='
    const exact = head + 'x'.repeat(64 * 1024 - head.length)
    assert.equal(Buffer.byteLength(exact), 65536)
    assert.equal(JSON.parse((await post(port, exact, FORM)).body).code, 'verified')
    emulator.clearRequests()
    const over = await post(port, exact + 'x', FORM)
    assert.deepEqual([over.status, JSON.parse(over.body).code], [400, 'body_too_large'])
    const chunked = await post(port, [head, 'x'.repeat(40 * 1024), 'x'.repeat(40 * 1024)], FORM)
    assert.deepEqual([chunked.status, JSON.parse(chunked.body).code], [400, 'body_too_large'])
    assert.deepEqual(emulator.requests(), [])
  })

  it('requireCaptcha answers on a plain ServerResponse: statusCode, content-type, JSON', async () => {
    const middleware = requireCaptcha(PROVIDERS.recaptcha.options())
    server = await serve((req, res) => middleware(req, res, (error) => {
      if (error) res.writeHead(500).end()
      else res.writeHead(201, JSON_TYPE).end(JSON.stringify({ created: true, captcha: req.captcha.code }))
    }))
    const passed = await post(server.port, form({ 'g-recaptcha-response': emulator.issue('recaptcha') }), FORM)
    assert.deepEqual([passed.status, JSON.parse(passed.body)], [201, { created: true, captcha: 'verified' }])
    const failed = await post(server.port, form({ 'g-recaptcha-response': emulator.issue('recaptcha', { success: false }) }), FORM)
    assert.equal(failed.status, 400)
    assert.equal(failed.headers['content-type'], 'application/json')
    assert.equal(failed.body, '{"error":"verification_failed"}')
    const tooLarge = await post(server.port, 'x'.repeat(70 * 1024), FORM)
    assert.deepEqual([tooLarge.status, tooLarge.body, tooLarge.headers.connection], [400, '{"error":"body_too_large"}', 'close'])
  })

  it('a body that never arrives is answered 400 token_missing within the provider timeout', async () => {
    const middleware = requireCaptcha({ ...PROVIDERS.trustcaptcha.options(), readTimeoutMs: 300 })
    server = await serve((req, res) => middleware(req, res, () => res.end('passed')))
    const socket = net.connect(server.port, '127.0.0.1')
    const started = performance.now()
    const answer = await new Promise((resolve, reject) => {
      let text = ''
      socket.on('data', (chunk) => { text += chunk })
      socket.on('end', () => resolve(text))
      socket.on('error', reject)
      socket.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\ntc-verification-token=abc')
    })
    const elapsed = performance.now() - started
    assert.match(answer, /^HTTP\/1\.1 400 /)
    assert.match(answer, /\r\n\r\n\{"error":"token_missing"\}$/)
    assert.ok(elapsed >= 250 && elapsed < 3000, `answered after ${elapsed} ms`)
    assert.deepEqual(emulator.requests(), [])
  })
})

describe('other request shapes', () => {
  it("a Koa ctx.request or a plain { body, headers, ip }", async () => {
    const outcome = await verifyRequest({ body: { token: emulator.issue('playtcha') }, headers: {}, ip: '::1' }, PROVIDERS.playtcha.options())
    assert.equal(outcome.code, 'verified')
  })

  it('a raw string or Buffer body (express.text, express.raw) is parsed by its content-type', async () => {
    const options = PROVIDERS.trustcaptcha.options()
    const text = await verifyRequest({ body: form({ 'tc-verification-token': emulator.issue('trustcaptcha') }), headers: FORM }, options)
    assert.equal(text.code, 'verified')
    const raw = await verifyRequest({ body: Buffer.from(JSON.stringify({ token: emulator.issue('trustcaptcha') })), headers: JSON_TYPE }, options)
    assert.equal(raw.code, 'verified')
  })

  it('the outcome has the documented shape', async () => {
    const options = PROVIDERS.recaptcha.options()
    assert.deepEqual(await verifyRequest(formRequest({ 'g-recaptcha-response': emulator.issue('recaptcha') }), options),
      { ok: true, status: 200, code: 'verified', provider: 'recaptcha', failedOpen: false, result: { success: true } })
    assert.deepEqual(await verifyRequest(formRequest({}), options),
      { ok: false, status: 400, code: 'token_missing', provider: 'recaptcha', failedOpen: false })
  })
})

// ---------------------------------------------------------------------------------------------
// Real Express, when it is installed

describe('with Express', () => {
  let server
  afterEach(() => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve) }))

  it("express.urlencoded(), requireCaptcha, the handler; and no parser at all; and next(error) to Express's handler", async () => {
    const app = express()
    const options = PROVIDERS.trustcaptcha.options()
    app.post('/signup', express.urlencoded({ extended: false }), requireCaptcha(options), (req, res) => {
      res.status(201).json({ created: true, captcha: req.captcha.code })
    })
    app.post('/raw', requireCaptcha(options), (req, res) => res.json({ captcha: req.captcha.code }))
    app.post('/broken', requireCaptcha({ ...options, apiKey: Emulator.identities.trustcaptcha.invalidApiKey.apiKey }), (req, res) => res.json({}))
    app.use('/default', requireCaptcha({ ...options, apiKey: Emulator.identities.trustcaptcha.invalidApiKey.apiKey }))
    app.post('/default', (req, res) => res.json({}))
    app.use('/handled', requireCaptcha({ ...options, apiKey: Emulator.identities.trustcaptcha.invalidApiKey.apiKey }), (req, res) => res.json({}))
    app.use('/handled', (error, req, res, next) => res.status(error.status).json({ handled: error.name, cause: error.cause.name, expose: error.expose }))
    server = await new Promise((resolve) => { const s = app.listen(0, '127.0.0.1', () => resolve(s)) })
    const { port } = server.address()
    const send = (path, body, headers) => fetch(`http://127.0.0.1:${port}${path}`, { method: 'POST', body, headers }).then(async (r) => [r.status, await r.json()])

    assert.deepEqual(await send('/signup', form({ 'tc-verification-token': emulator.issue('trustcaptcha') }), FORM), [201, { created: true, captcha: 'verified' }])
    assert.deepEqual(await send('/signup', form({ 'tc-verification-token': emulator.issue('trustcaptcha', { verificationPassed: false }) }), FORM), [400, { error: 'verification_failed' }])
    assert.deepEqual(await send('/signup', form({}), FORM), [400, { error: 'token_missing' }])
    assert.deepEqual(await send('/raw', JSON.stringify({ token: emulator.issue('trustcaptcha') }), JSON_TYPE), [200, { captcha: 'verified' }])
    assert.deepEqual(await send('/handled', form({ 'tc-verification-token': emulator.issue('trustcaptcha') }), FORM),
      [500, { handled: 'CaptchaConfigurationError', cause: 'ApiKeyInvalidException', expose: false }])
    // Express's own handler: a plain 500, never the provider's 403 or its text.
    const answer = await fetch(`http://127.0.0.1:${port}/default`, { method: 'POST', body: form({ 'tc-verification-token': emulator.issue('trustcaptcha') }), headers: FORM })
    const page = await answer.text()
    assert.equal(answer.status, 500)
    assert.ok(!/ApiKeyInvalid|api key|403/i.test(page), page)
  })
})

// ---------------------------------------------------------------------------------------------
// A client the user made (a test double): its values carry no outcome, so they are read by the
// SDKs' own data (the exception family, a 5xx status, verificationPassed, success, failedOpen).

describe('a test double as the client', () => {
  const {
    VerificationNotFoundException, ClientReportedServerUnreachableException, ServerUnreachableException,
    ApiKeyInvalidException, PlaytchaError
  } = captcha
  const trustcaptcha = (outcome, onUnavailable = 'reject') => ({
    provider: 'trustcaptcha',
    onUnavailable,
    log: () => {},
    client: { getVerificationResult: async () => { if (outcome instanceof Error) throw outcome; return outcome } }
  })
  const playtcha = (outcome, onUnavailable = 'reject') => ({
    provider: 'playtcha',
    onUnavailable,
    log: () => {},
    client: { verify: async () => { if (outcome instanceof Error) throw outcome; return outcome } }
  })
  const answer = async (options, field) => {
    try {
      const outcome = await verifyRequest(jsonRequest({ [field]: 'token' }), options)
      return [outcome.status, outcome.code]
    } catch (error) {
      return [error.constructor.name]
    }
  }
  const tc = (outcome, policy) => answer(trustcaptcha(outcome, policy), 'tc-verification-token')
  const pl = (outcome, policy) => answer(playtcha(outcome, policy), 'playtcha-token')

  it('TrustCaptcha: the exception family and the result\'s verificationPassed decide', async () => {
    assert.deepEqual(await tc({ verificationPassed: true, score: 0.1 }), [200, 'verified'])
    assert.deepEqual(await tc({ verificationPassed: false }), [400, 'verification_failed'])
    assert.deepEqual(await tc(new VerificationNotFoundException()), [400, 'verification_failed'])
    // A claimed outage is a refusal, even when outages are let through.
    assert.deepEqual(await tc(new ClientReportedServerUnreachableException(), 'allow'), [400, 'verification_failed'])
    assert.deepEqual(await tc(new ServerUnreachableException()), [503, 'provider_unavailable'])
    assert.deepEqual(await tc(new ServerUnreachableException(), 'allow'), [200, 'failed_open'])
    assert.deepEqual(await tc(Object.assign(new Error('Failed to retrieve verification result, response code: 503'), { status: 503 })), [503, 'provider_unavailable'])
    assert.deepEqual(await tc(new ApiKeyInvalidException()), ['ApiKeyInvalidException'])
  })

  it('Playtcha: a refusal\'s code and a result\'s success and failedOpen decide', async () => {
    assert.deepEqual(await pl({ success: true, failedOpen: false }), [200, 'verified'])
    assert.deepEqual(await pl({ success: true, failedOpen: true, unavailableReason: 'timeout' }, 'allow'), [200, 'failed_open'])
    assert.deepEqual(await pl(Object.assign(new PlaytchaError(), { code: 'token_invalid' })), [400, 'verification_failed'])
    assert.deepEqual(await pl(Object.assign(new PlaytchaError(), { code: 'bad_secret' })), ['PlaytchaError'])
  })
})

// ---------------------------------------------------------------------------------------------
// skip, a secret resolved per request, and the hooks

describe('skip(request)', () => {
  for (const provider of ['turnstile', 'trustcaptcha', 'swetrix']) {
    const fixture = PROVIDERS[provider]
    it(`${provider}: skip true (or a Promise of true) passes with code 'skipped', no token looked for and the provider never asked`, async () => {
      for (const skip of [() => true, async () => true, (req) => req.headers['x-trusted'] === 'yes']) {
        const seen = []
        const onVerified = (...args) => seen.push(args)
        const req = { ...formRequest({}), headers: { ...formRequest({}).headers, 'x-trusted': 'yes' } }
        const outcome = assertPassed(await run(requireCaptcha({ ...fixture.options(), skip, onVerified }), req), 'skipped')
        assert.deepEqual(outcome, { ok: true, status: 200, code: 'skipped', provider, failedOpen: false })
        assert.deepEqual(seen, [], 'no hook hears of a skipped request')
        const plain = await verifyRequest(formRequest({ [fixture.field]: fixture.fail() }), { ...fixture.options(), skip: async () => true })
        assert.equal(plain.code, 'skipped')
      }
      assert.deepEqual(emulator.requests(), [], 'the provider was never asked')
    })

    it(`${provider}: skip false (or anything but true) checks the token as usual`, async () => {
      for (const skip of [() => false, async () => false, () => 'yes', () => 1, () => undefined]) {
        const middleware = requireCaptcha({ ...fixture.options(), skip })
        assertPassed(await run(middleware, formRequest({ [fixture.field]: fixture.pass() })))
        assertAnswered(await run(middleware, formRequest({})), 400, 'token_missing')
      }
      assert.equal(emulator.requests().length, 5)
    })

    it(`${provider}: a skip that throws or rejects is a misconfiguration: next(error), verifyRequest rejects, no request`, async () => {
      for (const skip of [() => { throw new Error('skip broke') }, async () => { throw new Error('skip broke') }]) {
        const cause = assertNextError(await run(requireCaptcha({ ...fixture.options(), skip }), formRequest({ [fixture.field]: fixture.pass() })))
        assert.equal(cause.message, 'skip broke')
        await assert.rejects(verifyRequest(formRequest({ [fixture.field]: fixture.pass() }), { ...fixture.options(), skip }), /skip broke/)
      }
      assert.deepEqual(emulator.requests(), [])
    })
  }

  it('skip, onVerified, onRefused and onOutage must be functions', () => {
    for (const name of ['skip', 'onVerified', 'onRefused', 'onOutage']) {
      assert.throws(() => requireCaptcha({ ...PROVIDERS.playtcha.options(), [name]: true }), new RegExp(`${name} must be a function`))
    }
  })
})

describe('a secret resolved per request (multi-tenant)', () => {
  /** A siteverify stand-in that verifies for any secret but the stand-in's, recording each secret sent. */
  async function tenantsSiteverify () {
    return captureServer((request) => {
      const secret = new URLSearchParams(request.body).get('secret')
      return { body: /^(tenant-[ab]-secret|secret-\d+)$/.test(secret) ? { success: true } : { success: false, 'error-codes': ['invalid-input-secret'] } }
    })
  }
  const tenantOf = (req) => req.headers['x-tenant']
  const tenantRequest = (tenant, fields) => ({ ...formRequest(fields), headers: { ...formRequest(fields).headers, 'x-tenant': tenant } })

  it("turnstile: each request is verified with its tenant's secret; one client per secret, whatever the number of requests", async (t) => {
    const capture = await tenantsSiteverify()
    t.after(() => capture.close())
    const Original = captcha.Turnstile
    const built = []
    captcha.Turnstile = class extends Original {
      constructor (options) {
        super(options)
        built.push(options.secret)
      }
    }
    t.after(() => { captcha.Turnstile = Original })
    const secrets = { a: 'tenant-a-secret', b: 'tenant-b-secret' }
    const middleware = requireCaptcha({ provider: 'turnstile', secret: async (req) => secrets[tenantOf(req)], siteverifyUrl: `${capture.url}/siteverify`, retries: 0 })
    const setupBuilds = built.length
    assert.ok(built.every((secret) => !Object.values(secrets).includes(secret)), 'no tenant secret before a request')
    for (const tenant of ['a', 'b', 'a', 'b', 'b', 'a']) {
      assertPassed(await run(middleware, tenantRequest(tenant, { 'cf-turnstile-response': `token-${tenant}` })))
    }
    assert.deepEqual(capture.seen.map((r) => new URLSearchParams(r.body).get('secret')), ['a', 'b', 'a', 'b', 'b', 'a'].map((tenant) => secrets[tenant]))
    assert.deepEqual(capture.seen.map((r) => new URLSearchParams(r.body).get('response')), ['a', 'b', 'a', 'b', 'b', 'a'].map((tenant) => `token-${tenant}`))
    assert.deepEqual(built.slice(setupBuilds), ['tenant-a-secret', 'tenant-b-secret'], 'one client per resolved secret')
  })

  it('trustcaptcha against the emulator: a tenant with the right key passes, one with a wrong key is a misconfiguration; clients built once per key, sharing a pooled connection', async (t) => {
    const Original = captcha.TrustCaptcha
    const built = []
    captcha.TrustCaptcha = class extends Original {
      constructor (options) {
        super(options)
        built.push(options.apiKey)
      }
    }
    t.after(() => { captcha.TrustCaptcha = Original })
    const keys = { good: credentials.trustcaptchaApiKey, wrong: 'tenant-wrong-key' }
    const middleware = requireCaptcha({ ...PROVIDERS.trustcaptcha.options(), apiKey: (req) => keys[tenantOf(req)] })
    const setupBuilds = built.length
    const before = emulator.stats().connectionsAccepted
    for (let i = 0; i < 4; i++) assertPassed(await run(middleware, tenantRequest('good', { 'tc-verification-token': PROVIDERS.trustcaptcha.pass() })))
    assert.ok(emulator.stats().connectionsAccepted - before <= 1, 'the four checks share a pooled connection')
    for (let i = 0; i < 2; i++) assertNextError(await run(middleware, tenantRequest('wrong', { 'tc-verification-token': PROVIDERS.trustcaptcha.pass() })))
    assert.deepEqual(built.slice(setupBuilds), [keys.good, keys.wrong])
  })

  it('the most recent 64 secrets keep their clients: the least recently used is built again', async (t) => {
    const capture = await tenantsSiteverify()
    t.after(() => capture.close())
    const Original = captcha.Turnstile
    const built = []
    captcha.Turnstile = class extends Original {
      constructor (options) { super(options); built.push(options.secret) }
    }
    t.after(() => { captcha.Turnstile = Original })
    const options = { provider: 'turnstile', secret: (req) => `secret-${tenantOf(req)}`, siteverifyUrl: `${capture.url}/siteverify`, retries: 0 }
    const check = (tenant) => verifyRequest(tenantRequest(tenant, { 'cf-turnstile-response': 't' }), options)
    await check(0)
    const start = built.length
    for (let i = 0; i < 64; i++) await check(i) // 0 is cached; 1..63 are new
    await check(0) // 0 used most recently: 1 is now the least recent
    await check(64) // the 65th: 1 goes
    await check(0)
    await check(2)
    assert.equal(built.length - start, 64, 'only 1..64 built: 0 and 2 came from the cache')
    await check(1)
    assert.equal(built.at(-1), 'secret-1', 'the evicted secret is built again')
  })

  it('a resolver that throws, rejects, or resolves an empty or non-string value goes to next(error), with no request made', async () => {
    const fixture = PROVIDERS.swetrix
    const resolvers = [
      [() => { throw new Error('no tenant') }, /no tenant/],
      [async () => { throw new Error('no tenant') }, /no tenant/],
      [() => '', /secret resolver must resolve a non-empty string/],
      [async () => '   ', /secret resolver must resolve a non-empty string/],
      [() => undefined, /secret resolver must resolve a non-empty string/],
      [() => 42, /secret resolver must resolve a non-empty string/]
    ]
    for (const [secret, message] of resolvers) {
      const cause = assertNextError(await run(requireCaptcha({ ...fixture.options(), secret }), formRequest({ [fixture.field]: fixture.pass() })))
      assert.match(cause.message, message)
      await assert.rejects(verifyRequest(formRequest({ [fixture.field]: fixture.pass() }), { ...fixture.options(), secret }), message)
    }
    assert.deepEqual(emulator.requests(), [])
  })

  it('the resolver is not called when there is no token', async () => {
    let calls = 0
    const middleware = requireCaptcha({ ...PROVIDERS.playtcha.options(), secret: () => { calls++; return credentials.playtchaSecret } })
    assertAnswered(await run(middleware, formRequest({})), 400, 'token_missing')
    assert.equal(calls, 0)
  })

  it("trustcaptcha: a resolved API key is scrubbed from the log, even when the client's error holds it", async (t) => {
    const { mark } = require('../lib/outcome.js')
    const Original = captcha.TrustCaptcha
    captcha.TrustCaptcha = class extends Original {
      constructor (options) { super(options); this.key = options.apiKey }
      async getVerificationResult () { throw mark(new Error(`upstream echoed ${this.key}`), 'unavailable') }
    }
    t.after(() => { captcha.TrustCaptcha = Original })
    const key = 'tenant-key-4f1c9a'
    const { calls, log } = recorder()
    assertPassed(await run(requireCaptcha({ ...PROVIDERS.trustcaptcha.options(), apiKey: async () => key, onUnavailable: 'allow', log }), formRequest({ 'tc-verification-token': 'tok' })), 'failed_open')
    assert.equal(calls.length, 1)
    assert.match(calls[0][1].reason, /upstream echoed/)
    assert.equal(JSON.stringify(calls).includes(key), false, 'the log holds the resolved key')
  })

  it("swetrix: a resolved secret is scrubbed from a refusal's text", async (t) => {
    const original = captcha.validateToken
    captcha.validateToken = async (token, secret) => [false, `refused for ${secret}`]
    t.after(() => { captcha.validateToken = original })
    const outcome = await verifyRequest(formRequest({ 'swetrix-captcha-response': 'tok' }), { ...PROVIDERS.swetrix.options(), secret: () => 'tenant-secret-77ab' })
    assert.equal(outcome.code, 'verification_failed')
    assert.match(outcome.error.message, /refused for/)
    assert.equal(outcome.error.message.includes('tenant-secret-77ab'), false)
  })

  it('every provider takes a resolver where it takes its secret or API key, and verifies with it', async () => {
    const names = { trustcaptcha: 'apiKey', swetrix: 'secret', recaptcha: 'secretKey', playtcha: 'secret', turnstile: 'secret', hcaptcha: 'secret', 'recaptcha-enterprise': 'apiKey', 'friendly-captcha': 'apiKey' }
    for (const [provider, fixture] of Object.entries(PROVIDERS)) {
      const options = { ...fixture.options(), [names[provider]]: async () => fixture.secret() }
      const outcome = await verifyRequest(formRequest({ [fixture.field]: fixture.pass() }), options)
      assert.equal(outcome.code, 'verified', provider)
    }
  })

  it('a resolver and a shared client together are refused at once', () => {
    assert.throws(() => requireCaptcha({ provider: 'turnstile', client: new captcha.Turnstile({ secret: 's' }), secret: () => 's' }), /give either client or secret/)
  })
})

describe('onVerified, onRefused and onOutage', () => {
  /** Hooks that record what they heard. */
  function hooks () {
    const heard = []
    const hook = (name) => (outcome, request) => heard.push([name, outcome.code, request])
    return { heard, onVerified: hook('onVerified'), onRefused: hook('onRefused'), onOutage: hook('onOutage') }
  }

  for (const provider of ['hcaptcha', 'playtcha']) {
    const fixture = PROVIDERS[provider]
    it(`${provider}: each outcome's hook is called once, with the outcome and the request, before the answer`, async () => {
      const { heard, ...given } = hooks()
      const order = []
      const middleware = requireCaptcha({ ...fixture.options(), ...given })
      const cases = [
        [formRequest({ [fixture.field]: fixture.pass() }), 'onVerified', 'verified'],
        [formRequest({ [fixture.field]: fixture.fail() }), 'onRefused', 'verification_failed'],
        [formRequest({}), 'onRefused', 'token_missing']
      ]
      for (const [req, hook, code] of cases) {
        heard.length = 0
        const res = fakeResponse()
        res.json = function (body) { order.push(['answer', heard.length]); this.body = body; return this }
        await middleware(req, res, () => order.push(['next', heard.length]))
        assert.deepEqual(heard, [[hook, code, req]])
      }
      assert.deepEqual(order, [['next', 1], ['answer', 1], ['answer', 1]], 'the hook ran before next() or the answer')
      emulator.fault({ provider, kind: 'status', status: 503 })
      heard.length = 0
      assertAnswered(await run(middleware, formRequest({ [fixture.field]: fixture.pass() })), 503, 'provider_unavailable')
      assertPassed(await run(requireCaptcha({ ...fixture.options(), ...given, onUnavailable: 'allow', log: () => {} }), formRequest({ [fixture.field]: fixture.pass() })), 'failed_open')
      assert.deepEqual(heard.map(([name, code]) => [name, code]), [['onOutage', 'provider_unavailable'], ['onOutage', 'failed_open']])
    })
  }

  it('verifyRequest calls the hooks too', async () => {
    const { heard, ...given } = hooks()
    const req = formRequest({ 'playtcha-token': emulator.issue('playtcha') })
    const outcome = await verifyRequest(req, { ...PROVIDERS.playtcha.options(), ...given })
    assert.deepEqual(heard, [['onVerified', 'verified', req]])
    assert.equal(outcome.code, 'verified')
  })

  it('a hook that throws or rejects changes nothing, and an async hook is not awaited', async () => {
    const fixture = PROVIDERS.turnstile
    const unhandled = []
    const onUnhandled = (reason) => unhandled.push(reason)
    process.on('unhandledRejection', onUnhandled)
    try {
      const throwing = () => { throw new Error('metrics broke') }
      const rejecting = async () => { throw new Error('metrics broke') }
      for (const hook of [throwing, rejecting]) {
        const options = { ...fixture.options(), onVerified: hook, onRefused: hook, onOutage: hook }
        assertPassed(await run(requireCaptcha(options), formRequest({ [fixture.field]: fixture.pass() })))
        assertAnswered(await run(requireCaptcha(options), formRequest({ [fixture.field]: fixture.fail() })), 400, 'verification_failed')
        assert.equal((await verifyRequest(formRequest({}), options)).code, 'token_missing')
      }
      let settled = false
      const slow = () => new Promise((resolve) => setTimeout(() => { settled = true; resolve() }, 200))
      assertPassed(await run(requireCaptcha({ ...fixture.options(), onVerified: slow }), formRequest({ [fixture.field]: fixture.pass() })))
      assert.equal(settled, false, 'the answer did not wait for the hook')
      await new Promise((resolve) => setTimeout(resolve, 20))
      assert.deepEqual(unhandled, [], 'no unhandled rejection')
    } finally {
      process.off('unhandledRejection', onUnhandled)
    }
  })
})

// ---------------------------------------------------------------------------------------------
// The specs' verdicts through the middleware, with outages let through: a refusal must never
// take the fail-open path (../shared/specs: playtcha.md "The policy", trustcaptcha.md "The
// response" and "Test identities", swetrix.md and recaptcha-authorize.md test keys)

describe('spec verdicts never fail open', () => {
  /** A log and an onOutage hook that record what they heard: both stay silent for a verdict. */
  function outageWitness () {
    const heard = []
    return { heard, log: (message) => heard.push(message), onOutage: (outcome) => heard.push(outcome.code) }
  }

  it("Playtcha: an empty or non-string token is token_missing with no request, even with onUnavailable: 'allow' during an outage", async () => {
    emulator.fault({ provider: 'playtcha', kind: 'status', status: 503 })
    const witness = outageWitness()
    const options = { ...PROVIDERS.playtcha.options(), onUnavailable: 'allow', log: witness.log, onOutage: witness.onOutage }
    const middleware = requireCaptcha(options)
    for (const req of [formRequest({ 'playtcha-token': '' }), jsonRequest({ token: '' }), jsonRequest({ token: 0 }), jsonRequest({ 'playtcha-token': ['x'] })]) {
      assertAnswered(await run(middleware, req), 400, 'token_missing')
    }
    // The same through node:http, the body unparsed.
    const { port, close } = await serve((req, res) => {
      verifyRequest(req, options).then((outcome) => res.writeHead(outcome.status, JSON_TYPE).end(JSON.stringify({ code: outcome.code })))
    })
    try {
      for (const [body, headers] of [[form({ 'playtcha-token': '' }), FORM], ['{"token":""}', JSON_TYPE]]) {
        const answer = await post(port, body, headers)
        assert.deepEqual([answer.status, JSON.parse(answer.body).code], [400, 'token_missing'])
      }
    } finally {
      await close()
    }
    assert.deepEqual(emulator.requests(), [], 'the provider was never asked')
    assert.deepEqual(witness.heard, [], 'no outage was logged or heard of')
  })

  it("TrustCaptcha's test ids: ...0 verifies; ...1 to ...4 (404, 423, 410, 429) are refusals, not outages, even with onUnavailable: 'allow'", async () => {
    const witness = outageWitness()
    const middleware = requireCaptcha({ ...PROVIDERS.trustcaptcha.options(), onUnavailable: 'allow', log: witness.log, onOutage: witness.onOutage })
    const [passing, ...refused] = Emulator.identities.trustcaptcha.testVerifications
    assert.deepEqual(refused.map((identity) => identity.status), [404, 423, 410, 429])
    const outcome = assertPassed(await run(middleware, formRequest({ 'tc-verification-token': passing.token })))
    assert.equal(outcome.result.verificationId, passing.verificationId)
    for (const identity of refused) {
      assertAnswered(await run(middleware, formRequest({ 'tc-verification-token': identity.token })), 400, 'verification_failed')
    }
    // An issued result fetched past its retrieval limit answers 429 too: a refusal as well.
    const token = emulator.issue('trustcaptcha', { retrievalLimit: 1 })
    assertPassed(await run(middleware, formRequest({ 'tc-verification-token': token })))
    assertAnswered(await run(middleware, formRequest({ 'tc-verification-token': token })), 400, 'verification_failed')
    assert.deepEqual(witness.heard, [])
  })

  it("Swetrix's test secrets and Google's test secret key: PASS and the test key verify; FAIL and USED are refusals, even with onUnavailable: 'allow'", async () => {
    const witness = outageWitness()
    const common = { onUnavailable: 'allow', log: witness.log, onOutage: witness.onOutage }
    const { pass, fail, used } = Emulator.identities.swetrix.testSecrets
    const swetrix = (secret) => requireCaptcha({ ...PROVIDERS.swetrix.options(), ...common, secret: secret.secret })
    const field = 'swetrix-captcha-response'
    const verified = assertPassed(await run(swetrix(pass), formRequest({ [field]: 'any-token' })))
    assert.equal(verified.result.pid, 'AP00000000000')
    for (const secret of [fail, used]) {
      assertAnswered(await run(swetrix(secret), formRequest({ [field]: emulator.issue('swetrix') })), 400, 'verification_failed')
    }
    const { testSecretKey } = Emulator.identities.recaptcha
    const recaptcha = requireCaptcha({ ...PROVIDERS.recaptcha.options(), ...common, secretKey: testSecretKey.secretKey })
    assertPassed(await run(recaptcha, formRequest({ 'g-recaptcha-response': 'any-token' })))
    assert.deepEqual(witness.heard, [])
  })
})

// playtcha.md "The policy": every 4xx fails closed (429 included, unlike Friendly Captcha's,
// which the middleware counts an outage), and nothing is retried: tokens are single use.
describe('Playtcha through the middleware: 4xx fail closed, no retry', () => {
  const envelope = (code) => JSON.stringify({ error: { code, message: code, request_id: 'req_0000000000000000' } })

  it("already_redeemed (409), token_expired (410) and rate_limited_ip (429) are refusals even with onUnavailable: 'allow', each asked once", async () => {
    const heard = []
    const middleware = requireCaptcha({ ...PROVIDERS.playtcha.options(), onUnavailable: 'allow', log: (message) => heard.push(message), onOutage: (outcome) => heard.push(outcome.code) })
    const answers = [[409, 'already_redeemed'], [410, 'token_expired'], [429, 'rate_limited_ip']]
    for (const [status, code] of answers) {
      emulator.clearRequests()
      emulator.fault({ provider: 'playtcha', times: 1, kind: 'status', status, body: envelope(code), headers: { 'retry-after': '1' } })
      const result = await run(middleware, formRequest({ 'playtcha-token': emulator.issue('playtcha') }))
      assertAnswered(result, 400, 'verification_failed')
      assert.equal(emulator.requests().length, 1, `${status} asked once`)
    }
    assert.deepEqual(heard, [])
  })

  it('an outage (503) is asked once, under either policy: no retry of a single-use token', async () => {
    for (const onUnavailable of ['reject', 'allow']) {
      emulator.clearRequests()
      emulator.fault({ provider: 'playtcha', times: 1, kind: 'status', status: 503 })
      const outcome = await verifyRequest(formRequest({ 'playtcha-token': emulator.issue('playtcha') }), { ...PROVIDERS.playtcha.options(), onUnavailable, log () {} })
      assert.equal(outcome.code, onUnavailable === 'allow' ? 'failed_open' : 'provider_unavailable')
      assert.equal(emulator.requests().length, 1, onUnavailable)
    }
  })
})
