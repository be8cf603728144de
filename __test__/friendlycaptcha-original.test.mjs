// The Friendly Captcha drop-in against the original: `@friendlycaptcha/server-sdk` itself (a
// devDependency, as published on npm) and ours are given the same answers by the same server,
// and must send the same request and resolve the same VerifyResult: its status, its response,
// its error code and every method's answer. Where ours differs on purpose, the test names the
// difference (README, "Differences from @friendlycaptcha/server-sdk") and asserts both sides.
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import http from 'node:http'
import { fileURLToPath } from 'node:url'
import { captureServers, closedPort } from './helpers.mjs'

const ours = createRequire(import.meta.url)('../subpath/friendly-captcha.js')
const original = await import('@friendlycaptcha/server-sdk')

const API_KEY = 'frc-original-key-Z8c1Qm4T'
const SITEKEY = 'FCMGEMUD2KTDSQ5H'

/** Every public answer of a VerifyResult, a throwing method as `{ throws }`. */
function stateOf (result) {
  const call = (name) => {
    try {
      return result[name]()
    } catch (error) {
      return { throws: error.message.slice(0, 60) }
    }
  }
  return {
    status: result.status,
    response: result.getResponse(),
    responseError: result.getResponseError(),
    errorCode: result.getErrorCode(),
    strict: result.isStrict(),
    ...Object.fromEntries(['shouldAccept', 'shouldReject', 'wasAbleToVerify', 'isClientError',
      'isRequestOrTimeoutError', 'isDecodeError', 'isEncodeError'].map((name) => [name, call(name)]))
  }
}

/** What a server saw, without the header that names the SDK (each names itself). */
function requestOf (seen) {
  const { method, path, headers, body } = seen
  return {
    method,
    path,
    contentType: headers['content-type'],
    accept: headers.accept,
    apiKey: headers['x-api-key'],
    body: JSON.parse(body)
  }
}

/** Each call: the body field its value goes in, the path it posts to, and every public answer of its result. */
const CALLS = {
  verifyCaptchaResponse: { field: 'response', path: '/api/v2/captcha/siteverify', stateOf },
  retrieveRiskIntelligence: { field: 'token', path: '/api/v2/riskIntelligence/retrieve', stateOf: retrieveStateOf }
}

/** Both clients for `options` on `url`, each calling `method` with `value` and `opts`. */
async function both (method, url, options, value, opts) {
  const results = {}
  for (const [name, sdk] of [['original', original], ['ours', ours]]) {
    const client = new sdk.FriendlyCaptchaClient({ apiKey: API_KEY, apiEndpoint: url, ...options })
    results[name] = await client[method](value, opts)
  }
  return results
}
const bothVerify = (...args) => both('verifyCaptchaResponse', ...args)
const bothRetrieve = (...args) => both('retrieveRiskIntelligence', ...args)

/**
 * Both clients, with the sitekey and `options`, calling `method` with `value` on `server`: asserts
 * that they sent the same request, the expected one, and resolves their results and states.
 */
async function sameRequest (method, server, options, value) {
  const { field, path, stateOf } = CALLS[method]
  const before = server.seen.length
  const { original: theirs, ours: mine } = await both(method, server.url, { sitekey: SITEKEY, ...options }, value)
  assert.equal(server.seen.length, before + 2)
  const [theirRequest, myRequest] = server.seen.slice(before).map(requestOf)
  assert.deepEqual(myRequest, theirRequest)
  assert.deepEqual(myRequest, {
    method: 'POST',
    path,
    contentType: 'application/json',
    accept: 'application/json',
    apiKey: API_KEY,
    body: { [field]: value, sitekey: SITEKEY }
  })
  assert.deepEqual(stateOf(mine), stateOf(theirs))
  // The same own fields in the same order: what JSON.stringify and a snapshot show.
  assert.deepEqual(Object.keys(mine), Object.keys(theirs))
  return { theirs, mine }
}

