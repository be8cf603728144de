// reCAPTCHA Enterprise, row by row of docs/providers/recaptcha-enterprise.md: the request on a
// capturing server, the verdict for every answer, the errors and their classes, retries and the
// DUPE after a lost attempt, the key kept out of everything; then end to end on the emulator.
import { describe, it, after } from 'node:test'
import assert from 'node:assert/strict'
import { inspect } from 'node:util'
import { createRequire } from 'node:module'
import { assertNoSecret, captureServers, closedPort, rejection, startProxy, trickleServer, withEmulator } from './helpers.mjs'

const require = createRequire(import.meta.url)
const {
  RecaptchaEnterprise, RecaptchaEnterpriseUnavailableError, RecaptchaEnterpriseConfigurationError,
  FailoverException, isProviderUnavailable, Emulator
} = require('../index.js')
const { outcomeOf } = require('../lib/outcome.js')

const KEY = 'AIzaSyD-test+key/with=odd&chars_0123456'
const PROJECT = 'my-project-1'
const SITE_KEY = '6LcSiteKey_-abc'
const NAME = 'projects/123456789/assessments/0123456789abcdef'

const server = captureServers(after)

function assessment ({ valid = true, invalidReason = 'INVALID_REASON_UNSPECIFIED', action = 'login', score = 0.9, hostname = 'example.com' } = {}) {
  return {
    name: NAME,
    event: { token: 't', siteKey: SITE_KEY, expectedAction: action },
    riskAnalysis: { score, reasons: ['AUTOMATION'], extendedVerdictReasons: [] },
    tokenProperties: { valid, invalidReason, hostname, androidPackageName: '', iosBundleId: '', action, createTime: '2026-11-28T10:45:06.096Z' },
    accountDefenderAssessment: { labels: ['PROFILE_MATCH'] }
  }
}

function googleError (code, status, message, reason) {
  const error = { code, message, status }
  if (reason) error.details = [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason, domain: 'googleapis.com' }]
  return { error }
}

function client (endpoint, options = {}) {
  return new RecaptchaEnterprise({ projectId: PROJECT, apiKey: KEY, siteKey: SITE_KEY, endpoint, ...options })
}

