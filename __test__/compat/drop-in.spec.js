'use strict'
// The drop-in as its users' own tests use it: the original packages' names (npm aliases of the
// packed tarball), Jest-style `describe`/`it`/`expect`, `rejects.toThrow(Class)` and `instanceof`.
// One file, run unchanged under node:test, Jest, Vitest's four pools, Bun and Deno (run.mjs).
// Jest and Vitest's vm pools load it in a realm of its own while the addon lives in the main
// one: every value this file sees must still be of its own realm's classes.

const {
  TrustCaptcha, VerificationResult, FailoverException, ServerUnreachableException,
  ClientReportedServerUnreachableException, ApiKeyInvalidException, VerificationTokenInvalidException,
  VerificationNotFoundException, VerificationNotFinishedException, VerificationResultExpiredException,
  VerificationResultRetrievalLimitReachedException
} = require('@trustcomponent/trustcaptcha-nodejs')
const { validateToken } = require('@swetrix/captcha-validator')
const wixCaptcha = require('wix-captcha-backend')
const {
  Playtcha, PlaytchaError, PlaytchaUnavailableError, RecaptchaError, RecaptchaUnavailableError,
  isProviderUnavailable
} = require('captcha-native')
const { Turnstile, TurnstileUnavailableError, TurnstileConfigurationError } = require('captcha-native/turnstile')
const { verify: hcaptchaVerify, configureHcaptcha, HCaptcha, HCaptchaUnavailableError } = require('captcha-native/hcaptcha')
const { Recaptcha } = require('captcha-native/recaptcha')
const {
  RecaptchaEnterprise, RecaptchaEnterpriseUnavailableError, RecaptchaEnterpriseConfigurationError
} = require('captcha-native/recaptcha-enterprise')
const {
  FriendlyCaptchaClient, VerifyResult, FAILED_DUE_TO_CLIENT_ERROR_CODE, REQUEST_FAILED_ERROR_CODE
} = require('@friendlycaptcha/server-sdk')
const { Emulator } = require('captcha-native/testing')
const { requireCaptcha, verifyRequest, CaptchaConfigurationError } = require('captcha-native/middleware')

/** The text of native code's internal error format: no user code may ever see it. */
const INTERNAL = 'captcha-native:{'
const UNREACHABLE_HOST = 'http://127.0.0.1:1'

/** The widget token of the emulator's test verification N (0 finished, 1 not found, ...). */
const idToken = (n) => Emulator.identities.trustcaptcha.testVerifications[n].token

/** What a user's catch block gets. */
async function caught (promise) {
  try {
    await promise
  } catch (error) {
    return error
  }
  throw new Error('expected a rejection')
}

/** The checks that a realm mix-up breaks: own-realm class, name, message, no internal text. */
function expectError (error, Class, message) {
  expect(error).toBeInstanceOf(Class)
  expect(error).toBeInstanceOf(Error)
  expect(error.name).toBe(Class.name)
  if (message !== undefined) expect(error.message).toBe(message)
  expect(Object.prototype.toString.call(error)).toBe('[object Error]')
  expect(`${error.message}\n${error.stack}\n${String(error)}`).not.toContain(INTERNAL)
}

