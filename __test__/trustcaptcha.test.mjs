// TrustCaptcha against the embedded emulator, row by row of docs/providers/trustcaptcha.md.
import { describe, it, before, after, beforeEach } from 'node:test'
import assert from 'node:assert/strict'
import http from 'node:http'
import { inspect } from 'node:util'
import { createRequire } from 'node:module'
import { trustToken, testIdToken, assertNoSecret, rejection, startProxy, trickleServer } from './helpers.mjs'

const require = createRequire(import.meta.url)
const captcha = require('../index.js')
const {
  TrustCaptcha, VerificationResult, FailoverException, ServerUnreachableException,
  ClientReportedServerUnreachableException, VerificationTokenInvalidException, Emulator
} = captcha

const API_KEY = 'tc-live-6f1d3c2a9b8e7d5c4b3a-secret'
const RESULT_FIELDS = [
  'captchaId', 'verificationId', 'verificationPassed', 'score', 'decisionType', 'decisionAction',
  'gatewayFailoverActive', 'riskScoringEnabled', 'minimalDataModeEnabled', 'origin', 'ipAddress',
  'countryCode', 'deviceFamily', 'operatingSystem', 'browser', 'verificationStartedAt',
  'verificationFinishedAt', 'resultExpiresAt', 'resultFirstFetchedAt', 'resultLastFetchedAt'
]
const EXCEPTIONS = {
  ApiKeyInvalidException: 'The provided api key is invalid. Please verify the api key from your captcha settings.',
  VerificationTokenInvalidException: 'The verification token is malformed or could not be parsed.',
  VerificationNotFoundException: 'No verification could be found for the given verification token.',
  VerificationNotFinishedException: 'The verification is not yet completed. Please wait until the user has finished solving the captcha before requesting the result.',
  VerificationResultExpiredException: 'The verification result has expired and can no longer be retrieved.',
  VerificationResultRetrievalLimitReachedException: 'The verification result has reached its maximum retrieval count and can no longer be retrieved.',
  ServerUnreachableException: 'Could not reach the TrustCaptcha server. This is a high-trust failover signal — your backend was unable to contact our servers.',
  ClientReportedServerUnreachableException: 'The client reported it could not reach the TrustCaptcha server, but the gateway has no record of a recent outage. Treat this with caution: a malicious client may be claiming a failover that did not happen.'
}

let emulator
let client

before(async () => {
  emulator = await Emulator.start({ trustcaptchaApiKey: API_KEY })
  client = new TrustCaptcha({ apiKey: API_KEY, apiHost: emulator.url })
})
after(() => emulator.close())
beforeEach(() => {
  emulator.clearFaults()
  emulator.clearRequests()
})

/** Asserts a rejection of the class with the message, and that the key did not leak into it. */
async function rejectsWith (promise, Class, message = EXCEPTIONS[Class.name]) {
  const { error, ms } = await rejection(promise)
  assert.ok(error instanceof Class, `expected ${Class.name}, got ${inspect(error)}`)
  assert.equal(error.constructor, Class)
  if (message !== undefined) assert.equal(error.message, message)
  assertNoSecret(error, API_KEY)
  return { error, ms }
}


describe('exceptions', () => {
  for (const [name, message] of Object.entries(EXCEPTIONS)) {
    it(`${name}: class, name, default and custom message`, () => {
      const Class = captcha[name]
      const error = new Class()
      assert.ok(error instanceof Class && error instanceof Error)
      assert.equal(error.name, name)
      assert.equal(error.message, message)
      assert.match(String(error.stack), new RegExp(`^${name}: `))
      assert.equal(new Class('mine').message, 'mine')
      const failover = name === 'ServerUnreachableException' || name === 'ClientReportedServerUnreachableException'
      assert.equal(error instanceof FailoverException, failover)
    })
  }

  it('FailoverException is the parent of both failover exceptions and of Error', () => {
    assert.equal(Object.getPrototypeOf(ServerUnreachableException), FailoverException)
    assert.equal(Object.getPrototypeOf(ClientReportedServerUnreachableException), FailoverException)
    assert.ok(new FailoverException('x') instanceof Error)
    assert.equal(new FailoverException('x').name, 'FailoverException')
  })
})