/** Both clients calling `method` with `value` on `server`: the constructor's sitekey wins over the call's; none is sent when neither is given. */
async function sitekeyPrecedence (method, server, value) {
  await both(method, server.url, { sitekey: 'CONSTRUCTOR' }, value, { sitekey: 'CALL' })
  await both(method, server.url, {}, value, { sitekey: 'CALL' })
  await both(method, server.url, {}, value)
  const { field } = CALLS[method]
  assert.deepEqual(server.seen.map((seen) => requestOf(seen).body), [
    { [field]: value, sitekey: 'CONSTRUCTOR' }, { [field]: value, sitekey: 'CONSTRUCTOR' },
    { [field]: value, sitekey: 'CALL' }, { [field]: value, sitekey: 'CALL' },
    { [field]: value }, { [field]: value }
  ])
}

/** Both clients calling `method` with `value`, given an apiEndpoint with a path or a siteverifyEndpoint on `server`: only its origin is used. */
async function onlyTheOrigin (method, server, value) {
  await both(method, `${server.url}/some/path?q=1`, {}, value)
  for (const sdk of [original, ours]) {
    await new sdk.FriendlyCaptchaClient({ apiKey: API_KEY, siteverifyEndpoint: `${server.url}/api/v1/siteverify` })[method](value)
  }
  assert.deepEqual(server.seen.map((seen) => seen.path), Array(4).fill(CALLS[method].path))
}

/** The answers either call is given alike: the API refusing the configuration, bodies that are no JSON object, `success` not `true`. */
const EITHER_ANSWERS = {
  authInvalid: { status: 401, body: { success: false, error: { error_code: 'auth_invalid', detail: 'bad key' } } },
  sitekeyInvalid: { status: 400, body: { success: false, error: { error_code: 'sitekey_invalid', detail: 'no such sitekey' } } },
  clientErrorNotJson: { status: 404, body: 'Not Found', headers: { 'content-type': 'text/plain' } },
  notJson200: { status: 200, body: '<html>502 Bad Gateway</html>', headers: { 'content-type': 'text/html' } },
  notJson503: { status: 503, body: 'upstream unavailable', headers: { 'content-type': 'text/plain' } },
  null200: { status: 200, body: 'null' },
  successNotTrue: { status: 200, body: { success: 'true' } }
}

/** The answers a server gives, each once per client. */
const ANSWERS = {
  verified: {
    status: 200,
    body: {
      success: true,
      data: {
        event_id: 'evt_3b4c', challenge: { timestamp: '2026-11-28T10:00:00Z', origin: 'https://shop.example' },
        risk_intelligence: null
      }
    }
  },
  refusedWith200: { status: 200, body: { success: false, error: { error_code: 'response_invalid', detail: 'invalid' } } },
  duplicate: { status: 200, body: { success: false, error: { error_code: 'response_duplicate', detail: 'used' } } },
  responseMissing: { status: 400, body: { success: false, error: { error_code: 'response_missing', detail: 'missing' } } },
  ...EITHER_ANSWERS,
  string200: { status: 200, body: '"ok"' },
  array200: { status: 200, body: '[]' }
}