describe('the request', () => {
  it('POSTs JSON to /v1/projects/{project}/assessments with the key URL-encoded in the query, the body only the fields given', async () => {
    const capture = await server(() => ({ body: assessment() }))
    await client(capture.url).assess('tok.en-1', { expectedAction: 'login', userIpAddress: '203.0.113.7', userAgent: '' })
    assert.equal(capture.seen.length, 1)
    const [request] = capture.seen
    assert.equal(request.method, 'POST')
    assert.equal(request.path, `/v1/projects/${PROJECT}/assessments?key=${encodeURIComponent(KEY).replace(/%20/g, '+')}`)
    assert.equal(new URL(request.path, 'http://x').searchParams.get('key'), KEY)
    assert.equal(request.headers['content-type'], 'application/json')
    assert.equal(request.headers.authorization, undefined)
    assert.deepEqual(JSON.parse(request.body), { event: { token: 'tok.en-1', siteKey: SITE_KEY, expectedAction: 'login', userIpAddress: '203.0.113.7' } })
  })

  it('requestedUri and userAgent are sent when given', async () => {
    const capture = await server(() => ({ body: assessment() }))
    await client(capture.url).assess('t', { userAgent: 'Mozilla/5.0', requestedUri: 'https://example.com/login' })
    assert.deepEqual(JSON.parse(capture.seen[0].body).event, { token: 't', siteKey: SITE_KEY, userAgent: 'Mozilla/5.0', requestedUri: 'https://example.com/login' })
  })

  it('no token can move the request: it stays in the JSON body', async () => {
    const capture = await server(() => ({ body: assessment() }))
    const c = client(capture.url)
    const hostile = ['../../x', 'a?key=other', 'a#b', 'a%2F..', '"},"x":{"', 'a\r\nHost: evil', 'https://evil.example/']
    for (const token of hostile) await c.assess(token)
    assert.equal(capture.seen.length, hostile.length)
    for (const [n, request] of capture.seen.entries()) {
      assert.equal(request.path, capture.seen[0].path)
      assert.equal(request.headers.host, new URL(capture.url).host)
      assert.equal(JSON.parse(request.body).event.token, hostile[n])
    }
  })

  it('a project id that could steer the path, a bad key or site key or endpoint: an error at construction, no request', async () => {
    const capture = await server(() => ({ body: assessment() }))
    const base = { projectId: PROJECT, apiKey: KEY, siteKey: SITE_KEY, endpoint: capture.url }
    for (const projectId of ['../other', 'my-project/assessments', 'p?x=1', 'My-Project', 'a', 'my-project-', 'p%2Fq-project']) {
      assert.throws(() => new RecaptchaEnterprise({ ...base, projectId }), (e) => e instanceof TypeError && /projectId must be/.test(e.message), projectId)
    }
    assert.throws(() => new RecaptchaEnterprise({ ...base, apiKey: 'a key' }), (e) => e instanceof TypeError && /apiKey/.test(e.message))
    assert.throws(() => new RecaptchaEnterprise({ ...base, siteKey: 'a/b' }), (e) => e instanceof TypeError && /siteKey/.test(e.message))
    for (const endpoint of ['ftp://x', 'http://user:pw@127.0.0.1', 'http://127.0.0.1/?q=1', 'not a url']) {
      assert.throws(() => new RecaptchaEnterprise({ ...base, endpoint }), TypeError, endpoint)
    }
    for (const missing of ['projectId', 'apiKey', 'siteKey']) {
      assert.throws(() => new RecaptchaEnterprise({ ...base, [missing]: undefined }), new RegExp(`${missing} must not be null or empty`))
    }
    assert.throws(() => new RecaptchaEnterprise({ ...base, apikey: KEY }), (e) => e instanceof TypeError && /unknown option apikey/.test(e.message))
    assert.throws(() => new RecaptchaEnterprise({ ...base, timeoutMs: 0 }), TypeError)
    assert.throws(() => new RecaptchaEnterprise({ ...base, retries: -1 }), TypeError)
    assert.throws(() => new RecaptchaEnterprise(null), TypeError)
    assert.equal(capture.seen.length, 0)
  })

  it('a project number is a project', async () => {
    const capture = await server(() => ({ body: assessment() }))
    await client(capture.url, { projectId: '123456789012' }).assess('t')
    assert.match(capture.seen[0].path, /^\/v1\/projects\/123456789012\/assessments\?key=/)
  })

  it('unknown or unusable assess options are TypeErrors and send nothing', async () => {
    const capture = await server(() => ({ body: assessment() }))
    const c = client(capture.url)
    await assert.rejects(c.assess('t', { expectedaction: 'login' }), (e) => e instanceof TypeError && /unknown option options\.expectedaction/.test(e.message))
    await assert.rejects(c.assess('t', { minScore: 2 }), (e) => e instanceof TypeError && /minScore must be a number from 0 to 1/.test(e.message))
    await assert.rejects(c.assess('t', { minScore: '0.5' }), TypeError)
    await assert.rejects(c.assess('t', { expectedHostname: [] }), TypeError)
    await assert.rejects(c.assess('t', 'options'), TypeError)
    assert.equal(capture.seen.length, 0)
  })
})