describe('constructor and static shortcut', () => {
  it('a missing options object or a falsy apiKey throws synchronously', () => {
    for (const options of [undefined, null, {}, { apiKey: '' }, { apiKey: null }, { apiKey: 0 }, { apiKey: '   ' }]) {
      assert.throws(() => new TrustCaptcha(options), (error) => {
        assert.equal(error.constructor, Error)
        assert.equal(error.message, 'apiKey must not be null or empty')
        return true
      }, inspect(options))
    }
  })

  it('the static shortcut throws synchronously for an empty key, before any promise', () => {
    assert.throws(() => TrustCaptcha.getVerificationResult('', testIdToken(0)), { message: 'apiKey must not be null or empty' })
  })

  it('options of the wrong type or value throw a TypeError naming the option', () => {
    const cases = [
      [{ apiKey: 42 }, /apiKey must be a string/],
      [{ apiKey: 'k', apiHost: 42 }, /apiHost must be a string/],
      [{ apiKey: 'k', connectTimeoutMs: '100' }, /connectTimeoutMs must be a number/],
      [{ apiKey: 'k', readTimeoutMs: -5 }, /readTimeoutMs must be a number of milliseconds greater than 0/],
      [{ apiKey: 'k', readTimeoutMs: Infinity }, /readTimeoutMs must be/],
      [{ apiKey: 'k', proxy: true }, /proxy must be an object, false or undefined/],
      [{ apiKey: 'k', proxy: { host: 'p', port: 0 } }, /proxy.port must be an integer/],
      [{ apiKey: 'k', proxy: { host: 'p', port: 8080, protocol: 'socks5' } }, /proxy.protocol must be/],
      [{ apiKey: 'k', proxy: { host: 'p', port: 8080, auth: { username: 'u' } } }, /proxy.auth must have/],
      [{ apiKey: 'k\nInjected: header' }, /apiKey contains characters/]
    ]
    for (const [options, message] of cases) {
      assert.throws(() => new TrustCaptcha(options), (error) => error instanceof TypeError && message.test(error.message), inspect(options))
    }
  })

  it('an instance cannot be reconfigured and does not show its key', async () => {
    const instance = new TrustCaptcha({ apiKey: API_KEY, apiHost: emulator.url })
    Object.assign(instance, { apiKey: 'other', apiHost: 'http://127.0.0.1:1', readTimeoutMs: 1 })
    assert.equal((await instance.getVerificationResult(testIdToken(0))).verificationPassed, true)
    assert.equal(emulator.requests().length, 1)
    assert.ok(!inspect(client, { showHidden: true }).includes(API_KEY))
    assert.equal(JSON.stringify(client), '{}')
  })

  it('the key is trimmed', async () => {
    const padded = new TrustCaptcha({ apiKey: `  ${API_KEY}\t`, apiHost: emulator.url })
    const result = await padded.getVerificationResult(testIdToken(0))
    assert.equal(result.verificationPassed, true)
  })

  it('a trailing slash on apiHost does not produce //v2', async () => {
    const slashed = new TrustCaptcha({ apiKey: API_KEY, apiHost: emulator.url + '//' })
    await slashed.getVerificationResult(testIdToken(0))
    assert.equal(emulator.requests()[0].path, `/v2/verifications/${Emulator.identities.trustcaptcha.testVerifications[0].verificationId}/results`)
  })
})

