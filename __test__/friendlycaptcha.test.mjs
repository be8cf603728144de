// Friendly Captcha v2, the drop-in for `@friendlycaptcha/server-sdk`: every row of
// docs/providers/friendly-captcha.md, against a capturing server and the embedded emulator.
import { describe, it, after } from 'node:test'
import assert from 'node:assert/strict'
import { inspect } from 'node:util'
import { createRequire } from 'node:module'
import { captureServers, closedPort, startProxy, trickleServer, withEmulator } from './helpers.mjs'

const require = createRequire(import.meta.url)
const captcha = require('../index.js')
const {
  FriendlyCaptchaClient, VerifyResult, RiskIntelligenceRetrieveResult, FAILED_TO_ENCODE_ERROR_CODE, REQUEST_FAILED_ERROR_CODE,
  REQUEST_FAILED_TIMEOUT_ERROR_CODE, FAILED_DUE_TO_CLIENT_ERROR_CODE, FAILED_TO_DECODE_RESPONSE_ERROR_CODE,
  isProviderUnavailable, Emulator
} = captcha
const { version } = require('../package.json')

const KEY = 'frc-test-api-key-s3cret'
const capture = captureServers(after)

/** A client of `options` posting to `url`. */
const client = (url, options = {}) => new FriendlyCaptchaClient({ apiKey: KEY, apiEndpoint: url, ...options })

/** What each `VerifyResult` method says, in one object to compare. */
function states (result) {
  return {
    shouldAccept: result.shouldAccept(),
    shouldReject: result.shouldReject(),
    wasAbleToVerify: result.wasAbleToVerify(),
    isClientError: result.isClientError(),
    isRequestOrTimeoutError: result.isRequestOrTimeoutError(),
    isDecodeError: result.isDecodeError(),
    isEncodeError: result.isEncodeError(),
    getErrorCode: result.getErrorCode(),
    status: result.status
  }
}

/** The result of verifying 'token' against a server answering `answer`, strict and not. */
async function both (answer) {
  const server = await capture(() => answer)
  const results = []
  for (const strict of [false, true]) results.push(await client(server.url, { strict }).verifyCaptchaResponse('token'))
  return results
}

const error = (code) => ({ success: false, error: { error_code: code, detail: `detail of ${code}` } })
const success = {
  success: true,
  data: { event_id: 'evt_1', challenge: { timestamp: '2026-01-01T00:00:00Z', origin: 'https://example.com' }, risk_intelligence: null }
}

describe('Friendly Captcha: the request (docs/providers/friendly-captcha.md, "The request")', () => {
  it('is one POST of {"response"} as JSON to /api/v2/captcha/siteverify with the SDK\'s headers, X-Api-Key and our Frc-Sdk', async () => {
    const server = await capture(() => ({ body: success }))
    await client(server.url).verifyCaptchaResponse('the-token')
    assert.equal(server.seen.length, 1)
    const [request] = server.seen
    assert.equal(request.method, 'POST')
    assert.equal(request.path, '/api/v2/captcha/siteverify')
    assert.equal(request.body, '{"response":"the-token"}')
    assert.equal(request.headers['content-type'], 'application/json')
    assert.equal(request.headers.accept, 'application/json')
    assert.equal(request.headers['x-api-key'], KEY)
    assert.equal(request.headers['frc-sdk'], `captcha-native@${version}`)
  })

  it('sends the constructor\'s sitekey over a call\'s, a call\'s when the constructor has none, none otherwise', async () => {
    const server = await capture(() => ({ body: success }))
    await client(server.url, { sitekey: 'ctor' }).verifyCaptchaResponse('t', { sitekey: 'call' })
    await client(server.url).verifyCaptchaResponse('t', { sitekey: 'call' })
    await client(server.url, { sitekey: '' }).verifyCaptchaResponse('t', { sitekey: 'call' })
    await client(server.url).verifyCaptchaResponse('t')
    assert.deepEqual(server.seen.map((r) => r.body), [
      '{"response":"t","sitekey":"ctor"}',
      '{"response":"t","sitekey":"call"}',
      '{"response":"t","sitekey":"call"}',
      '{"response":"t"}'
    ])
  })

  it('takes "global", "eu" or a URL\'s origin (path, query and fragment stripped); siteverifyEndpoint when apiEndpoint is not given', async () => {
    const endpoint = (options) => new FriendlyCaptchaClient({ apiKey: KEY, ...options }).getSiteverifyEndpoint()
    assert.equal(endpoint({}), 'https://global.frcapi.com/api/v2/captcha/siteverify')
    assert.equal(endpoint({ apiEndpoint: 'global' }), 'https://global.frcapi.com/api/v2/captcha/siteverify')
    assert.equal(endpoint({ apiEndpoint: 'eu' }), 'https://eu.frcapi.com/api/v2/captcha/siteverify')
    assert.equal(endpoint({ siteverifyEndpoint: 'eu' }), 'https://eu.frcapi.com/api/v2/captcha/siteverify')
    assert.equal(endpoint({ apiEndpoint: 'global', siteverifyEndpoint: 'eu' }), 'https://global.frcapi.com/api/v2/captcha/siteverify')
    assert.equal(endpoint({ siteverifyEndpoint: 'https://api.example.com/api/v1/captcha/siteverify?x=1#y' }), 'https://api.example.com/api/v2/captcha/siteverify')
    const server = await capture(() => ({ body: success }))
    await client(`${server.url}/some/path?q=1`).verifyCaptchaResponse('t')
    assert.equal(server.seen[0].path, '/api/v2/captcha/siteverify')
  })

  it('refuses an endpoint that is no http(s) URL or holds credentials, with a TypeError that does not quote them', () => {
    for (const apiEndpoint of ['EU', 'api.example.com', 'ftp://example.com', 'http://user:pa55word@example.com', 'file:///etc']) {
      assert.throws(() => client(apiEndpoint), (e) => e instanceof TypeError && /apiEndpoint/.test(e.message) && !e.message.includes('pa55word'), apiEndpoint)
    }
  })

  it('never lets the response steer the host, path or headers', async () => {
    const server = await capture(() => ({ body: success }))
    const hostile = '../../x?y=1#z\r\nX-Api-Key: other\r\n'
    await client(server.url).verifyCaptchaResponse(hostile)
    assert.equal(server.seen[0].path, '/api/v2/captcha/siteverify')
    assert.equal(server.seen[0].headers['x-api-key'], KEY)
    assert.deepEqual(JSON.parse(server.seen[0].body), { response: hostile })
  })
})