describe('the verdict', () => {
  it('a valid token passes: Google\'s camelCase properties passed through, the event left out', async () => {
    const capture = await server(() => ({ body: assessment() }))
    const verdict = await client(capture.url).assess('t', { expectedAction: 'login', minScore: 0.5, expectedHostname: 'EXAMPLE.com' })
    assert.deepEqual(verdict, {
      passed: true,
      errorCodes: [],
      name: NAME,
      tokenProperties: { valid: true, invalidReason: 'INVALID_REASON_UNSPECIFIED', hostname: 'example.com', androidPackageName: '', iosBundleId: '', action: 'login', createTime: '2026-11-28T10:45:06.096Z' },
      riskAnalysis: { score: 0.9, reasons: ['AUTOMATION'], extendedVerdictReasons: [] },
      accountDefenderAssessment: { labels: ['PROFILE_MATCH'] }
    })
    assert.deepEqual(outcomeOf(verdict), { kind: 'verified' })
  })

  const REASONS = {
    MALFORMED: 'malformed-token',
    EXPIRED: 'expired-token',
    DUPE: 'duplicate-token',
    MISSING: 'missing-token',
    BROWSER_ERROR: 'browser-error',
    SITE_MISMATCH: 'site-mismatch',
    UNEXPECTED_ACTION: 'unexpected-action',
    UNKNOWN_INVALID_REASON: 'invalid-token',
    INVALID_REASON_UNSPECIFIED: 'invalid-token'
  }
  for (const [reason, code] of Object.entries(REASONS)) {
    it(`valid: false with ${reason} resolves passed: false with ${code}`, async () => {
      const capture = await server(() => ({ body: assessment({ valid: false, invalidReason: reason, action: '', score: 0 }) }))
      const verdict = await client(capture.url).assess('t', { minScore: 0.5, expectedAction: 'login' })
      assert.equal(verdict.passed, false)
      assert.deepEqual(verdict.errorCodes, [code])
      assert.equal(verdict.tokenProperties.valid, false)
      assert.equal(verdict.tokenProperties.invalidReason, reason)
      assert.deepEqual(outcomeOf(verdict), { kind: 'refused', code })
    })
  }

  it('a wrong action, a low score and a wrong hostname are refused, in that order', async () => {
    const capture = await server(() => ({ body: assessment({ action: 'signup', score: 0.3 }) }))
    const verdict = await client(capture.url).assess('t', { expectedAction: 'login', minScore: 0.5, expectedHostname: ['other.example'] })
    assert.equal(verdict.passed, false)
    assert.deepEqual(verdict.errorCodes, ['action-mismatch', 'score-threshold-not-met', 'hostname-mismatch'])
    assert.deepEqual(outcomeOf(verdict), { kind: 'refused', code: 'action-mismatch' })
  })

  it('a score below minScore alone is refused; at minScore it passes', async () => {
    const low = await server(() => ({ body: assessment({ score: 0.49 }) }))
    assert.deepEqual((await client(low.url).assess('t', { minScore: 0.5 })).errorCodes, ['score-threshold-not-met'])
    const at = await server(() => ({ body: assessment({ score: 0.5 }) }))
    assert.equal((await client(at.url).assess('t', { minScore: 0.5 })).passed, true)
  })

  it('no token, an empty one or one too long is refused without a request, as Google would', async () => {
    const capture = await server(() => ({ body: assessment() }))
    const c = client(capture.url)
    assert.deepEqual(await c.assess(''), { passed: false, errorCodes: ['missing-token'], tokenProperties: { valid: false, invalidReason: 'MISSING' }, riskAnalysis: {} })
    assert.deepEqual((await c.assess(undefined)).errorCodes, ['malformed-token'])
    assert.deepEqual((await c.assess(42)).errorCodes, ['malformed-token'])
    assert.deepEqual((await c.assess('x'.repeat(64 * 1024 + 1))).errorCodes, ['malformed-token'])
    assert.equal(capture.seen.length, 0)
  })
})