describe('verification token', () => {
  const id = '00000000-0000-0000-0000-000000000000'
  const malformed = [
    ['not base64', '%%%not-base64%%%', 'Invalid Base64-encoded JSON'],
    ['empty', '', 'Invalid Base64-encoded JSON'],
    ['base64 of text', Buffer.from('hello').toString('base64'), 'Invalid Base64-encoded JSON'],
    ['truncated JSON', trustToken({ verificationId: id }).slice(0, 20), 'Invalid Base64-encoded JSON'],
    ['JSON null', trustToken(null), 'Missing required fields in verification token'],
    ['JSON array', trustToken([id]), 'Missing required fields in verification token'],
    ['JSON string', trustToken(id), 'Missing required fields in verification token'],
    ['no verificationId', trustToken({ expiresAt: '2026-01-01T00:00:00Z' }), 'Missing required fields in verification token'],
    ['empty verificationId', trustToken({ verificationId: '' }), 'Missing required fields in verification token'],
    ['null verificationId', trustToken({ verificationId: null }), 'Missing required fields in verification token'],
    ['numeric verificationId', trustToken({ verificationId: 12345 }), 'Invalid UUID in verification token'],
    ['object verificationId', trustToken({ verificationId: { id } }), 'Invalid UUID in verification token'],
    ['not a UUID', trustToken({ verificationId: 'abc' }), 'Invalid UUID in verification token'],
    ['UUID with a suffix', trustToken({ verificationId: id + '0' }), 'Invalid UUID in verification token'],
    ['UUID without hyphens', trustToken({ verificationId: id.replaceAll('-', '') + '1234' }), 'Invalid UUID in verification token'],
    ['test prefix then a path', trustToken({ verificationId: '00000000-0000-0000-0000-00000000000/../../x?y=1#' }), 'Invalid UUID in verification token']
  ]
  for (const [what, token, message] of malformed) {
    it(`${what}: rejects VerificationTokenInvalidException "${message}" with no request`, async () => {
      const pending = client.getVerificationResult(token)
      assert.ok(pending instanceof Promise)
      await rejectsWith(pending, VerificationTokenInvalidException, message)
      assert.equal(emulator.requests().length, 0)
    })
  }

  it('non-string tokens reject (never a TypeError, never a crash)', async () => {
    for (const token of [undefined, null, 42, {}, [], true, Buffer.from('x'), Symbol('t'), () => 1]) {
      await rejectsWith(client.getVerificationResult(token), VerificationTokenInvalidException, 'Invalid Base64-encoded JSON')
    }
    await rejectsWith(client.getVerificationResult('A'.repeat(10 * 1024 * 1024)), VerificationTokenInvalidException, 'Invalid Base64-encoded JSON')
    await rejectsWith(client.getVerificationResult('\uD800\uDFFF\uD800'), VerificationTokenInvalidException, 'Invalid Base64-encoded JSON')
    assert.equal(emulator.requests().length, 0)
  })

  it('hostile ids never change the request path, query or host', async () => {
    const hostile = [
      '00000000-0000-0000-0000-00000000000/../../x?y=1#', '../../../v1/admin', '00000000-0000-0000-0000-000000000000/../1',
      '00000000-0000-0000-0000-000000000000?clientFailover=true', '00000000-0000-0000-0000-000000000000#x',
      '00000000-0000-0000-0000-00000000%2F0', '00000000-0000-0000-0000-000000000000\r\nX-Evil: 1',
      '00000000-0000-0000-0000-00000000000\u0660', 'http://evil.example/', '\u202e00000000-0000-0000-0000-000000000000'
    ]
    for (const verificationId of hostile) {
      await rejectsWith(client.getVerificationResult(trustToken({ verificationId })), VerificationTokenInvalidException, 'Invalid UUID in verification token')
    }
    assert.equal(emulator.requests().length, 0)
  })

  it('decoding is as lenient as Buffer.from(token, "base64"): quotes, junk after padding', async () => {
    const token = testIdToken(0)
    for (const variant of [`"${token}"`, `${token}.`, `${token}==junk`, token.replace(/(.{10})/g, '$1\n')]) {
      assert.equal((await client.getVerificationResult(variant)).verificationPassed, true, variant)
    }
  })

  it('the URL-safe alphabet, missing padding, upper case, nil and max UUIDs are accepted', async () => {
    const issued = JSON.parse(Buffer.from(emulator.issue('trustcaptcha'), 'base64').toString())
    const urlSafe = trustToken({ verificationId: issued.verificationId.toUpperCase(), pad: '??>>' }, 'base64url')
    assert.ok(/[-_]/.test(urlSafe) && !urlSafe.endsWith('='))
    assert.equal((await client.getVerificationResult(urlSafe)).verificationPassed, true)
    for (const verificationId of ['00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff']) {
      emulator.clearRequests()
      await client.getVerificationResult(trustToken({ verificationId })).catch(() => {})
      assert.equal(emulator.requests()[0].path, `/v2/verifications/${verificationId}/results`)
    }
  })

  it('an apiEndpoint in the token is ignored: the configured host is used', async () => {
    let elsewhere = 0
    const other = http.createServer((req, res) => { elsewhere++; res.end('{}') })
    await new Promise((resolve) => other.listen(0, '127.0.0.1', resolve))
    try {
      const token = testIdToken(0, { apiEndpoint: `http://127.0.0.1:${other.address().port}` })
      await client.getVerificationResult(token)
      assert.equal(elsewhere, 0)
      assert.equal(emulator.requests().length, 1)
    } finally {
      other.close()
    }
  })
})