describe('captcha-native as a drop-in', () => {
  let emulator
  let url
  let credentials

  beforeAll(async () => {
    emulator = await Emulator.start()
    url = emulator.url
    credentials = emulator.credentials
  })
  afterAll(() => emulator.close())
  afterEach(() => emulator.clearFaults())

  describe('TrustCaptcha (@trustcomponent/trustcaptcha-nodejs)', () => {
    let trustCaptcha

    beforeAll(() => {
      trustCaptcha = new TrustCaptcha({ apiKey: credentials.trustcaptchaApiKey, apiHost: url })
    })

    it('a configured instance resolves the verification result', async () => {
      const result = await trustCaptcha.getVerificationResult(emulator.issue('trustcaptcha', { score: 0.2, countryCode: 'CH' }))
      expect(result).toBeInstanceOf(VerificationResult)
      expect(result).toMatchObject({ verificationPassed: true, score: 0.2, countryCode: 'CH' })
      expect(Object.keys(result)).toHaveLength(20)
    })

    it('the static shortcut refuses a bad token before any request, and an empty key at once', async () => {
      await expect(TrustCaptcha.getVerificationResult('any-key', 'not a token')).rejects.toThrow(VerificationTokenInvalidException)
      await expect(TrustCaptcha.getVerificationResult('any-key', 'not a token')).rejects.toThrow('Invalid Base64-encoded JSON')
      expect(() => TrustCaptcha.getVerificationResult('', idToken(0))).toThrow('apiKey must not be null or empty')
    })

    it('the static shortcut, with the default host out of reach, rejects ServerUnreachableException', async () => {
      // run.mjs points HTTPS_PROXY at a closed port: the default host is never reached.
      const error = await caught(TrustCaptcha.getVerificationResult('any-key', idToken(0)))
      expectError(error, ServerUnreachableException,
        'Could not reach the TrustCaptcha server. This is a high-trust failover signal — your backend was unable to contact our servers.')
      expect(error).toBeInstanceOf(FailoverException)
      expect(isProviderUnavailable(error)).toBe(true)
    })

    it.each([
      ['an invalid API key (403)', Emulator.identities.trustcaptcha.invalidApiKey.apiKey, 0, ApiKeyInvalidException,
        'The provided api key is invalid. Please verify the api key from your captcha settings.'],
      ['an unknown verification (404)', null, 1, VerificationNotFoundException,
        'No verification could be found for the given verification token.'],
      ['an unfinished verification (423)', null, 2, VerificationNotFinishedException,
        'The verification is not yet completed. Please wait until the user has finished solving the captcha before requesting the result.'],
      ['an expired result (410)', null, 3, VerificationResultExpiredException,
        'The verification result has expired and can no longer be retrieved.'],
      ['a retrieval limit reached (429)', null, 4, VerificationResultRetrievalLimitReachedException,
        'The verification result has reached its maximum retrieval count and can no longer be retrieved.']
    ])('%s rejects its exception', async (_, apiKey, id, Class, message) => {
      const client = apiKey ? new TrustCaptcha({ apiKey, apiHost: url }) : trustCaptcha
      await expect(client.getVerificationResult(idToken(id))).rejects.toThrow(Class)
      const error = await caught(client.getVerificationResult(idToken(id)))
      expectError(error, Class, message)
      expect(error).not.toBeInstanceOf(FailoverException)
      expect(isProviderUnavailable(error)).toBe(false)
    })

    it('a failover the gateway never saw rejects ClientReportedServerUnreachableException (412)', async () => {
      const token = emulator.issue('trustcaptcha', { clientFailover: true })
      const error = await caught(trustCaptcha.getVerificationResult(token))
      expectError(error, ClientReportedServerUnreachableException)
      expect(error).toBeInstanceOf(FailoverException)
      expect(error.status).toBe(412)
    })

    it('an unreachable host rejects ServerUnreachableException, a FailoverException with a cause', async () => {
      const unreachable = new TrustCaptcha({ apiKey: credentials.trustcaptchaApiKey, apiHost: UNREACHABLE_HOST })
      await expect(unreachable.getVerificationResult(idToken(0))).rejects.toThrow(ServerUnreachableException)
      const error = await caught(unreachable.getVerificationResult(idToken(0)))
      expectError(error, ServerUnreachableException)
      expect(error).toBeInstanceOf(FailoverException)
      expect(error.cause).toBeInstanceOf(Error)
      expect(error.cause.message).toBe('connection refused')
      expect(isProviderUnavailable(error)).toBe(true)
    })

    it('a 503 rejects a plain Error with its status, which counts as unavailable', async () => {
      emulator.fault({ provider: 'trustcaptcha', times: 1, kind: 'status', status: 503 })
      const error = await caught(trustCaptcha.getVerificationResult(idToken(0)))
      expectError(error, Error, 'Failed to retrieve verification result, response code: 503')
      expect(error.status).toBe(503)
      expect(isProviderUnavailable(error)).toBe(true)
    })

    it('trusts a ca given as a Buffer, as fs.readFileSync returns it', async () => {
      // proxy: false, as HTTPS_PROXY (run.mjs) would otherwise take the emulator's https:// too.
      const tls = await Emulator.start({ tls: true })
      try {
        const client = new TrustCaptcha({ apiKey: tls.credentials.trustcaptchaApiKey, apiHost: tls.url, ca: Buffer.from(tls.certificate), proxy: false })
        expect((await client.getVerificationResult(tls.issue('trustcaptcha'))).verificationPassed).toBe(true)
      } finally {
        await tls.close()
      }
    })

    it('a bad option is a TypeError of this realm', () => {
      expect(() => new TrustCaptcha({ apiKey: 'k', readTimeoutMs: -1 })).toThrow(TypeError)
    })
  })

  describe('Swetrix (@swetrix/captcha-validator)', () => {
    const apiURL = () => `${url}/v1/captcha`

    it('resolves [true, data], then [false, message] for the same token', async () => {
      const token = emulator.issue('swetrix', { pid: 'AP00000000042' })
      const [status, data] = await validateToken(token, credentials.swetrixSecret, apiURL())
      expect(status).toBe(true)
      expect(data).toStrictEqual({ challenge: expect.any(String), timestamp: expect.any(Number), pid: 'AP00000000042' })
      expect(await validateToken(token, credentials.swetrixSecret, apiURL())).toStrictEqual([false,
        'Request failed with status code 400: {"message":"Token already used","error":"Bad Request","statusCode":400}'])
    })

    it('a missing token and an outage resolve their tuples; only the outage is unavailable', async () => {
      const missing = await validateToken({}, credentials.swetrixSecret, apiURL())
      expect(missing).toStrictEqual([false, 'CAPTCHA token is missing'])
      expect(isProviderUnavailable(missing)).toBe(false)
      emulator.fault({ provider: 'swetrix', times: 1, kind: 'status', status: 503, body: 'down' })
      const outage = await validateToken(emulator.issue('swetrix'), credentials.swetrixSecret, apiURL())
      expect(outage).toStrictEqual([false, 'Request failed with status code 503: down'])
      expect(isProviderUnavailable(outage)).toBe(true)
      const refused = await validateToken(emulator.issue('swetrix'), credentials.swetrixSecret, UNREACHABLE_HOST)
      expect(refused[1]).toMatch(/^Unable to make API request, error: Error: connect ECONNREFUSED/)
      expect(isProviderUnavailable(refused)).toBe(true)
    })
  })

  describe('reCAPTCHA (wix-captcha-backend)', () => {
    const options = () => ({ secretKey: credentials.recaptchaSecret, siteverifyUrl: `${url}/recaptcha/api/siteverify`, retries: 0 })

    it('authorize resolves { success: true }, then rejects RecaptchaError for the same token', async () => {
      const token = emulator.issue('recaptcha', { action: 'checkout', score: 0.9 })
      await expect(wixCaptcha.authorize(token, { ...options(), expectedAction: 'checkout' })).resolves.toStrictEqual({ success: true })
      await expect(wixCaptcha.authorize(token, options())).rejects.toThrow(RecaptchaError)
      const error = await caught(wixCaptcha.authorize(token, options()))
      expectError(error, RecaptchaError, 'Request failed with status code 400')
      expect(error.error).toBe('Request failed with status code 400')
      expect(error.statusCode).toBe(400)
      expect(error.errorCodes).toStrictEqual(['timeout-or-duplicate'])
      expect(isProviderUnavailable(error)).toBe(false)
    })

    it('no verdict rejects RecaptchaUnavailableError (503), a FailoverException', async () => {
      emulator.fault({ provider: 'recaptcha', kind: 'status', status: 502 })
      const error = await caught(wixCaptcha.authorize(emulator.issue('recaptcha'), options()))
      expectError(error, RecaptchaUnavailableError, 'Request failed with status code 503')
      expect(error).toBeInstanceOf(FailoverException)
      expect(error.errorCodes).toStrictEqual(['siteverify-unavailable'])
      expect(isProviderUnavailable(error)).toBe(true)
    })

    it('a refused secret rejects 500, which is no outage', async () => {
      const error = await caught(wixCaptcha.authorize(emulator.issue('recaptcha'), { ...options(), secretKey: 'wrong' }))
      expectError(error, RecaptchaError, 'Request failed with status code 500')
      expect(error.errorCodes).toStrictEqual(['invalid-input-secret'])
      expect(isProviderUnavailable(error)).toBe(false)
    })
  })

  describe('Playtcha', () => {
    let playtcha
    beforeAll(() => {
      playtcha = new Playtcha({ secret: credentials.playtchaSecret, apiHost: url })
    })

    it('verifies once, then rejects PlaytchaError already_redeemed', async () => {
      const token = emulator.issue('playtcha', { hostname: 'shop.example.com' })
      const result = await playtcha.verify(token)
      expect(result).toMatchObject({ success: true, failedOpen: false, hostname: 'shop.example.com' })
      expect(Object.getPrototypeOf(result)).toBe(Object.prototype)
      await expect(playtcha.verify(token)).rejects.toThrow(PlaytchaError)
      const error = await caught(playtcha.verify(token))
      expectError(error, PlaytchaError)
      expect(error).toMatchObject({ code: 'already_redeemed', status: 409 })
    })

    it('fails open on a 503, and closed with failClosed', async () => {
      emulator.fault({ provider: 'playtcha', kind: 'status', status: 503 })
      const open = await playtcha.verify(emulator.issue('playtcha'))
      expect(open).toStrictEqual({ success: true, failedOpen: true, unavailableReason: 'server_error', status: 503 })
      expect(isProviderUnavailable(open)).toBe(true)
      const closed = new Playtcha({ secret: credentials.playtchaSecret, apiHost: url, failClosed: true })
      await expect(closed.verify(emulator.issue('playtcha'))).rejects.toThrow(PlaytchaUnavailableError)
      const error = await caught(closed.verify(emulator.issue('playtcha')))
      expectError(error, PlaytchaUnavailableError)
      expect(error).toBeInstanceOf(FailoverException)
      expect(error).toMatchObject({ reason: 'server_error', status: 503 })
      expect(isProviderUnavailable(error)).toBe(true)
    })
  })

  describe('hCaptcha (hcaptcha)', () => {
    beforeAll(() => configureHcaptcha({ siteverifyUrl: `${url}/siteverify`, timeoutMs: 2000 }))
    afterAll(() => configureHcaptcha())

    it('verify resolves the JSON, then success false for the same token', async () => {
      const token = emulator.issue('hcaptcha', { hostname: 'example.com' })
      const data = await hcaptchaVerify(credentials.hcaptchaSecret, token)
      expect(data).toMatchObject({ success: true, hostname: 'example.com' })
      await expect(hcaptchaVerify(credentials.hcaptchaSecret, token)).resolves.toMatchObject({ success: false, 'error-codes': ['already-seen-response'] })
    })

    it('no verdict rejects HCaptchaUnavailableError of this realm, a FailoverException', async () => {
      configureHcaptcha({ siteverifyUrl: UNREACHABLE_HOST, retries: 0 })
      const error = await caught(hcaptchaVerify(credentials.hcaptchaSecret, 'token'))
      configureHcaptcha({ siteverifyUrl: `${url}/siteverify`, timeoutMs: 2000 })
      expectError(error, HCaptchaUnavailableError)
      expect(error).toBeInstanceOf(FailoverException)
      expect(isProviderUnavailable(error)).toBe(true)
    })

    it('the HCaptcha class resolves the verdict in camelCase', async () => {
      const hcaptcha = new HCaptcha({ secret: credentials.hcaptchaSecret, siteverifyUrl: `${url}/siteverify` })
      const verdict = await hcaptcha.verify(emulator.issue('hcaptcha', { score: 0.1 }), { maxScore: 0.5 })
      expect(verdict).toMatchObject({ success: true, score: 0.1, errorCodes: [] })
    })
  })

  describe('Turnstile and the Recaptcha class', () => {
    it('Turnstile resolves the verdict, and success false for the same token', async () => {
      const turnstile = new Turnstile({ secret: credentials.turnstileSecret, siteverifyUrl: `${url}/turnstile/v0/siteverify` })
      const token = emulator.issue('turnstile', { action: 'login' })
      await expect(turnstile.verify(token, { expectedAction: 'login' })).resolves.toMatchObject({ success: true, action: 'login' })
      await expect(turnstile.verify(token)).resolves.toMatchObject({ success: false, errorCodes: ['timeout-or-duplicate'] })
    })

    it('its errors are of this realm: unavailable, misconfigured, a TypeError', async () => {
      const down = await caught(new Turnstile({ secret: 's', siteverifyUrl: UNREACHABLE_HOST, retries: 0 }).verify('t'))
      expectError(down, TurnstileUnavailableError)
      expect(down).toBeInstanceOf(FailoverException)
      const refused = await caught(new Turnstile({ secret: 'wrong', siteverifyUrl: `${url}/turnstile/v0/siteverify` }).verify('t'))
      expectError(refused, TurnstileConfigurationError)
      expect(isProviderUnavailable(refused)).toBe(false)
      await expect(new Turnstile({ secret: 's' }).verify('t', { idempotencyKey: 'x' })).rejects.toThrow(TypeError)
    })

    it('Recaptcha reports the checks that failed', async () => {
      const recaptcha = new Recaptcha({ secret: credentials.recaptchaSecret, siteverifyUrl: `${url}/recaptcha/api/siteverify` })
      const verdict = await recaptcha.verify(emulator.issue('recaptcha', { action: 'signup', score: 0.9 }), { expectedAction: 'login', minScore: 0.5 })
      expect(verdict).toMatchObject({ success: false, score: 0.9, errorCodes: ['action-mismatch'] })
    })
  })

  describe('Friendly Captcha (@friendlycaptcha/server-sdk)', () => {
    const client = (options) => new FriendlyCaptchaClient({
      apiKey: credentials.friendlyCaptchaApiKey, sitekey: credentials.friendlyCaptchaSitekey, apiEndpoint: url, ...options
    })

    it('accepts an issued response once, with its claims, then rejects the replay', async () => {
      const response = emulator.issue('friendly-captcha', { origin: 'https://shop.example' })
      const result = await client().verifyCaptchaResponse(response)
      expect(result).toBeInstanceOf(VerifyResult)
      expect([result.shouldAccept(), result.wasAbleToVerify(), result.status]).toStrictEqual([true, true, 200])
      expect(result.getResponse()).toMatchObject({ success: true, data: { challenge: { origin: 'https://shop.example' } } })
      const replay = await client().verifyCaptchaResponse(response)
      expect([replay.shouldReject(), replay.wasAbleToVerify()]).toStrictEqual([true, true])
      expect(replay.getResponseError()).toMatchObject({ error_code: 'response_duplicate' })
    })

    it('never rejects: an outage is accepted unless strict, a wrong key is a client error', async () => {
      emulator.fault({ provider: 'friendly-captcha', kind: 'status', status: 503, times: 2 })
      const open = await client().verifyCaptchaResponse(emulator.issue('friendly-captcha'))
      expect([open.shouldAccept(), open.wasAbleToVerify()]).toStrictEqual([true, false])
      expect((await client({ strict: true }).verifyCaptchaResponse(emulator.issue('friendly-captcha'))).shouldAccept()).toBe(false)
      const down = await client({ apiEndpoint: UNREACHABLE_HOST }).verifyCaptchaResponse('x')
      expect(down.getErrorCode()).toBe(REQUEST_FAILED_ERROR_CODE)
      const wrongKey = await client({ apiKey: 'not-the-key' }).verifyCaptchaResponse(emulator.issue('friendly-captcha'))
      expect([wrongKey.isClientError(), wrongKey.getErrorCode(), wrongKey.status]).toStrictEqual([true, FAILED_DUE_TO_CLIENT_ERROR_CODE, 401])
      expect(wrongKey.getResponseError()).toMatchObject({ error_code: 'auth_invalid' })
      expect(JSON.stringify(wrongKey)).not.toContain('not-the-key')
    })

    it('refuses an empty response without asking (unlike the original, which accepted it)', async () => {
      emulator.clearRequests()
      const result = await client().verifyCaptchaResponse('')
      expect([result.shouldAccept(), result.shouldReject()]).toStrictEqual([false, true])
      expect(emulator.requests()).toHaveLength(0)
      expect(() => new FriendlyCaptchaClient({})).toThrow(Error)
    })
  })

  describe('reCAPTCHA Enterprise (captcha-native/recaptcha-enterprise)', () => {
    const enterprise = (options) => new RecaptchaEnterprise({
      projectId: credentials.recaptchaEnterpriseProjectId,
      apiKey: credentials.recaptchaEnterpriseApiKey,
      siteKey: credentials.recaptchaEnterpriseSiteKey,
      endpoint: url,
      ...options
    })

    it('assesses a token once, then reports the replay as DUPE', async () => {
      const token = emulator.issue('recaptcha-enterprise', { action: 'login', score: 0.7 })
      const verdict = await enterprise().assess(token, { expectedAction: 'login', minScore: 0.5 })
      expect(verdict).toMatchObject({ passed: true, errorCodes: [], tokenProperties: { valid: true, action: 'login' }, riskAnalysis: { score: 0.7 } })
      await expect(enterprise().annotate(verdict.name, 'LEGITIMATE')).resolves.toStrictEqual({})
      await expect(enterprise().assess(token)).resolves.toMatchObject({ passed: false, errorCodes: ['duplicate-token'], tokenProperties: { invalidReason: 'DUPE' } })
    })

    it('its errors are of this realm: unavailable, misconfigured, a TypeError', async () => {
      const down = await caught(enterprise({ endpoint: UNREACHABLE_HOST, retries: 0 }).assess('t'))
      expectError(down, RecaptchaEnterpriseUnavailableError)
      expect(down).toBeInstanceOf(FailoverException)
      const refused = await caught(enterprise({ apiKey: 'AIzaNotTheKey0000' }).assess(emulator.issue('recaptcha-enterprise')))
      expectError(refused, RecaptchaEnterpriseConfigurationError)
      expect(isProviderUnavailable(refused)).toBe(false)
      expect(`${refused.message} ${refused.stack}`).not.toContain('AIzaNotTheKey0000')
      expect(() => enterprise({ projectId: '../other' })).toThrow(TypeError)
    })
  })

  describe('the middleware (captcha-native/middleware)', () => {
    /** An Express request and response as a unit test fakes them. */
    function call (middleware, body) {
      return new Promise((resolve) => {
        const req = { body, headers: { 'content-type': 'application/x-www-form-urlencoded' }, ip: '203.0.113.7' }
        const res = {
          statusCode: 200,
          status (code) { this.statusCode = code; return this },
          json (payload) { resolve({ status: this.statusCode, body: payload, req }) }
        }
        middleware(req, res, (error) => resolve({ next: true, error, req }))
      })
    }
    const trustcaptcha = (options) => requireCaptcha({ provider: 'trustcaptcha', apiKey: credentials.trustcaptchaApiKey, apiHost: url, ...options })

    it('lets a verified token through with req.captcha', async () => {
      const { next, error, req } = await call(trustcaptcha(), { 'tc-verification-token': emulator.issue('trustcaptcha') })
      expect([next, error]).toStrictEqual([true, undefined])
      expect(req.captcha).toMatchObject({ ok: true, status: 200, code: 'verified', provider: 'trustcaptcha', failedOpen: false })
      expect(req.captcha.result).toBeInstanceOf(VerificationResult)
    })

    it('answers 400 for a refused token and for none', async () => {
      expect(await call(trustcaptcha(), { 'tc-verification-token': idToken(1) }))
        .toMatchObject({ status: 400, body: { error: 'verification_failed' } })
      expect(await call(trustcaptcha(), {})).toMatchObject({ status: 400, body: { error: 'token_missing' } })
    })

    it('takes a client of the original package\'s name and still tells a refusal from an outage', async () => {
      // TrustCaptcha here is '@trustcomponent/trustcaptcha-nodejs', the middleware 'captcha-native': two copies.
      const client = new TrustCaptcha({ apiKey: credentials.trustcaptchaApiKey, apiHost: url })
      expect(await call(requireCaptcha({ provider: 'trustcaptcha', client }), { 'tc-verification-token': idToken(3) }))
        .toMatchObject({ status: 400, body: { error: 'verification_failed' } })
      emulator.fault({ provider: 'trustcaptcha', kind: 'status', status: 503 })
      expect(await call(requireCaptcha({ provider: 'trustcaptcha', client, log: () => {} }), { 'tc-verification-token': emulator.issue('trustcaptcha') }))
        .toMatchObject({ status: 503, body: { error: 'provider_unavailable' } })
    })

    it('answers 503 when the provider is down, or lets the request through when told to', async () => {
      emulator.fault({ provider: 'swetrix', kind: 'status', status: 503 })
      const swetrix = { provider: 'swetrix', secret: credentials.swetrixSecret, apiURL: `${url}/v1/captcha` }
      const body = () => ({ 'swetrix-captcha-response': emulator.issue('swetrix') })
      expect(await call(requireCaptcha(swetrix), body())).toMatchObject({ status: 503, body: { error: 'provider_unavailable' } })
      const allowed = await call(requireCaptcha({ ...swetrix, onUnavailable: 'allow', log: () => {} }), body())
      expect(allowed).toMatchObject({ next: true, error: undefined })
      expect(allowed.req.captcha).toMatchObject({ ok: true, code: 'failed_open', failedOpen: true })
    })

    it('hands a refused API key to next() as a CaptchaConfigurationError', async () => {
      const { next, error } = await call(trustcaptcha({ apiKey: Emulator.identities.trustcaptcha.invalidApiKey.apiKey }), { 'tc-verification-token': emulator.issue('trustcaptcha') })
      expect(next).toBe(true)
      expectError(error, CaptchaConfigurationError)
      expect(error).toMatchObject({ status: 500, expose: false })
      expect(error.cause).toBeInstanceOf(ApiKeyInvalidException)
    })

    it('reads a raw Buffer body, as express.raw() leaves it', async () => {
      const body = Buffer.from(`tc-verification-token=${encodeURIComponent(emulator.issue('trustcaptcha'))}`)
      const { next, req } = await call(trustcaptcha(), body)
      expect(next).toBe(true)
      expect(req.captcha.code).toBe('verified')
    })

    it('verifyRequest resolves the outcome for a plain request', async () => {
      const outcome = await verifyRequest({ body: { 'playtcha-token': emulator.issue('playtcha') }, headers: {} },
        { provider: 'playtcha', secret: credentials.playtchaSecret, apiHost: url })
      expect(outcome).toMatchObject({ ok: true, status: 200, code: 'verified', provider: 'playtcha', failedOpen: false })
    })
  })

  describe('the emulator (captcha-native/testing)', () => {
    it('hands out plain values of this realm', async () => {
      expect(emulator.credentials).toStrictEqual({
        trustcaptchaApiKey: Emulator.identities.trustcaptcha.apiKey,
        swetrixSecret: Emulator.identities.swetrix.secret,
        recaptchaSecret: Emulator.identities.recaptcha.secretKey,
        playtchaSecret: Emulator.identities.playtcha.secret,
        turnstileSecret: Emulator.identities.turnstile.secret,
        hcaptchaSecret: Emulator.identities.hcaptcha.secret,
        hcaptchaSitekey: Emulator.identities.hcaptcha.sitekey,
        recaptchaEnterpriseApiKey: Emulator.identities['recaptcha-enterprise'].apiKey,
        recaptchaEnterpriseProjectId: Emulator.identities['recaptcha-enterprise'].projectId,
        recaptchaEnterpriseSiteKey: Emulator.identities['recaptcha-enterprise'].siteKey,
        friendlyCaptchaApiKey: Emulator.identities['friendly-captcha'].apiKey,
        friendlyCaptchaSitekey: Emulator.identities['friendly-captcha'].sitekey
      })
      emulator.clearRequests()
      await validateToken(emulator.issue('swetrix'), credentials.swetrixSecret, `${url}/v1/captcha`)
      const [request] = emulator.requests()
      expect(request).toStrictEqual({ provider: 'swetrix', method: 'POST', path: '/v1/captcha/validate', headers: expect.any(Object) })
      expect(Array.isArray(emulator.requests())).toBe(true)
      expect(emulator.stats()).toStrictEqual({
        connectionsAccepted: expect.any(Number), connectionsOpen: expect.any(Number), peakConnectionsOpen: expect.any(Number), requests: expect.any(Number)
      })
    })

    it('refuses a bad fault rule and an unknown provider with errors of this realm', () => {
      expect(() => emulator.fault({ kind: 'nonsense' })).toThrow(TypeError)
      expect(() => emulator.issue('nobody')).toThrow(TypeError)
    })
  })

  describe('one package under several names', () => {
    it('isProviderUnavailable knows every copy\'s errors', async () => {
      // '@trustcomponent/trustcaptcha-nodejs' and 'captcha-native' are two installed copies.
      const error = await caught(new TrustCaptcha({ apiKey: 'k', apiHost: UNREACHABLE_HOST })
        .getVerificationResult(idToken(0)))
      expect(isProviderUnavailable(error)).toBe(true)
    })
  })
})