describe('errors', () => {
  const CONFIGURATION = [
    [400, 'INVALID_ARGUMENT', 'API_KEY_INVALID', 'api_key_invalid'],
    [400, 'INVALID_ARGUMENT', undefined, 'invalid_argument'],
    [403, 'PERMISSION_DENIED', 'SERVICE_DISABLED', 'service_disabled'],
    [403, 'PERMISSION_DENIED', undefined, 'permission_denied'],
    [404, 'NOT_FOUND', undefined, 'not_found']
  ]
  for (const [status, word, reason, code] of CONFIGURATION) {
    it(`${status} ${word}${reason ? ` (${reason})` : ''} rejects RecaptchaEnterpriseConfigurationError, once, without the key`, async () => {
      const capture = await server(() => ({ status, body: googleError(status, word, `API key ${KEY} is bad`, reason) }))
      const { error } = await rejection(client(capture.url).assess('t'))
      assert.equal(error.constructor, RecaptchaEnterpriseConfigurationError)
      assert.ok(!(error instanceof FailoverException))
      assert.equal(error.status, status)
      assert.equal(error.googleStatus, word)
      assert.equal(error.reason, reason)
      assert.deepEqual(outcomeOf(error), { kind: 'misconfigured', code })
      assert.equal(isProviderUnavailable(error), false)
      assert.equal(capture.seen.length, 1)
      assertNoSecret(error, KEY)
      assertNoSecret(error, encodeURIComponent(KEY))
    })
  }

  const OUTAGES = [
    ['503', { status: 503, body: googleError(503, 'UNAVAILABLE', 'down') }, 'server_error'],
    ['500', { status: 500, body: '' }, 'server_error'],
    ['429', { status: 429, body: googleError(429, 'RESOURCE_EXHAUSTED', 'quota') }, 'rate_limited'],
    ['a 200 that is not JSON', { status: 200, body: '<html>' }, 'malformed_response']
  ]
  for (const [what, answer, code] of OUTAGES) {
    it(`${what} is retried, then rejects RecaptchaEnterpriseUnavailableError (a FailoverException)`, async () => {
      const capture = await server(() => answer)
      const { error } = await rejection(client(capture.url, { retries: 2 }).assess('t'))
      assert.equal(error.constructor, RecaptchaEnterpriseUnavailableError)
      assert.ok(error instanceof FailoverException)
      assert.equal(error.attempts, 3)
      assert.equal(capture.seen.length, 3)
      assert.deepEqual(outcomeOf(error), { kind: 'unavailable', code })
      assert.equal(isProviderUnavailable(error), true)
      assertNoSecret(error, KEY)
    })
  }

  it('nothing listening: unavailable, network_error', async () => {
    const port = await closedPort()
    const { error } = await rejection(client(`http://127.0.0.1:${port}`, { retries: 0 }).assess('t'))
    assert.equal(error.constructor, RecaptchaEnterpriseUnavailableError)
    assert.deepEqual(outcomeOf(error), { kind: 'unavailable', code: 'network_error' })
  })

  it('an answer that never completes ends at the deadline: unavailable, timeout', async () => {
    const trickle = await trickleServer()
    try {
      const { error } = await rejection(client(trickle.url, { timeoutMs: 300, retries: 0 }).assess('t'))
      assert.equal(error.constructor, RecaptchaEnterpriseUnavailableError)
      assert.deepEqual(outcomeOf(error), { kind: 'unavailable', code: 'timeout' })
    } finally {
      await trickle.close()
    }
  })

  it('an assessment after an outage is the verdict', async () => {
    const capture = await server((request, n) => n === 1 ? { status: 503, body: '' } : { body: assessment() })
    const verdict = await client(capture.url).assess('t')
    assert.equal(verdict.passed, true)
    assert.equal(capture.seen.length, 2)
    assert.equal(capture.seen[1].body, capture.seen[0].body)
  })

  it('DUPE answering a retry after an attempt that may have reached Google is an outage, not a refusal', async () => {
    const capture = await server((request, n) => n === 1 ? { status: 502, body: '' } : { body: assessment({ valid: false, invalidReason: 'DUPE' }) })
    const { error } = await rejection(client(capture.url).assess('t'))
    assert.equal(error.constructor, RecaptchaEnterpriseUnavailableError)
    assert.deepEqual(outcomeOf(error), { kind: 'unavailable', code: 'server_error' })
    assert.match(error.cause.message, /DUPE/)
  })

  it('DUPE after a 429 (turned away before it was read) or asked once is a refusal', async () => {
    const after429 = await server((request, n) => n === 1 ? { status: 429, body: '' } : { body: assessment({ valid: false, invalidReason: 'DUPE' }) })
    assert.deepEqual((await client(after429.url).assess('t')).errorCodes, ['duplicate-token'])
    const once = await server(() => ({ body: assessment({ valid: false, invalidReason: 'DUPE' }) }))
    assert.deepEqual((await client(once.url).assess('t')).errorCodes, ['duplicate-token'])
  })

  it('the API key never appears in a verdict, its JSON or inspect, even when the server echoes it', async () => {
    const capture = await server(() => ({ body: { ...assessment(), echo: KEY, riskAnalysis: { score: 0.9, reasons: [KEY] } } }))
    const verdict = await client(capture.url).assess('t')
    for (const view of [JSON.stringify(verdict), inspect(verdict, { depth: 10, showHidden: true })]) {
      assert.ok(!view.includes(KEY) && !view.includes(encodeURIComponent(KEY)), view)
    }
    const c = client(capture.url)
    assert.ok(!inspect(c, { depth: 10, showHidden: true }).includes(KEY))
  })
})

describe('proxy and ca', () => {
  it('proxy: the request goes through the given proxy', async () => {
    const capture = await server(() => ({ body: assessment() }))
    const proxy = await startProxy()
    try {
      const verdict = await client(capture.url, { proxy: { host: proxy.host, port: proxy.port } }).assess('t')
      assert.equal(verdict.passed, true)
      assert.equal(proxy.seen.length, 1)
      assert.equal(new URL(proxy.seen[0].url).pathname, `/v1/projects/${PROJECT}/assessments`)
    } finally {
      await proxy.close()
    }
  })

  it('ca: the emulator\'s TLS certificate is trusted with it, and not without', async () => {
    await withEmulator({ tls: true }, async (emulator) => {
      const id = Emulator.identities['recaptcha-enterprise']
      const options = { projectId: id.projectId, apiKey: id.apiKey, siteKey: id.siteKey, endpoint: emulator.url, proxy: false, retries: 0 }
      const trusted = new RecaptchaEnterprise({ ...options, ca: emulator.certificate })
      assert.equal((await trusted.assess(emulator.issue('recaptcha-enterprise'))).passed, true)
      const { error } = await rejection(new RecaptchaEnterprise(options).assess(emulator.issue('recaptcha-enterprise')))
      assert.equal(error.constructor, RecaptchaEnterpriseUnavailableError)
    })
  })
})