describe('the request', () => {
  it('GET /v2/verifications/<id>/results with the bearer key, Accept and User-Agent', async () => {
    await client.getVerificationResult(testIdToken(0))
    const [request] = emulator.requests()
    assert.equal(request.method, 'GET')
    assert.equal(request.path, `/v2/verifications/${Emulator.identities.trustcaptcha.testVerifications[0].verificationId}/results`)
    assert.equal(request.query, undefined)
    assert.equal(request.headers.accept, 'application/json')
    const userAgent = request.headers['user-agent']
    assert.ok(userAgent.startsWith('Trustcaptcha/'))
    assert.deepEqual(JSON.parse(Buffer.from(userAgent.slice('Trustcaptcha/'.length), 'base64')), { language: 'nodejs', version: '3.0.0' })
  })

  it('clientFailover: true adds ?clientFailover=true and a 412 rejects ClientReportedServerUnreachableException', async () => {
    const { error } = await rejectsWith(client.getVerificationResult(testIdToken(0, { clientFailover: true })), ClientReportedServerUnreachableException)
    assert.ok(error instanceof FailoverException)
    assert.equal(error.status, 412)
    assert.equal(emulator.requests()[0].query, 'clientFailover=true')
  })

  it('clientFailover "true" (a string) does not count', async () => {
    await client.getVerificationResult(testIdToken(0, { clientFailover: 'true' }))
    assert.equal(emulator.requests()[0].query, undefined)
  })

  it('a failover the gateway recorded resolves a FAILOVER result', async () => {
    const token = emulator.issue('trustcaptcha', { clientFailover: true, outageRecorded: true })
    const result = await client.getVerificationResult(token)
    assert.equal(emulator.requests()[0].query, 'clientFailover=true')
    assert.deepEqual([result.decisionType, result.decisionAction, result.gatewayFailoverActive], ['FAILOVER', 'ALLOW', true])
  })

  it('a redirect is not followed', async () => {
    let followed = 0
    const other = http.createServer((req, res) => { followed++; res.end('{}') })
    await new Promise((resolve) => other.listen(0, '127.0.0.1', resolve))
    try {
      emulator.fault({ kind: 'status', status: 302, headers: { location: `http://127.0.0.1:${other.address().port}/v2/x` } })
      const { error } = await rejectsWith(client.getVerificationResult(testIdToken(0)), Error, 'Failed to retrieve verification result, response code: 302')
      assert.equal(error.status, 302)
      assert.equal(followed, 0)
    } finally {
      other.close()
    }
  })
})