describe('Friendly Captcha: the constructor (docs/providers/friendly-captcha.md, "The client")', () => {
  it('throws the SDK\'s Error for a missing or empty apiKey', () => {
    for (const options of [{}, { apiKey: '' }, { apiKey: undefined }, { apiKey: null }]) {
      assert.throws(() => new FriendlyCaptchaClient(options), (e) => e.constructor === Error && e.message === 'api key is required')
    }
  })

  it('throws a TypeError for options of the wrong type', () => {
    for (const options of [undefined, null, 'key', { apiKey: 5 }, { apiKey: KEY, sitekey: 5 }, { apiKey: KEY, apiEndpoint: 5 },
      { apiKey: KEY, siteverifyEndpoint: {} }, { apiKey: KEY, strict: 'yes' }, { apiKey: KEY, proxy: 'http://p' }, { apiKey: KEY, ca: 5 }]) {
      assert.throws(() => new FriendlyCaptchaClient(options), TypeError, inspect(options))
    }
  })

  it('refuses the fetch option with a TypeError pointing at apiEndpoint and the emulator', () => {
    assert.throws(() => new FriendlyCaptchaClient({ apiKey: KEY, fetch: globalThis.fetch }),
      (e) => e instanceof TypeError && /apiEndpoint/.test(e.message) && /emulator/i.test(e.message))
  })
})