describe('annotate', () => {
  it('POSTs the annotation and reasons to {name}:annotate with the key, and resolves {}', async () => {
    const capture = await server(() => ({ body: {} }))
    assert.deepEqual(await client(capture.url).annotate(NAME, 'FRAUDULENT', { reasons: ['CHARGEBACK'] }), {})
    const [request] = capture.seen
    assert.equal(request.method, 'POST')
    assert.equal(new URL(request.path, 'http://x').pathname, `/v1/${NAME}:annotate`)
    assert.equal(new URL(request.path, 'http://x').searchParams.get('key'), KEY)
    assert.deepEqual(JSON.parse(request.body), { annotation: 'FRAUDULENT', reasons: ['CHARGEBACK'] })
  })

  it('a name that is not projects/{project}/assessments/{id}, an unknown annotation or reason: TypeError, no request', async () => {
    const capture = await server(() => ({ body: {} }))
    const c = client(capture.url)
    for (const [name, annotation, options] of [
      ['projects/123/assessments/../../x', 'LEGITIMATE'],
      ['projects/123/assessments/a?key=x', 'LEGITIMATE'],
      ['projects/../assessments/abc', 'LEGITIMATE'],
      ['https://evil.example/abc', 'LEGITIMATE'],
      [NAME, 'legitimate'],
      [NAME, 'LEGITIMATE', { reasons: ['not a word'] }],
      [NAME, 'LEGITIMATE', { reasons: 'CHARGEBACK' }],
      [NAME, 'LEGITIMATE', { reason: ['CHARGEBACK'] }],
      [42, 'LEGITIMATE']
    ]) {
      await assert.rejects(c.annotate(name, annotation, options), TypeError, `${name} ${annotation}`)
    }
    assert.equal(capture.seen.length, 0)
  })

  it('Google\'s 404 for an unknown assessment is a configuration error', async () => {
    const capture = await server(() => ({ status: 404, body: googleError(404, 'NOT_FOUND', 'no such assessment') }))
    const { error } = await rejection(client(capture.url).annotate(NAME, 'LEGITIMATE'))
    assert.equal(error.constructor, RecaptchaEnterpriseConfigurationError)
    assert.equal(error.status, 404)
  })
})