describe('the response', () => {
  const mapped = [
    [1, 'VerificationNotFoundException', 404],
    [2, 'VerificationNotFinishedException', 423],
    [3, 'VerificationResultExpiredException', 410],
    [4, 'VerificationResultRetrievalLimitReachedException', 429]
  ]
  for (const [n, name, status] of mapped) {
    it(`test id ...${n}: ${status} rejects ${name}`, async () => {
      const { error } = await rejectsWith(client.getVerificationResult(testIdToken(n)), captcha[name])
      assert.equal(error.status, status)
      assert.ok(!(error instanceof FailoverException))
    })
  }

  it('api key invalid-key (and any wrong key): 403 rejects ApiKeyInvalidException', async () => {
    for (const apiKey of [Emulator.identities.trustcaptcha.invalidApiKey.apiKey, API_KEY + '-wrong']) {
      const wrong = new TrustCaptcha({ apiKey, apiHost: emulator.url })
      const { error } = await rejectsWith(wrong.getVerificationResult(testIdToken(0)), captcha.ApiKeyInvalidException)
      assert.equal(error.status, 403)
      assertNoSecret(error, apiKey)
    }
  })

  for (const status of [301, 400, 401, 500, 503]) {
    it(`any other status (${status}) rejects a plain Error with the status, not a FailoverException`, async () => {
      emulator.fault({ provider: 'trustcaptcha', times: 1, kind: 'status', status, body: '{"message":"nope"}' })
      const { error } = await rejectsWith(client.getVerificationResult(testIdToken(0)), Error, `Failed to retrieve verification result, response code: ${status}`)
      assert.equal(error.status, status)
      assert.equal(error.name, 'Error')
      assert.ok(!(error instanceof FailoverException))
    })
  }

  it('any 2xx with a JSON object resolves its result, not only 200; a 2xx with no body rejects ServerUnreachableException', async () => {
    for (const status of [201, 203]) {
      emulator.fault({ provider: 'trustcaptcha', times: 1, kind: 'status', status, body: '{"verificationPassed":true,"score":0.2}' })
      const result = await client.getVerificationResult(testIdToken(0))
      assert.ok(result instanceof VerificationResult, String(status))
      assert.deepEqual([result.verificationPassed, result.score], [true, 0.2], String(status))
    }
    emulator.fault({ provider: 'trustcaptcha', times: 1, kind: 'status', status: 204 })
    await rejectsWith(client.getVerificationResult(testIdToken(0)), ServerUnreachableException)
  })

  it('a 2xx whose body is not a JSON object rejects ServerUnreachableException', async () => {
    for (const body of ['null', '[1,2]', '"text"', '42', '', '{"truncated":']) {
      emulator.fault({ times: 1, kind: 'status', status: 200, body })
      await rejectsWith(client.getVerificationResult(testIdToken(0)), ServerUnreachableException)
    }
    emulator.fault({ times: 1, kind: 'nonJson' })
    await rejectsWith(client.getVerificationResult(testIdToken(0)), ServerUnreachableException)
  })

  it('resolves a VerificationResult with the 20 fields in order and their types', async () => {
    const token = emulator.issue('trustcaptcha', { verificationPassed: false, score: 0.8, countryCode: 'FR', browser: 'Chrome' })
    const result = await client.getVerificationResult(token)
    assert.ok(result instanceof VerificationResult)
    assert.deepEqual(Object.keys(result), RESULT_FIELDS)
    assert.deepEqual([result.verificationPassed, result.score, result.countryCode, result.browser, result.decisionAction], [false, 0.8, 'FR', 'Chrome', 'BLOCK'])
    for (const field of ['gatewayFailoverActive', 'riskScoringEnabled', 'minimalDataModeEnabled']) assert.equal(typeof result[field], 'boolean')
    for (const field of RESULT_FIELDS.filter((f) => !/Passed|score|Active|Enabled/.test(f))) assert.equal(typeof result[field], 'string', field)
    assert.equal(result.verificationId, JSON.parse(Buffer.from(token, 'base64')).verificationId)
  })

  it('fields missing on the wire are undefined and unknown fields are dropped', async () => {
    emulator.fault({ times: 1, kind: 'status', status: 200, body: '{"verificationPassed":true,"score":"high","apiKey":"x","__proto__":{"polluted":1}}' })
    const result = await client.getVerificationResult(testIdToken(0))
    assert.deepEqual(Object.keys(result), RESULT_FIELDS)
    assert.equal(result.verificationPassed, true)
    assert.equal(result.score, undefined)
    assert.equal(result.captchaId, undefined)
    assert.equal(result.apiKey, undefined)
    assert.equal(result.polluted, undefined)
  })

  it('an issued result can be fetched up to its retrieval limit, then 429', async () => {
    const token = emulator.issue('trustcaptcha', { retrievalLimit: 2 })
    const first = await client.getVerificationResult(token)
    const second = await client.getVerificationResult(token)
    assert.equal(first.resultFirstFetchedAt, second.resultFirstFetchedAt)
    await rejectsWith(client.getVerificationResult(token), captcha.VerificationResultRetrievalLimitReachedException)
  })

  it('an issued result expires when the emulator clock passes its expiry', async () => {
    const token = emulator.issue('trustcaptcha', { resultTtlMs: 60_000 })
    await client.getVerificationResult(token)
    emulator.advanceTime(61_000)
    await rejectsWith(client.getVerificationResult(token), captcha.VerificationResultExpiredException)
  })

  it('an unfinished verification rejects VerificationNotFinishedException', async () => {
    await rejectsWith(client.getVerificationResult(emulator.issue('trustcaptcha', { finished: false })), captcha.VerificationNotFinishedException)
  })
})