describe('Friendly Captcha: each VerifyResult state (docs/providers/friendly-captcha.md, "The answers")', () => {
  const base = {
    shouldAccept: false, shouldReject: true, wasAbleToVerify: false, isClientError: false, isRequestOrTimeoutError: false,
    isDecodeError: false, isEncodeError: false, getErrorCode: null
  }

  it('a 200 success: accepted in both modes, verified, the response passed through', async () => {
    for (const result of await both({ body: success })) {
      assert.deepEqual(states(result), { ...base, shouldAccept: true, shouldReject: false, wasAbleToVerify: true, status: 200 })
      assert.deepEqual(result.getResponse(), success)
      assert.equal(result.getResponseError(), null)
      assert.equal(isProviderUnavailable(result), false)
    }
  })

  for (const code of ['response_invalid', 'response_timeout', 'response_duplicate']) {
    it(`a 200 ${code}: rejected in both modes, verified, getResponseError() says why`, async () => {
      for (const result of await both({ body: error(code) })) {
        assert.deepEqual(states(result), { ...base, wasAbleToVerify: true, status: 200 })
        assert.deepEqual(result.getResponseError(), error(code).error)
      }
    })
  }

  for (const [status, code] of [[401, 'auth_required'], [401, 'auth_invalid'], [400, 'sitekey_invalid'], [400, 'bad_request'], [429, 'bad_request']]) {
    it(`a ${status} ${code}: a client error, accepted unless strict`, async () => {
      const [open, strict] = await both({ status, body: error(code) })
      for (const result of [open, strict]) {
        assert.deepEqual(states(result), {
          ...base, isClientError: true, getErrorCode: FAILED_DUE_TO_CLIENT_ERROR_CODE, status, shouldAccept: !result.isStrict(), shouldReject: result.isStrict()
        })
        assert.deepEqual(result.getResponseError(), error(code).error)
      }
      assert.equal(open.shouldAccept(), true)
      assert.equal(strict.shouldAccept(), false)
    })
  }

  it('a 5xx with a JSON body: a failed request (the SDK throws here), accepted unless strict', async () => {
    const [open, strict] = await both({ status: 500, body: error('internal_server_error') })
    assert.deepEqual(states(open), { ...base, shouldAccept: true, shouldReject: false, isRequestOrTimeoutError: true, getErrorCode: REQUEST_FAILED_ERROR_CODE, status: 500 })
    assert.deepEqual(states(strict), { ...base, isRequestOrTimeoutError: true, getErrorCode: REQUEST_FAILED_ERROR_CODE, status: 500 })
    assert.deepEqual(open.getResponseError(), error('internal_server_error').error)
    assert.equal(isProviderUnavailable(open), true)
  })

  it('a 200 whose body is a JSON array: the response, as the SDK keeps it (`typeof [] === "object"`): verified, and refused in both modes', async () => {
    const [open, strict] = await both({ status: 200, body: '[1]' })
    for (const result of [open, strict]) {
      assert.deepEqual(states(result), { ...base, wasAbleToVerify: true, status: 200 })
      assert.deepEqual(result.getResponse(), [1])
    }
  })

  for (const [status, body] of [[200, '<html>'], [200, '"text"'], [200, 'null'], [200, ''], [502, 'Bad Gateway'], [400, 'nope']]) {
    it(`a ${status} whose body is not a JSON object (${JSON.stringify(body)}): a decode error, accepted unless strict`, async () => {
      const [open, strict] = await both({ status, body, headers: { 'content-type': 'text/plain' } })
      assert.deepEqual(states(open), { ...base, shouldAccept: true, shouldReject: false, isDecodeError: true, getErrorCode: FAILED_TO_DECODE_RESPONSE_ERROR_CODE, status })
      assert.deepEqual(states(strict), { ...base, isDecodeError: true, getErrorCode: FAILED_TO_DECODE_RESPONSE_ERROR_CODE, status })
      assert.equal(open.getResponse(), null)
    })
  }

  it('no answer within the timeout: a timeout, accepted unless strict, status -1', async () => {
    const server = await trickleServer()
    try {
      for (const strict of [false, true]) {
        const result = await client(server.url, { strict }).verifyCaptchaResponse('t', { timeout: 300 })
        assert.deepEqual(states(result), {
          ...base, isRequestOrTimeoutError: true, getErrorCode: REQUEST_FAILED_TIMEOUT_ERROR_CODE, status: -1, shouldAccept: !strict, shouldReject: strict
        })
        assert.equal(isProviderUnavailable(result), true)
      }
    } finally {
      await server.close()
    }
  })

  it('a refused connection: a failed request, accepted unless strict, status -1', async () => {
    const port = await closedPort()
    for (const strict of [false, true]) {
      const result = await client(`http://127.0.0.1:${port}`, { strict }).verifyCaptchaResponse('t')
      assert.deepEqual(states(result), {
        ...base, isRequestOrTimeoutError: true, getErrorCode: REQUEST_FAILED_ERROR_CODE, status: -1, shouldAccept: !strict, shouldReject: strict
      })
    }
  })

  it('has the SDK\'s own fields, in its order, and nothing else enumerable', async () => {
    const [result] = await both({ body: success })
    assert.ok(result instanceof VerifyResult)
    // The SDK's constructor sets strict last (friendlycaptcha-original.test.mjs compares with it).
    assert.deepEqual(Object.keys(result), ['status', 'response', 'clientErrorType', 'strict'])
    const made = new VerifyResult(false)
    made.status = 200
    made.response = success
    assert.deepEqual(result, made)
  })

  it('exports the SDK\'s client error codes with its values', () => {
    assert.deepEqual([FAILED_TO_ENCODE_ERROR_CODE, REQUEST_FAILED_ERROR_CODE, REQUEST_FAILED_TIMEOUT_ERROR_CODE, FAILED_DUE_TO_CLIENT_ERROR_CODE, FAILED_TO_DECODE_RESPONSE_ERROR_CODE], [
      'failed_to_encode_request', 'request_failed', 'request_failed_due_to_timeout', 'request_failed_due_to_client_error', 'verification_response_could_not_be_decoded'
    ])
  })
})