describe('the Friendly Captcha drop-in resolves what @friendlycaptcha/server-sdk resolves', () => {
  const capture = captureServers(after)
  const servers = {}

  before(async () => {
    for (const [name, answer] of Object.entries(ANSWERS)) servers[name] = await capture(() => answer)
  })

  for (const name of Object.keys(ANSWERS)) {
    for (const strict of [false, true]) {
      it(`${name}${strict ? ' (strict)' : ''}: the same request and the same result`, async () => {
        const { theirs, mine } = await sameRequest('verifyCaptchaResponse', servers[name], { strict }, 'frc-token-1')
        assert.equal(JSON.stringify(mine), JSON.stringify(theirs))
      })
    }
  }

  it('a 5xx with a JSON body: the original throws from shouldAccept (a listed difference); ours is a failure to verify that fails open', async () => {
    const server = await capture(() => ({ status: 502, body: { message: 'bad gateway' } }))
    const { original: theirs, ours: mine } = await bothVerify(server.url, {}, 'frc-token-2')
    assert.match(stateOf(theirs).shouldAccept.throws, /Implementation error/)
    assert.equal(mine.status, 502)
    assert.equal(mine.wasAbleToVerify(), false)
    assert.equal(mine.shouldAccept(), true, 'non-strict accepts what it could not verify')
    const { ours: strictly } = await bothVerify(server.url, { strict: true }, 'frc-token-2')
    assert.equal(strictly.shouldAccept(), false)
  })

  it('the sitekey: the constructor\'s wins over the call\'s, and none is sent when neither is given', async () => {
    await sitekeyPrecedence('verifyCaptchaResponse', await capture(() => ANSWERS.verified), 'frc-token-3')
  })

  it('an apiEndpoint with a path, or the deprecated siteverifyEndpoint: only its origin is used', async () => {
    await onlyTheOrigin('verifyCaptchaResponse', await capture(() => ANSWERS.verified), 'frc-token-4')
  })

  it('a refused connection: request_failed on both, accepted unless strict', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`
    for (const strict of [false, true]) {
      const { original: theirs, ours: mine } = await bothVerify(url, { strict }, 'frc-token-5')
      assert.deepEqual(stateOf(mine), stateOf(theirs))
      assert.equal(mine.getErrorCode(), 'request_failed')
      assert.equal(mine.shouldAccept(), !strict)
    }
  })

  it('a server that never answers: request_failed_due_to_timeout on both at `timeout`, accepted unless strict', async () => {
    // Reads the request and never answers; closed when the test ends.
    const server = http.createServer((req) => req.resume())
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
    const url = `http://127.0.0.1:${server.address().port}`
    try {
      for (const strict of [false, true]) {
        const client = (sdk) => new sdk.FriendlyCaptchaClient({ apiKey: API_KEY, apiEndpoint: url, strict })
        // Each state as the caller sees it when the promise resolves.
        const theirs = await client(original).verifyCaptchaResponse('frc-token-6', { timeout: 300 })
        const theirsAtOnce = stateOf(theirs)
        const mine = await client(ours).verifyCaptchaResponse('frc-token-6', { timeout: 300 })
        assert.deepEqual(stateOf(mine), theirsAtOnce)
        assert.equal(mine.getErrorCode(), 'request_failed_due_to_timeout')
        assert.equal(mine.shouldAccept(), !strict)
        // A listed difference: the original's aborted fetch rejects after it resolved, and its
        // catch rewrites the same result to request_failed; ours never changes once resolved.
        await new Promise((resolve) => setTimeout(resolve, 50))
        assert.equal(theirs.getErrorCode(), 'request_failed')
        assert.equal(mine.getErrorCode(), 'request_failed_due_to_timeout')
      }
    } finally {
      server.closeAllConnections()
      server.close()
    }
  })

  for (const [label, response] of [['an empty response', ''], ['no response at all', undefined], ['a number', 42], ['an object', { response: 'x' }]]) {
    it(`${label}: the original sends it and accepts the API's 400 (non-strict); ours refuses it with no request (a listed difference)`, async () => {
      const server = await capture(() => ANSWERS.responseMissing)
      const theirs = await new original.FriendlyCaptchaClient({ apiKey: API_KEY, apiEndpoint: server.url }).verifyCaptchaResponse(response)
      assert.equal(server.seen.length, 1)
      assert.equal(theirs.shouldAccept(), true, 'the hole: the original lets a missing response through')
      for (const strict of [false, true]) {
        const mine = await new ours.FriendlyCaptchaClient({ apiKey: API_KEY, apiEndpoint: server.url, strict }).verifyCaptchaResponse(response)
        assert.equal(mine.shouldAccept(), false)
        assert.equal(mine.shouldReject(), true)
        assert.equal(mine.wasAbleToVerify(), true, 'not an outage: nothing to alert on')
      }
      assert.equal(server.seen.length, 1, 'ours sent nothing')
    })
  }

  it('exports every name the original exports, with the same values for the constants, and every method', () => {
    for (const [name, value] of Object.entries(original)) {
      assert.ok(name in ours, `missing export ${name}`)
      if (typeof value !== 'function') assert.deepEqual(ours[name], value, name)
      else if (value.prototype) {
        for (const method of Object.getOwnPropertyNames(value.prototype)) {
          // getHeaders and makeRequest are the original's internals (TypeScript `private`).
          if (['getHeaders', 'makeRequest'].includes(method)) continue
          assert.equal(typeof ours[name].prototype[method], typeof value.prototype[method], `${name}.prototype.${method}`)
        }
      }
    }
  })
})