describe('no response', () => {
  async function unreachable (promise, cause) {
    const outcome = await rejectsWith(promise, ServerUnreachableException)
    assert.ok(outcome.error instanceof FailoverException)
    if (cause) assert.match(outcome.error.cause.message, cause)
    return outcome
  }

  it('connection refused', async () => {
    const refused = new TrustCaptcha({ apiKey: API_KEY, apiHost: 'http://127.0.0.1:1' })
    await unreachable(refused.getVerificationResult(testIdToken(0)), /connection refused/)
  })

  it('a host that does not resolve', async () => {
    const nowhere = new TrustCaptcha({ apiKey: API_KEY, apiHost: 'http://captcha-native-test.invalid', proxy: false })
    await unreachable(nowhere.getVerificationResult(testIdToken(0)))
  })

  it('a bad apiHost rejects (it does not throw)', async () => {
    for (const apiHost of ['not a url', 'ftp://example.com', 'http://', 'http://h/?q=1', `http://user:pw@${new URL(emulator.url).host}`]) {
      const bad = new TrustCaptcha({ apiKey: API_KEY, apiHost })
      await unreachable(bad.getVerificationResult(testIdToken(0)), /invalid URL/)
    }
  })

  it('the server resets the connection mid-body', async () => {
    emulator.fault({ times: 1, kind: 'reset' })
    await unreachable(client.getVerificationResult(testIdToken(0)))
    assert.equal((await client.getVerificationResult(testIdToken(0))).verificationPassed, true)
  })

  it('the server closes before the status line', async () => {
    // A pool of its own (connectTimeoutMs sets it apart): the request opens a fresh connection,
    // whose loss is an outage. On a pooled connection it would be the keep-alive race, and the
    // GET would be sent once more (keepalive.test.mjs).
    const fresh = new TrustCaptcha({ apiKey: API_KEY, apiHost: emulator.url, connectTimeoutMs: 2999 })
    const seen = emulator.stats().requests
    emulator.fault({ times: 1, kind: 'close' })
    await unreachable(fresh.getVerificationResult(testIdToken(0)), /connection reset or closed/)
    assert.equal(emulator.stats().requests - seen, 1, 'not repeated')
    assert.equal((await fresh.getVerificationResult(testIdToken(0))).verificationPassed, true)
  })

  it('a body over 1 MiB is refused without reading it all', async () => {
    emulator.fault({ times: 1, kind: 'hugeBody', mib: 64 })
    await unreachable(client.getVerificationResult(testIdToken(0)), /larger than 1048576 bytes/)
  })

  it('a streamed body with no length is cut off at 1 MiB, not read to its end', async () => {
    let sent = 0
    let finished = false
    const streaming = http.createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      const chunk = Buffer.alloc(64 * 1024, 32)
      const pump = () => {
        while (sent < 64 * 1024 * 1024) {
          sent += chunk.length
          if (!res.write(chunk)) return res.once('drain', pump)
        }
        finished = true
        res.end()
      }
      res.write('{"padding":"')
      pump()
      res.on('close', () => { streaming.closeAllConnections() })
    })
    await new Promise((resolve) => streaming.listen(0, '127.0.0.1', resolve))
    try {
      const chunked = new TrustCaptcha({ apiKey: API_KEY, apiHost: `http://127.0.0.1:${streaming.address().port}` })
      await unreachable(chunked.getVerificationResult(testIdToken(0)), /larger than 1048576 bytes/)
      assert.ok(!finished, `the client read the whole ${sent} bytes`)
    } finally {
      streaming.closeAllConnections()
      streaming.close()
    }
  })

  it('a hanging server rejects within readTimeoutMs + 10%', async () => {
    const readTimeoutMs = 600
    const patient = new TrustCaptcha({ apiKey: API_KEY, apiHost: emulator.url, readTimeoutMs })
    emulator.fault({ times: 1, kind: 'hang' })
    const { ms } = await unreachable(patient.getVerificationResult(testIdToken(0)), /no complete answer within 600 ms/)
    assert.ok(ms >= readTimeoutMs * 0.9 && ms <= readTimeoutMs * 1.1, `rejected after ${ms} ms`)
  })

  it('readTimeoutMs is a deadline on the whole request, not an idle timer: a body trickling a byte every 100 ms', async () => {
    const readTimeoutMs = 600
    const trickle = await trickleServer()
    try {
      const patient = new TrustCaptcha({ apiKey: API_KEY, apiHost: trickle.url, readTimeoutMs })
      const { ms } = await unreachable(patient.getVerificationResult(testIdToken(0)), /no complete answer within 600 ms/)
      assert.ok(ms >= readTimeoutMs - 10 && ms < readTimeoutMs * 1.1 + 200, `rejected after ${ms} ms`)
    } finally {
      await trickle.close()
    }
  })

  it('a slow answer within the deadline resolves', async () => {
    const patient = new TrustCaptcha({ apiKey: API_KEY, apiHost: emulator.url, readTimeoutMs: 2000 })
    emulator.fault({ times: 1, kind: 'delay', ms: 300 })
    assert.equal((await patient.getVerificationResult(testIdToken(0))).verificationPassed, true)
  })

  it('a connect timeout fires on its own, well before the read deadline', async () => {
    const apiHost = await emulator.blackholeUrl()
    const connectTimeoutMs = 300
    const impatient = new TrustCaptcha({ apiKey: API_KEY, apiHost, connectTimeoutMs, readTimeoutMs: 5000 })
    const { ms } = await unreachable(impatient.getVerificationResult(testIdToken(0)), /connect timeout/)
    assert.ok(ms >= connectTimeoutMs * 0.9 && ms <= connectTimeoutMs * 1.1 + 100, `rejected after ${ms} ms`)
  })

  it('connectTimeoutMs defaults to 3000 ms', async () => {
    const apiHost = await emulator.blackholeUrl()
    const defaulted = new TrustCaptcha({ apiKey: API_KEY, apiHost, readTimeoutMs: 10_000 })
    const { ms } = await unreachable(defaulted.getVerificationResult(testIdToken(0)), /connect timeout/)
    assert.ok(ms >= 2700 && ms <= 3600, `rejected after ${ms} ms`)
  })
})