describe('Friendly Captcha: the differences (docs/providers/friendly-captcha.md, "Differences from the SDK")', () => {
  it('refuses an empty, missing or non-string response without a request, in both modes, as the API\'s response_missing', async () => {
    const server = await capture(() => ({ body: success }))
    for (const strict of [false, true]) {
      const c = client(server.url, { strict })
      for (const response of ['', undefined, null, 5, {}, ['t'], Symbol('t'), () => 't']) {
        const result = await c.verifyCaptchaResponse(response)
        assert.equal(result.shouldAccept(), false, inspect(response))
        assert.equal(result.shouldReject(), true)
        assert.equal(result.isEncodeError(), true)
        assert.equal(result.wasAbleToVerify(), true)
        assert.equal(result.getErrorCode(), FAILED_TO_ENCODE_ERROR_CODE)
        assert.equal(result.status, -1)
        assert.equal(result.getResponseError().error_code, 'response_missing')
        assert.equal(isProviderUnavailable(result), false)
      }
    }
    assert.equal(server.seen.length, 0)
  })

  it('never rejects and never throws, whatever the arguments', () => neverThrows('verifyCaptchaResponse'))

  it('leaves no timer or handle pending once a result is in (the deadline is native)', () => leavesNoTimer('verifyCaptchaResponse'))

  it('never shows the API key: not in the client, a result, its JSON or inspect, even when the server echoes it', () => neverShowsKey('verifyCaptchaResponse'))
})

describe('Friendly Captcha: proxy and ca (docs/providers/friendly-captcha.md, "The client")', () => {
  it('goes through the proxy option', async () => {
    const server = await capture(() => ({ body: success }))
    const proxy = await startProxy()
    try {
      const result = await client(server.url, { proxy: { host: proxy.host, port: proxy.port } }).verifyCaptchaResponse('t')
      assert.equal(result.shouldAccept(), true)
      assert.ok(proxy.seen.some((r) => r.url.includes('/api/v2/captcha/siteverify')), inspect(proxy.seen))
    } finally {
      await proxy.close()
    }
  })

  it('trusts the ca option (and without it, an unknown certificate is a failed request)', async () => {
    await withEmulator({ tls: true }, async (emulator) => {
      const options = { apiKey: emulator.credentials.friendlyCaptchaApiKey, apiEndpoint: emulator.url, proxy: false }
      const trusted = await new FriendlyCaptchaClient({ ...options, ca: emulator.certificate }).verifyCaptchaResponse(emulator.issue('friendly-captcha'))
      assert.equal(trusted.wasAbleToVerify(), true)
      assert.equal(trusted.shouldAccept(), true)
      const untrusted = await new FriendlyCaptchaClient(options).verifyCaptchaResponse(emulator.issue('friendly-captcha'))
      assert.equal(untrusted.getErrorCode(), REQUEST_FAILED_ERROR_CODE)
    })
  })
})