// ---------------------------------------------------------------------------------------------
// retrieveRiskIntelligence (SDK 0.3.0) against the original, on the same answers.

/** Every public answer of a RiskIntelligenceRetrieveResult. */
function retrieveStateOf (result) {
  return {
    status: result.status,
    clientErrorType: result.clientErrorType,
    response: result.getResponse(),
    responseError: result.getResponseError(),
    isClientError: result.isClientError(),
    wasAbleToRetrieve: result.wasAbleToRetrieve(),
    isValid: result.isValid()
  }
}

const RETRIEVE_ANSWERS = {
  retrieved: {
    status: 200,
    body: {
      success: true,
      data: {
        event_id: 'ev_C52P4pm-xkZIHB5Y',
        token: { timestamp: '2026-03-05T11:22:51.922Z', expires_at: '2026-03-05T11:37:51.922Z', num_uses: 1, origin: 'https://shop.example' },
        risk_intelligence: { risk_scores: { overall: 2, network: 1, browser: 2 }, network: { ip: '203.0.113.9' }, client: { header_user_agent: 'ua' } }
      }
    }
  },
  tokenInvalid: { status: 200, body: { success: false, error: { error_code: 'token_invalid', detail: 'invalid' } } },
  tokenExpired: { status: 200, body: { success: false, error: { error_code: 'token_expired', detail: 'expired' } } },
  tokenMissing: { status: 400, body: { success: false, error: { error_code: 'token_missing', detail: 'missing' } } },
  ...EITHER_ANSWERS
}