describe('proxy', () => {
  it('goes through a proxy object without credentials', async () => {
    const proxy = await startProxy()
    try {
      const proxied = new TrustCaptcha({ apiKey: API_KEY, apiHost: emulator.url, proxy: { host: proxy.host, port: proxy.port } })
      assert.equal((await proxied.getVerificationResult(testIdToken(0))).verificationPassed, true)
      assert.deepEqual(proxy.seen.map((r) => [r.method, r.url]), [['GET', `${emulator.url}/v2/verifications/${Emulator.identities.trustcaptcha.testVerifications[0].verificationId}/results`]])
      assert.equal(emulator.requests().length, 1)
    } finally {
      await proxy.close()
    }
  })

  it('sends the proxy credentials, and a refused login rejects without the password', async () => {
    const credentials = { username: 'proxy-user', password: 'proxy-pass-7c1e9' }
    const proxy = await startProxy({ credentials })
    try {
      const options = { apiKey: API_KEY, apiHost: emulator.url, proxy: { protocol: 'http', host: proxy.host, port: proxy.port, auth: credentials } }
      assert.equal((await new TrustCaptcha(options).getVerificationResult(testIdToken(0))).verificationPassed, true)
      assert.equal(proxy.seen[0].proxyAuthorization, 'Basic ' + Buffer.from('proxy-user:proxy-pass-7c1e9').toString('base64'))

      const wrong = new TrustCaptcha({ ...options, proxy: { ...options.proxy, auth: { username: 'proxy-user', password: 'wrong-pass-55' } } })
      const { error } = await rejectsWith(wrong.getVerificationResult(testIdToken(0)), Error, 'Failed to retrieve verification result, response code: 407')
      assertNoSecret(error, 'wrong-pass-55')
    } finally {
      await proxy.close()
    }
  })

  it('proxy: false connects directly', async () => {
    const direct = new TrustCaptcha({ apiKey: API_KEY, apiHost: emulator.url, proxy: false })
    assert.equal((await direct.getVerificationResult(testIdToken(0))).verificationPassed, true)
  })
})