describe('on the emulator', () => {
  const id = Emulator.identities['recaptcha-enterprise']
  const onEmulator = (emulator, options = {}) => new RecaptchaEnterprise({ projectId: id.projectId, apiKey: id.apiKey, siteKey: id.siteKey, endpoint: emulator.url, ...options })

  it('an issued token passes once with its claims; the replay is DUPE; the name annotates', async () => {
    await withEmulator({}, async (emulator) => {
      const c = onEmulator(emulator)
      const token = emulator.issue('recaptcha-enterprise', { action: 'login', hostname: 'shop.example', score: 0.7, reasons: ['LOW_CONFIDENCE_SCORE'] })
      const verdict = await c.assess(token, { expectedAction: 'login', minScore: 0.5, expectedHostname: 'shop.example' })
      assert.equal(verdict.passed, true)
      assert.match(verdict.name, new RegExp(`^projects/${id.projectId}/assessments/[0-9a-f]{16}$`))
      assert.equal(verdict.tokenProperties.action, 'login')
      assert.deepEqual(verdict.riskAnalysis, { score: 0.7, reasons: ['LOW_CONFIDENCE_SCORE'], extendedVerdictReasons: [] })
      const replay = await c.assess(token)
      assert.deepEqual(replay.errorCodes, ['duplicate-token'])
      assert.equal(replay.tokenProperties.invalidReason, 'DUPE')
      assert.deepEqual(await c.annotate(verdict.name, 'LEGITIMATE', { reasons: ['PASSED_TWO_FACTOR'] }), {})
      const [recorded] = emulator.requests()
      assert.equal(recorded.provider, 'recaptcha-enterprise')
      assert.equal(recorded.query, 'key=[redacted]')
    })
  })

  it('an expired token is EXPIRED; each invalidReason claim answers itself', async () => {
    await withEmulator({}, async (emulator) => {
      const c = onEmulator(emulator)
      const token = emulator.issue('recaptcha-enterprise')
      emulator.advanceTime(120_001)
      assert.deepEqual((await c.assess(token)).errorCodes, ['expired-token'])
      for (const [reason, code] of [['MALFORMED', 'malformed-token'], ['EXPIRED', 'expired-token'], ['DUPE', 'duplicate-token'], ['MISSING', 'missing-token'], ['BROWSER_ERROR', 'browser-error'], ['SITE_MISMATCH', 'site-mismatch'], ['UNEXPECTED_ACTION', 'unexpected-action'], ['UNKNOWN_INVALID_REASON', 'invalid-token']]) {
        const verdict = await c.assess(emulator.issue('recaptcha-enterprise', { invalidReason: reason }))
        assert.deepEqual([verdict.tokenProperties.invalidReason, verdict.errorCodes], [reason, [code]])
      }
      assert.deepEqual((await c.assess('forged')).errorCodes, ['malformed-token'])
    })
  })

  it('a token made for another site key is SITE_MISMATCH; the test site keys fix the score', async () => {
    await withEmulator({}, async (emulator) => {
      const c = onEmulator(emulator)
      const { human, bot } = id.testSiteKeys
      const other = emulator.issue('recaptcha-enterprise', { siteKey: human.siteKey })
      assert.deepEqual((await c.assess(other)).errorCodes, ['site-mismatch'])
      const asHuman = await onEmulator(emulator, { siteKey: human.siteKey }).assess('any-token', { minScore: 0.5 })
      assert.equal(asHuman.passed, true)
      assert.equal(asHuman.riskAnalysis.score, human.testingScore)
      const asBot = await onEmulator(emulator, { siteKey: bot.siteKey }).assess('any-token', { minScore: 0.5 })
      assert.deepEqual(asBot.errorCodes, ['score-threshold-not-met'])
      assert.equal(asBot.riskAnalysis.score, bot.testingScore)
    })
  })

  it('a wrong key, another project or an unknown site key: RecaptchaEnterpriseConfigurationError', async () => {
    await withEmulator({}, async (emulator) => {
      const token = emulator.issue('recaptcha-enterprise')
      for (const [options, status, reason] of [
        [{ apiKey: 'AIzaWrongKeyWrongKeyWrong' }, 400, 'API_KEY_INVALID'],
        [{ projectId: 'another-project' }, 403, undefined],
        [{ siteKey: 'not-a-key-of-the-project' }, 400, undefined]
      ]) {
        const { error } = await rejection(onEmulator(emulator, options).assess(token))
        assert.equal(error.constructor, RecaptchaEnterpriseConfigurationError)
        assert.equal(error.status, status)
        assert.equal(error.reason, reason)
        if (options.apiKey) assertNoSecret(error, options.apiKey)
      }
      // The token was never assessed by those requests.
      assert.equal((await onEmulator(emulator).assess(token)).passed, true)
    })
  })

  it('the emulator takes its credentials as options', async () => {
    await withEmulator({ recaptchaEnterpriseApiKey: 'AIzaOtherKey0123', recaptchaEnterpriseProjectId: '987654321', recaptchaEnterpriseSiteKey: 'other-site-key' }, async (emulator) => {
      const c = new RecaptchaEnterprise({ projectId: '987654321', apiKey: 'AIzaOtherKey0123', siteKey: 'other-site-key', endpoint: emulator.url })
      assert.equal((await c.assess(emulator.issue('recaptcha-enterprise'))).passed, true)
      assert.deepEqual(emulator.credentials, { ...emulator.credentials, recaptchaEnterpriseApiKey: 'AIzaOtherKey0123', recaptchaEnterpriseProjectId: '987654321', recaptchaEnterpriseSiteKey: 'other-site-key' })
    })
    await assert.rejects(Emulator.start({ recaptchaEnterpriseProjectId: '../x' }), TypeError)
  })

  it('a fault rule for recaptcha-enterprise makes it unavailable', async () => {
    await withEmulator({}, async (emulator) => {
      emulator.fault({ provider: 'recaptcha-enterprise', kind: 'status', status: 503 })
      const { error } = await rejection(onEmulator(emulator, { retries: 1 }).assess(emulator.issue('recaptcha-enterprise')))
      assert.equal(error.constructor, RecaptchaEnterpriseUnavailableError)
      assert.equal(error.attempts, 2)
    })
  })
})