describe('Friendly Captcha: against the emulator (docs/emulator.md, "Friendly Captcha")', () => {
  it('accepts an issued response with its data, then answers a replay response_duplicate', async () => {
    await withEmulator({}, async (emulator) => {
      const c = new FriendlyCaptchaClient({ apiKey: emulator.credentials.friendlyCaptchaApiKey, apiEndpoint: emulator.url })
      const token = emulator.issue('friendly-captcha', { origin: 'https://shop.example' })
      const first = await c.verifyCaptchaResponse(token)
      assert.equal(first.shouldAccept(), true)
      assert.equal(first.wasAbleToVerify(), true)
      assert.equal(first.getResponse().data.challenge.origin, 'https://shop.example')
      assert.match(first.getResponse().data.event_id, /^evt_/)
      assert.equal(first.getResponse().data.risk_intelligence.client.browser.id, 'firefox')
      const replay = await c.verifyCaptchaResponse(token)
      assert.equal(replay.shouldReject(), true)
      assert.equal(replay.getResponseError().error_code, 'response_duplicate')
      assert.equal(emulator.requests().at(-1).headers['x-api-key'], '[redacted]')
    })
  })

  it('answers an expired response response_timeout', async () => {
    await withEmulator({}, async (emulator) => {
      const c = new FriendlyCaptchaClient({ apiKey: emulator.credentials.friendlyCaptchaApiKey, apiEndpoint: emulator.url })
      const token = emulator.issue('friendly-captcha', { expiresInMs: 1000 })
      emulator.advanceTime(1001)
      const result = await c.verifyCaptchaResponse(token)
      assert.equal(result.shouldReject(), true)
      assert.equal(result.getResponseError().error_code, 'response_timeout')
    })
  })

  it('passes the risk intelligence and the challenge timestamp through', async () => {
    await withEmulator({}, async (emulator) => {
      const c = new FriendlyCaptchaClient({ apiKey: emulator.credentials.friendlyCaptchaApiKey, apiEndpoint: emulator.url })
      const riskIntelligence = { risk_scores: { overall: 5, network: 4, browser: 5 }, network: { ip: '203.0.113.9' }, client: { header_user_agent: 'curl/8' } }
      const result = await c.verifyCaptchaResponse(emulator.issue('friendly-captcha', { riskIntelligence, ageMs: 60_000 }))
      assert.deepEqual(result.getResponse().data.risk_intelligence, riskIntelligence)
      assert.ok(Date.parse(result.getResponse().data.challenge.timestamp) <= Date.now() - 59_000)
    })
  })

  it('answers a wrong sitekey sitekey_invalid (400) and a wrong key auth_invalid (401): client errors', async () => {
    await withEmulator({}, async (emulator) => {
      const apiKey = emulator.credentials.friendlyCaptchaApiKey
      const wrongSitekey = await new FriendlyCaptchaClient({ apiKey, apiEndpoint: emulator.url, sitekey: 'other', strict: true }).verifyCaptchaResponse(emulator.issue('friendly-captcha'))
      assert.deepEqual([wrongSitekey.status, wrongSitekey.getErrorCode(), wrongSitekey.getResponseError().error_code, wrongSitekey.shouldAccept()],
        [400, FAILED_DUE_TO_CLIENT_ERROR_CODE, 'sitekey_invalid', false])
      const rightSitekey = await new FriendlyCaptchaClient({ apiKey, apiEndpoint: emulator.url, sitekey: emulator.credentials.friendlyCaptchaSitekey }).verifyCaptchaResponse(emulator.issue('friendly-captcha'))
      assert.equal(rightSitekey.shouldAccept(), true)
      const wrongKey = await new FriendlyCaptchaClient({ apiKey: 'wrong', apiEndpoint: emulator.url }).verifyCaptchaResponse(emulator.issue('friendly-captcha'))
      assert.deepEqual([wrongKey.status, wrongKey.isClientError(), wrongKey.getResponseError().error_code, wrongKey.shouldAccept()],
        [401, true, 'auth_invalid', true])
    })
  })

  it('has its credentials and identities, by the documented defaults', () => {
    assert.deepEqual(Emulator.identities['friendly-captcha'], { apiKey: 'emulator-friendly-captcha-api-key', sitekey: 'emulator-friendly-captcha-sitekey' })
  })
})

// ---------------------------------------------------------------------------------------------
// retrieveRiskIntelligence (docs/providers/friendly-captcha.md, "Risk Intelligence retrieve")

const RETRIEVE_PATH = '/api/v2/riskIntelligence/retrieve'
const retrieved = {
  success: true,
  data: {
    event_id: 'evt_2',
    token: { timestamp: '2026-03-05T11:22:51.922Z', expires_at: '2026-03-05T11:37:51.922Z', num_uses: 1, origin: 'https://example.com' },
    risk_intelligence: { risk_scores: { overall: 1, network: 1, browser: 1 }, network: { ip: '203.0.113.9' }, client: { header_user_agent: 'ua' } }
  }
}

/** What each `RiskIntelligenceRetrieveResult` method says, in one object to compare. */
function retrieveStates (result) {
  return {
    isValid: result.isValid(),
    wasAbleToRetrieve: result.wasAbleToRetrieve(),
    isClientError: result.isClientError(),
    clientErrorType: result.clientErrorType,
    status: result.status
  }
}

/** The result of retrieving 'token' from a server answering `answer`, by a strict and a non-strict client. */
async function bothRetrieve (answer) {
  const server = await capture(() => answer)
  const results = []
  for (const strict of [false, true]) results.push(await client(server.url, { strict }).retrieveRiskIntelligence('token'))
  return results
}

// ---------------------------------------------------------------------------------------------
// What both calls promise alike, each asserted of either call