describe('sharing one instance', () => {
  it('1000 concurrent calls share a bounded number of pooled connections', async () => {
    const pool = await Emulator.start({ trustcaptchaApiKey: API_KEY })
    try {
      const shared = new TrustCaptcha({ apiKey: API_KEY, apiHost: pool.url, connectTimeoutMs: 2999 })
      const burst = () => Promise.all(Array.from({ length: 1000 }, () => shared.getVerificationResult(testIdToken(0))))
      const first = await burst()
      assert.equal(first.length, 1000)
      const afterFirst = pool.stats()
      // 64 requests in flight at most; connections opened while waiting for a free one are
      // kept idle in the pool, so the count stays below twice that.
      assert.ok(afterFirst.connectionsAccepted <= 128, `opened ${afterFirst.connectionsAccepted} connections`)
      await burst()
      const afterSecond = pool.stats()
      assert.equal(afterSecond.requests, 2000)
      assert.equal(afterSecond.connectionsAccepted, afterFirst.connectionsAccepted, 'the second burst reuses the pool')
    } finally {
      await pool.close()
    }
  })
})

describe('an instance per call', () => {
  it('reuses pooled connections, as the static shortcut does: no client is built per call', async () => {
    const pool = await Emulator.start({ trustcaptchaApiKey: API_KEY })
    try {
      for (let i = 0; i < 10; i++) {
        const fresh = new TrustCaptcha({ apiKey: API_KEY, apiHost: pool.url })
        assert.equal((await fresh.getVerificationResult(testIdToken(0))).verificationPassed, true)
      }
      assert.deepEqual([pool.stats().requests, pool.stats().connectionsAccepted], [10, 1])
    } finally {
      await pool.close()
    }
  })
})

describe('one provider hanging', () => {
  it('does not hold up calls to another host: the in-flight limit is per origin', async () => {
    const healthy = await Emulator.start({ trustcaptchaApiKey: API_KEY })
    try {
      emulator.fault({ kind: 'hang' })
      const hung = new TrustCaptcha({ apiKey: API_KEY, apiHost: emulator.url, readTimeoutMs: 3000 })
      const stuck = Array.from({ length: 70 }, () => hung.getVerificationResult(testIdToken(0)).catch((e) => e))
      while (emulator.stats().requests < 64) await new Promise((resolve) => setTimeout(resolve, 5))
      const other = new TrustCaptcha({ apiKey: API_KEY, apiHost: healthy.url, readTimeoutMs: 1000 })
      assert.equal((await other.getVerificationResult(testIdToken(0))).verificationPassed, true)
      for (const error of await Promise.all(stuck)) assert.ok(error instanceof ServerUnreachableException)
    } finally {
      await healthy.close()
    }
  })
})

describe('secrets', () => {
  it('no error of any path shows the API key', async () => {
    const paths = [
      client.getVerificationResult('garbage'),
      client.getVerificationResult(testIdToken(1)),
      new TrustCaptcha({ apiKey: API_KEY, apiHost: 'http://127.0.0.1:1' }).getVerificationResult(testIdToken(0)),
      new TrustCaptcha({ apiKey: API_KEY, apiHost: `http://${API_KEY}.invalid` }).getVerificationResult(testIdToken(0)),
      new TrustCaptcha({ apiKey: API_KEY + 'x', apiHost: emulator.url }).getVerificationResult(testIdToken(0))
    ]
    for (const settled of await Promise.allSettled(paths)) {
      assert.equal(settled.status, 'rejected')
      assertNoSecret(settled.reason, API_KEY)
    }
  })
})