describe('retrieveRiskIntelligence resolves what @friendlycaptcha/server-sdk 0.3.0 resolves', () => {
  const capture = captureServers(after)
  const servers = {}

  before(async () => {
    for (const [name, answer] of Object.entries(RETRIEVE_ANSWERS)) servers[name] = await capture(() => answer)
  })

  for (const name of Object.keys(RETRIEVE_ANSWERS)) {
    it(`${name}: the same request and the same RiskIntelligenceRetrieveResult`, async () => {
      await sameRequest('retrieveRiskIntelligence', servers[name], {}, 'frc-ri-token-1')
    })
  }

  it('the sitekey: the constructor\'s wins over the call\'s, and none is sent when neither is given', async () => {
    await sitekeyPrecedence('retrieveRiskIntelligence', await capture(() => RETRIEVE_ANSWERS.retrieved), 'frc-ri-token-2')
  })

  it('an apiEndpoint with a path, or the deprecated siteverifyEndpoint: only its origin is used', async () => {
    await onlyTheOrigin('retrieveRiskIntelligence', await capture(() => RETRIEVE_ANSWERS.retrieved), 'frc-ri-token-3')
  })

  it('a refused connection: request_failed on both, not valid, not retrieved', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`
    const { original: theirs, ours: mine } = await bothRetrieve(url, {}, 'frc-ri-token-4')
    assert.deepEqual(retrieveStateOf(mine), retrieveStateOf(theirs))
    assert.equal(mine.clientErrorType, 'request_failed')
  })

  it('a server that never answers: neither valid nor retrieved on both; ours keeps request_failed_due_to_timeout (the original overwrites it with request_failed once its aborted fetch rejects)', async () => {
    const server = http.createServer((req) => req.resume())
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
    const url = `http://127.0.0.1:${server.address().port}`
    try {
      const { original: theirs, ours: mine } = await bothRetrieve(url, {}, 'frc-ri-token-5', { timeout: 300 })
      const { clientErrorType: theirCode, ...theirRest } = retrieveStateOf(theirs)
      const { clientErrorType: myCode, ...myRest } = retrieveStateOf(mine)
      assert.deepEqual(myRest, theirRest)
      assert.equal(myCode, 'request_failed_due_to_timeout')
      assert.ok(['request_failed', 'request_failed_due_to_timeout'].includes(theirCode), theirCode)
    } finally {
      server.closeAllConnections()
      server.close()
    }
  })

  for (const [label, token] of [['an empty token', ''], ['no token at all', undefined], ['a number', 42]]) {
    it(`${label}: neither is valid; the original sends it and reports the API's 400 as a client error, ours refuses it with no request and no alert (a listed difference)`, async () => {
      const server = await capture(() => RETRIEVE_ANSWERS.tokenMissing)
      const theirs = await new original.FriendlyCaptchaClient({ apiKey: API_KEY, apiEndpoint: server.url }).retrieveRiskIntelligence(token)
      assert.equal(server.seen.length, 1)
      assert.deepEqual([theirs.isValid(), theirs.wasAbleToRetrieve(), theirs.isClientError()], [false, false, true])
      const mine = await new ours.FriendlyCaptchaClient({ apiKey: API_KEY, apiEndpoint: server.url }).retrieveRiskIntelligence(token)
      assert.deepEqual([mine.isValid(), mine.wasAbleToRetrieve(), mine.isClientError(), mine.clientErrorType, mine.status],
        [false, true, false, 'failed_to_encode_request', -1])
      assert.equal(mine.getResponseError().error_code, 'token_missing')
      assert.equal(server.seen.length, 1, 'ours sent nothing')
    })
  }

  it('an array body: both take it as the response, as `typeof [] === "object"` does (not valid, retrieved)', async () => {
    const server = await capture(() => ({ status: 200, body: '[]' }))
    const { original: theirs, ours: mine } = await bothRetrieve(server.url, {}, 'frc-ri-token-6')
    assert.deepEqual([mine.isValid(), mine.wasAbleToRetrieve(), mine.clientErrorType, mine.getResponse()], [false, true, null, []])
    assert.deepEqual([theirs.isValid(), theirs.wasAbleToRetrieve(), theirs.clientErrorType, theirs.getResponse()], [false, true, null, []])
  })
})

describe('the types: every name the SDK\'s declarations export', () => {
  it('subpath/friendly-captcha.d.ts exports every name of @friendlycaptcha/server-sdk\'s dist/index.d.ts', () => {
    const ts = createRequire(import.meta.url)('typescript')
    const exportsOf = (file) => {
      const program = ts.createProgram([file], { noEmit: true, skipLibCheck: true })
      const checker = program.getTypeChecker()
      const symbol = checker.getSymbolAtLocation(program.getSourceFile(file))
      return checker.getExportsOfModule(symbol).map((exported) => exported.name).sort()
    }
    const theirs = exportsOf(createRequire(import.meta.url).resolve('@friendlycaptcha/server-sdk').replace(/index\.js$/, 'index.d.ts'))
    const mine = new Set(exportsOf(fileURLToPath(new URL('../subpath/friendly-captcha.d.ts', import.meta.url))))
    assert.ok(theirs.length > 20, `${theirs.length} names`)
    assert.deepEqual(theirs.filter((name) => !mine.has(name)), [], 'names the SDK exports that ours does not')
  })
})