/** Each call of the client: the class it resolves, a server's answer it succeeds with, and its verdict. */
const CALLS = {
  verifyCaptchaResponse: { Result: VerifyResult, answer: () => ({ body: success }), verdict: (result) => result.shouldAccept() },
  retrieveRiskIntelligence: { Result: RiskIntelligenceRetrieveResult, answer: () => ({ body: retrieved }), verdict: (result) => result.isValid() }
}

/** `method` resolves its result, never rejecting and never throwing, whatever its arguments. */
async function neverThrows (method) {
  const { Result, answer, verdict } = CALLS[method]
  const server = await capture(answer)
  const c = client(server.url)
  const throwing = new Proxy({}, { get () { throw new Error('trap') }, has () { throw new Error('trap') }, ownKeys () { throw new Error('trap') } })
  const getters = { get timeout () { throw new Error('getter') }, get sitekey () { throw new Error('getter') } }
  const cases = [
    ['t', throwing], ['t', getters], ['t', 'opts'], ['t', 5], ['t', { timeout: '100' }], ['t', { timeout: -1 }], ['t', { timeout: NaN }],
    ['t', { timeout: Infinity }], ['t', { sitekey: 5 }], [throwing, undefined], [new String('t'), undefined], ['\u0000\ud800', undefined],
    ['x'.repeat(200_000), undefined]
  ]
  for (const [value, opts] of cases) {
    let pending
    assert.doesNotThrow(() => { pending = c[method](value, opts) })
    const result = await pending
    assert.ok(result instanceof Result)
    assert.equal(typeof verdict(result), 'boolean')
  }
}

/** `method` leaves no timer or handle pending once its result is in (the deadline is native). */
async function leavesNoTimer (method) {
  const { answer, verdict } = CALLS[method]
  const server = await capture(answer)
  const before = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length
  const result = await client(server.url)[method]('t', { timeout: 60_000 })
  assert.equal(verdict(result), true)
  assert.equal(process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length, before)
}

/** Neither the client nor `method`'s result, its JSON or inspect shows the API key, even when the server echoes it. */
async function neverShowsKey (method) {
  const server = await capture((request) => ({ status: 401, body: { success: false, error: { error_code: 'auth_invalid', detail: `echo ${KEY} ${request.headers['x-api-key']}` }, [KEY]: KEY } }))
  const c = client(server.url)
  const result = await c[method]('t')
  assert.equal(result.isClientError(), true)
  for (const view of [inspect(c, { showHidden: true, depth: 10 }), JSON.stringify(c), inspect(result, { showHidden: true, depth: 10 }), JSON.stringify(result), String(result.getResponseError()?.detail)]) {
    assert.ok(!view.includes(KEY), view)
  }
  assert.match(result.getResponseError().detail, /\[redacted\]/)
}

describe('Friendly Captcha retrieve: the request (docs/providers/friendly-captcha.md, "Risk Intelligence retrieve")', () => {
  it('is one POST of {"token"} as JSON to /api/v2/riskIntelligence/retrieve with the siteverify headers', async () => {
    const server = await capture(() => ({ body: retrieved }))
    await client(server.url).retrieveRiskIntelligence('the-token')
    assert.equal(server.seen.length, 1)
    const [request] = server.seen
    assert.equal(request.method, 'POST')
    assert.equal(request.path, RETRIEVE_PATH)
    assert.equal(request.body, '{"token":"the-token"}')
    assert.equal(request.headers['content-type'], 'application/json')
    assert.equal(request.headers.accept, 'application/json')
    assert.equal(request.headers['x-api-key'], KEY)
    assert.equal(request.headers['frc-sdk'], `captcha-native@${version}`)
  })

  it('sends the constructor\'s sitekey over a call\'s, a call\'s when the constructor has none, none otherwise', async () => {
    const server = await capture(() => ({ body: retrieved }))
    await client(server.url, { sitekey: 'ctor' }).retrieveRiskIntelligence('t', { sitekey: 'call' })
    await client(server.url).retrieveRiskIntelligence('t', { sitekey: 'call' })
    await client(server.url).retrieveRiskIntelligence('t')
    assert.deepEqual(server.seen.map((r) => r.body), ['{"token":"t","sitekey":"ctor"}', '{"token":"t","sitekey":"call"}', '{"token":"t"}'])
  })

  it('goes to the origin of apiEndpoint (or siteverifyEndpoint), whatever its path', async () => {
    const server = await capture(() => ({ body: retrieved }))
    await client(`${server.url}/api/v2/captcha/siteverify?q=1`).retrieveRiskIntelligence('t')
    await new FriendlyCaptchaClient({ apiKey: KEY, siteverifyEndpoint: `${server.url}/x` }).retrieveRiskIntelligence('t')
    assert.deepEqual(server.seen.map((r) => r.path), [RETRIEVE_PATH, RETRIEVE_PATH])
  })

  it('never lets the token steer the host, path or headers', async () => {
    const server = await capture(() => ({ body: retrieved }))
    const hostile = '../../x?y=1#z\r\nX-Api-Key: other\r\n'
    await client(server.url).retrieveRiskIntelligence(hostile)
    assert.equal(server.seen[0].path, RETRIEVE_PATH)
    assert.equal(server.seen[0].headers['x-api-key'], KEY)
    assert.deepEqual(JSON.parse(server.seen[0].body), { token: hostile })
  })
})

describe('Friendly Captcha retrieve: each RiskIntelligenceRetrieveResult state (docs/providers/friendly-captcha.md, "Risk Intelligence retrieve")', () => {
  const base = { isValid: false, wasAbleToRetrieve: false, isClientError: false, clientErrorType: null }

  it('a 200 success: valid, retrieved, the response passed through; strict changes nothing', async () => {
    for (const result of await bothRetrieve({ body: retrieved })) {
      assert.ok(result instanceof RiskIntelligenceRetrieveResult)
      assert.deepEqual(retrieveStates(result), { ...base, isValid: true, wasAbleToRetrieve: true, status: 200 })
      assert.deepEqual(result.getResponse(), retrieved)
      assert.equal(result.getResponseError(), null)
      assert.equal(isProviderUnavailable(result), false)
    }
  })

  for (const code of ['token_invalid', 'token_expired']) {
    it(`a 200 ${code}: not valid, retrieved, getResponseError() says why`, async () => {
      for (const result of await bothRetrieve({ body: error(code) })) {
        assert.deepEqual(retrieveStates(result), { ...base, wasAbleToRetrieve: true, status: 200 })
        assert.deepEqual(result.getResponseError(), error(code).error)
        assert.equal(isProviderUnavailable(result), false)
      }
    })
  }

  for (const [status, code] of [[401, 'auth_invalid'], [400, 'sitekey_invalid'], [400, 'token_missing'], [429, 'bad_request']]) {
    it(`a ${status} ${code}: a client error, not valid, not retrieved`, async () => {
      for (const result of await bothRetrieve({ status, body: error(code) })) {
        assert.deepEqual(retrieveStates(result), { ...base, isClientError: true, clientErrorType: FAILED_DUE_TO_CLIENT_ERROR_CODE, status })
        assert.deepEqual(result.getResponseError(), error(code).error)
      }
    })
  }

  it('a 5xx with a JSON body: a failed request, not valid, provider unavailable', async () => {
    for (const result of await bothRetrieve({ status: 500, body: error('internal_server_error') })) {
      assert.deepEqual(retrieveStates(result), { ...base, clientErrorType: REQUEST_FAILED_ERROR_CODE, status: 500 })
      assert.equal(isProviderUnavailable(result), true)
    }
  })

  for (const [status, body] of [[200, '<html>'], [200, 'null'], [502, 'Bad Gateway']]) {
    it(`a ${status} whose body is not a JSON object (${JSON.stringify(body)}): a decode error, not valid`, async () => {
      for (const result of await bothRetrieve({ status, body, headers: { 'content-type': 'text/plain' } })) {
        assert.deepEqual(retrieveStates(result), { ...base, clientErrorType: FAILED_TO_DECODE_RESPONSE_ERROR_CODE, status })
        assert.equal(result.getResponse(), null)
      }
    })
  }

  it('no answer within the timeout: a timeout, not valid, status -1', async () => {
    const server = await trickleServer()
    try {
      const result = await client(server.url).retrieveRiskIntelligence('t', { timeout: 300 })
      assert.deepEqual(retrieveStates(result), { ...base, clientErrorType: REQUEST_FAILED_TIMEOUT_ERROR_CODE, status: -1 })
      assert.equal(isProviderUnavailable(result), true)
    } finally {
      await server.close()
    }
  })

  it('a refused connection: a failed request, not valid, status -1', async () => {
    const port = await closedPort()
    const result = await client(`http://127.0.0.1:${port}`).retrieveRiskIntelligence('t')
    assert.deepEqual(retrieveStates(result), { ...base, clientErrorType: REQUEST_FAILED_ERROR_CODE, status: -1 })
  })

  it('has the SDK\'s own fields, in its order, and nothing else enumerable', async () => {
    const [result] = await bothRetrieve({ body: retrieved })
    assert.deepEqual(Object.keys(result), ['status', 'response', 'clientErrorType'])
    const made = new RiskIntelligenceRetrieveResult()
    made.status = 200
    made.response = retrieved
    assert.deepEqual(result, made)
  })
})

describe('Friendly Captcha retrieve: always, and the differences (docs/providers/friendly-captcha.md, "Risk Intelligence retrieve")', () => {
  it('refuses an empty, missing or non-string token without a request, as the API\'s token_missing (no alert)', async () => {
    const server = await capture(() => ({ body: retrieved }))
    const c = client(server.url)
    for (const token of ['', undefined, null, 5, {}, ['t'], Symbol('t'), () => 't']) {
      const result = await c.retrieveRiskIntelligence(token)
      assert.deepEqual(retrieveStates(result), { isValid: false, wasAbleToRetrieve: true, isClientError: false, clientErrorType: FAILED_TO_ENCODE_ERROR_CODE, status: -1 }, inspect(token))
      assert.equal(result.getResponseError().error_code, 'token_missing')
      assert.equal(isProviderUnavailable(result), false)
    }
    assert.equal(server.seen.length, 0)
  })

  it('never rejects and never throws, whatever the arguments', () => neverThrows('retrieveRiskIntelligence'))

  it('leaves no timer or handle pending once a result is in (the deadline is native)', () => leavesNoTimer('retrieveRiskIntelligence'))

  it('never shows the API key: not in the client, a result, its JSON or inspect, even when the server echoes it', () => neverShowsKey('retrieveRiskIntelligence'))
})

describe('Friendly Captcha retrieve: against the emulator (docs/emulator.md, "Friendly Captcha")', () => {
  it('retrieves an issued token\'s data, counting its uses, up to maxUses; a captcha response is no token', async () => {
    await withEmulator({}, async (emulator) => {
      const c = new FriendlyCaptchaClient({ apiKey: emulator.credentials.friendlyCaptchaApiKey, apiEndpoint: emulator.url, sitekey: emulator.credentials.friendlyCaptchaSitekey })
      const riskIntelligence = { risk_scores: { overall: 5, network: 4, browser: 5 }, network: { ip: '203.0.113.9' }, client: { header_user_agent: 'curl/8' } }
      const token = emulator.issue('friendly-captcha', { riskIntelligenceToken: true, maxUses: 2, origin: 'https://shop.example', riskIntelligence })
      for (const uses of [1, 2]) {
        const result = await c.retrieveRiskIntelligence(token)
        assert.equal(result.isValid(), true)
        assert.equal(result.wasAbleToRetrieve(), true)
        const { data } = result.getResponse()
        assert.equal(data.token.num_uses, uses)
        assert.equal(data.token.origin, 'https://shop.example')
        assert.ok(Date.parse(data.token.expires_at) > Date.parse(data.token.timestamp))
        assert.deepEqual(data.risk_intelligence, riskIntelligence)
      }
      const spent = await c.retrieveRiskIntelligence(token)
      assert.deepEqual([spent.isValid(), spent.wasAbleToRetrieve(), spent.getResponseError().error_code], [false, true, 'token_invalid'])
      const response = await c.retrieveRiskIntelligence(emulator.issue('friendly-captcha'))
      assert.equal(response.getResponseError().error_code, 'token_invalid')
      const notAResponse = await c.verifyCaptchaResponse(emulator.issue('friendly-captcha', { riskIntelligenceToken: true }))
      assert.equal(notAResponse.getResponseError().error_code, 'response_invalid')
      assert.equal(emulator.requests().at(-1).headers['x-api-key'], '[redacted]')
    })
  })

  it('answers an expired token token_expired, a wrong key auth_invalid (a client error)', async () => {
    await withEmulator({}, async (emulator) => {
      const c = new FriendlyCaptchaClient({ apiKey: emulator.credentials.friendlyCaptchaApiKey, apiEndpoint: emulator.url })
      const token = emulator.issue('friendly-captcha', { riskIntelligenceToken: true, expiresInMs: 1000 })
      emulator.advanceTime(1001)
      const expired = await c.retrieveRiskIntelligence(token)
      assert.deepEqual([expired.isValid(), expired.getResponseError().error_code], [false, 'token_expired'])
      const wrongKey = await new FriendlyCaptchaClient({ apiKey: 'wrong', apiEndpoint: emulator.url }).retrieveRiskIntelligence(emulator.issue('friendly-captcha', { riskIntelligenceToken: true }))
      assert.deepEqual([wrongKey.status, wrongKey.isClientError(), wrongKey.wasAbleToRetrieve(), wrongKey.getResponseError().error_code], [401, true, false, 'auth_invalid'])
    })
  })
})
