// The emulator's Swetrix, reCAPTCHA, Playtcha, Turnstile and hCaptcha APIs on the wire: what a
// client, or a user's own fetch, sees from each (statuses, exact bodies, headers, test identities,
// single use, expiry, idempotent retries).
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { withEmulator } from './helpers.mjs'

const { Emulator } = createRequire(import.meta.url)('../index.js')
const { swetrix: SWETRIX, recaptcha: RECAPTCHA, playtcha: PLAYTCHA, turnstile: TURNSTILE, hcaptcha: HCAPTCHA } = Emulator.identities
const GOOGLE_TEST_SECRET = RECAPTCHA.testSecretKey.secretKey
const DUMMY_CHALLENGE = 'DUMMY_CHALLENGE00000111112222233333444445555566666777778888899999'
const ISO_SECONDS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/
const ISO_MILLIS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/

/** What a request got: status, content type, a header getter, the raw body text and its JSON. */
async function answer (response) {
  const text = await response.text()
  let json
  try { json = JSON.parse(text) } catch { json = undefined }
  return { status: response.status, type: response.headers.get('content-type'), header: (n) => response.headers.get(n), text, json }
}

function swetrix (emulator, body, init = {}) {
  return fetch(`${emulator.url}/v1/captcha/validate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    ...init
  }).then(answer)
}

function siteverify (emulator, fields, { query } = {}) {
  const url = `${emulator.url}/recaptcha/api/siteverify${query ? `?${new URLSearchParams(query)}` : ''}`
  return fetch(url, { method: 'POST', body: new URLSearchParams(fields) }).then(answer)
}

function playtcha (emulator, body, init = {}) {
  return fetch(`${emulator.url}/v1/verify`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    ...init
  }).then(answer)
}

/** A Turnstile siteverify request: a form of `fields`, or with `json`, a JSON body (a string is sent as is). */
function turnstile (emulator, fields, { json = false } = {}) {
  const init = json
    ? { headers: { 'content-type': 'application/json' }, body: typeof fields === 'string' ? fields : JSON.stringify(fields) }
    : { body: new URLSearchParams(fields) }
  return fetch(`${emulator.url}/turnstile/v0/siteverify`, { method: 'POST', ...init }).then(answer)
}

/** An hCaptcha siteverify request: a form of `fields`, or `init` as given. */
function hcaptcha (emulator, fields, init = { body: new URLSearchParams(fields) }) {
  return fetch(`${emulator.url}/siteverify`, { method: 'POST', ...init }).then(answer)
}

/** Swetrix's (NestJS's) failure body, as text. */
const nest = (message) => JSON.stringify({ message, error: 'Bad Request', statusCode: 400 })

describe('Emulator: Swetrix (POST /v1/captcha/validate)', () => {
  it('verifies an issued token once with its claims, then answers "Token already used"', async () => {
    await withEmulator({}, async (emulator) => {
      const secret = emulator.credentials.swetrixSecret
      const before = Date.now()
      const token = emulator.issue('swetrix', { challenge: 'c-123', pid: 'AP12345678901' })
      const first = await swetrix(emulator, { token, secret })
      assert.equal(first.status, 200)
      assert.match(first.type, /^application\/json/)
      assert.deepEqual(Object.keys(first.json), ['success', 'data'])
      assert.deepEqual({ ...first.json.data, timestamp: 0 }, { challenge: 'c-123', timestamp: 0, pid: 'AP12345678901' })
      assert.ok(first.json.data.timestamp >= before - 1000 && first.json.data.timestamp <= Date.now(), 'timestamp is the issue time in ms')
      assert.deepEqual(await swetrix(emulator, { token, secret }).then((a) => [a.status, a.text]), [400, nest('Token already used')])

      const plain = await swetrix(emulator, { token: emulator.issue('swetrix'), secret })
      assert.match(plain.json.data.challenge, /^[0-9a-f]{64}$/)
      assert.equal(plain.json.data.pid, 'APEMULATOR000')
    })
  })

  it('a rateLimited token gets the throttler\'s 429, every time', async () => {
    await withEmulator({}, async (emulator) => {
      const secret = emulator.credentials.swetrixSecret
      const token = emulator.issue('swetrix', { rateLimited: true })
      const limited = await swetrix(emulator, { token, secret })
      assert.deepEqual([limited.status, limited.text], [429, '{"statusCode":429,"message":"Too many requests, please try again later"}'])
      assert.deepEqual((await swetrix(emulator, { token, secret })).status, 429)
    })
  })

  it('answers the published test secrets whatever the token', async () => {
    await withEmulator({}, async (emulator) => {
      const pass = await swetrix(emulator, { token: 'anything', secret: SWETRIX.testSecrets.pass.secret })
      assert.equal(pass.status, 200)
      assert.equal(pass.text, JSON.stringify({ success: true, data: { challenge: DUMMY_CHALLENGE, timestamp: pass.json.data.timestamp, pid: 'AP00000000000' } }))
      assert.ok(Math.abs(pass.json.data.timestamp - Date.now()) < 5_000, 'timestamp is now, in ms')
      const fail = await swetrix(emulator, { token: 'anything', secret: SWETRIX.testSecrets.fail.secret })
      assert.deepEqual([fail.status, fail.text], [400, nest('Could not decrypt token')])
      const used = await swetrix(emulator, { token: 'anything', secret: SWETRIX.testSecrets.used.secret })
      assert.deepEqual([used.status, used.text], [400, nest('Token already used')])
    })
  })

  it('refuses a wrong secret, an unknown token, a bad payload and a token older than 300 s', async () => {
    await withEmulator({}, async (emulator) => {
      const secret = emulator.credentials.swetrixSecret
      const token = emulator.issue('swetrix')
      assert.deepEqual(await swetrix(emulator, { token, secret: 'wrong' }).then((a) => [a.status, a.text]), [400, nest('Could not decrypt token')])
      assert.deepEqual(await swetrix(emulator, { token: 'forged', secret }).then((a) => [a.status, a.text]), [400, nest('Could not decrypt token')])
      const bad = emulator.issue('swetrix', { invalidPayload: true })
      assert.deepEqual(await swetrix(emulator, { token: bad, secret }).then((a) => [a.status, a.text]), [400, nest('Invalid token payload')])

      emulator.advanceTime(299_000)
      assert.equal((await swetrix(emulator, { token, secret })).status, 200, 'the wrong secret did not use it up; 299 s is not too old')
      const old = emulator.issue('swetrix')
      emulator.advanceTime(300_001)
      assert.deepEqual(await swetrix(emulator, { token: old, secret }).then((a) => [a.status, a.text]), [400, nest('Token expired')])
    })
  })

  it("answers a wrong method, bad JSON and missing fields with Nest's bodies", async () => {
    await withEmulator({}, async (emulator) => {
      const get = await fetch(`${emulator.url}/v1/captcha/validate`).then(answer)
      assert.deepEqual([get.status, get.text], [404, '{"message":"Cannot GET /v1/captcha/validate","error":"Not Found","statusCode":404}'])
      const notJson = await swetrix(emulator, '{token:')
      assert.equal(notJson.status, 400)
      assert.deepEqual({ ...notJson.json, message: 'm' }, { message: 'm', error: 'Bad Request', statusCode: 400 })
      assert.match(notJson.json.message, /^Unexpected token in JSON at position \d+$/)
      const noSecret = await swetrix(emulator, { token: 't' })
      assert.deepEqual([noSecret.status, noSecret.text], [400, nest(['secret must be a string', 'secret should not be empty'])])
      const empty = await swetrix(emulator, { token: '', secret: SWETRIX.testSecrets.pass.secret })
      assert.deepEqual([empty.status, empty.text], [400, nest(['token should not be empty'])])
      const nothing = await swetrix(emulator, 'null')
      assert.deepEqual(nothing.json.message, ['token must be a string', 'token should not be empty', 'secret must be a string', 'secret should not be empty'])
    })
  })
})

describe('Emulator: reCAPTCHA (POST /recaptcha/api/siteverify)', () => {
  const refusal = (...codes) => JSON.stringify({ success: false, 'error-codes': codes })

  it("passes any response with Google's test secret, as testkey.google.com", async () => {
    await withEmulator({}, async (emulator) => {
      const verdict = await siteverify(emulator, { secret: GOOGLE_TEST_SECRET, response: 'anything' })
      assert.deepEqual([verdict.status, verdict.type], [200, 'application/json'])
      assert.deepEqual(Object.keys(verdict.json), ['success', 'challenge_ts', 'hostname'])
      assert.deepEqual({ ...verdict.json, challenge_ts: 'ts' }, { success: true, challenge_ts: 'ts', hostname: 'testkey.google.com' })
      assert.match(verdict.json.challenge_ts, ISO_SECONDS)
      assert.ok(Math.abs(Date.parse(verdict.json.challenge_ts) - Date.now()) < 5_000)
    })
  })

  it('verifies an issued token once, then answers timeout-or-duplicate, with the claims asked for', async () => {
    await withEmulator({}, async (emulator) => {
      const secret = emulator.credentials.recaptchaSecret
      const token = emulator.issue('recaptcha')
      const first = await siteverify(emulator, { secret, response: token, remoteip: '203.0.113.7' })
      assert.deepEqual([first.status, Object.keys(first.json)], [200, ['success', 'challenge_ts', 'hostname']])
      assert.equal(first.json.hostname, 'localhost')
      assert.match(first.json.challenge_ts, ISO_SECONDS)
      const again = await siteverify(emulator, { secret, response: token })
      assert.deepEqual([again.status, again.text], [200, refusal('timeout-or-duplicate')])

      const v3 = emulator.issue('recaptcha', { hostname: 'shop.example', score: 0.3, action: 'checkout' })
      const scored = await siteverify(emulator, { secret, response: v3 })
      assert.deepEqual(Object.keys(scored.json), ['success', 'challenge_ts', 'hostname', 'score', 'action'])
      assert.deepEqual({ ...scored.json, challenge_ts: 'ts' }, { success: true, challenge_ts: 'ts', hostname: 'shop.example', score: 0.3, action: 'checkout' })

      const android = emulator.issue('recaptcha', { apkPackageName: 'com.example.app' })
      const app = await siteverify(emulator, { secret, response: android })
      assert.deepEqual({ ...app.json, challenge_ts: 'ts' }, { success: true, challenge_ts: 'ts', apk_package_name: 'com.example.app' })

      const refused = emulator.issue('recaptcha', { success: false })
      assert.equal((await siteverify(emulator, { secret, response: refused })).text, refusal('invalid-input-response'))
      assert.equal((await siteverify(emulator, { secret, response: refused })).text, refusal('timeout-or-duplicate'))
    })
  })

  it("answers every failure with HTTP 200 and Google's error codes", async () => {
    await withEmulator({}, async (emulator) => {
      const secret = emulator.credentials.recaptchaSecret
      const token = emulator.issue('recaptcha')
      const cases = [
        [{}, refusal('missing-input-secret', 'missing-input-response')],
        [{ secret: '', response: token }, refusal('missing-input-secret')],
        [{ secret }, refusal('missing-input-response')],
        [{ secret: 'wrong', response: token }, refusal('invalid-input-secret')],
        [{ secret, response: 'forged' }, refusal('invalid-input-response')]
      ]
      for (const [fields, expected] of cases) {
        const verdict = await siteverify(emulator, fields)
        assert.deepEqual([verdict.status, verdict.type, verdict.text], [200, 'application/json', expected], JSON.stringify(fields))
      }
      assert.equal((await siteverify(emulator, { secret, response: token })).json.success, true, 'the failures did not consume the token')
      const get = await fetch(`${emulator.url}/recaptcha/api/siteverify?secret=${secret}&response=${token}`).then(answer)
      assert.deepEqual([get.status, get.text], [405, '{}'])
    })
  })

  it('tokens time out after two minutes', async () => {
    await withEmulator({}, async (emulator) => {
      const secret = emulator.credentials.recaptchaSecret
      const young = emulator.issue('recaptcha')
      const old = emulator.issue('recaptcha')
      emulator.advanceTime(119_000)
      assert.equal((await siteverify(emulator, { secret, response: young })).json.success, true)
      emulator.advanceTime(1_001)
      assert.equal((await siteverify(emulator, { secret, response: old })).text, refusal('timeout-or-duplicate'))
    })
  })

  it('claims move challenge_ts back (ageMs), set the lifetime (expiresInMs) and allow reuse (singleUse: false)', async () => {
    await withEmulator({}, async (emulator) => {
      const secret = emulator.credentials.recaptchaSecret
      const issuedAt = Date.now()
      const aged = await siteverify(emulator, { secret, response: emulator.issue('recaptcha', { ageMs: 600_000 }) })
      assert.match(aged.json.challenge_ts, ISO_SECONDS)
      assert.ok(Math.abs(Date.parse(aged.json.challenge_ts) - (issuedAt - 600_000)) < 5_000, aged.json.challenge_ts)

      const reusable = emulator.issue('recaptcha', { singleUse: false, expiresInMs: 10_000 })
      const long = emulator.issue('recaptcha', { expiresInMs: 300_000 })
      for (let n = 0; n < 3; n++) assert.equal((await siteverify(emulator, { secret, response: reusable })).json.success, true)
      emulator.advanceTime(10_001)
      assert.equal((await siteverify(emulator, { secret, response: reusable })).text, refusal('timeout-or-duplicate'))
      emulator.advanceTime(200_000)
      assert.equal((await siteverify(emulator, { secret, response: long })).json.success, true, 'alive past the default two minutes')
      assert.equal((await siteverify(emulator, { secret, response: long })).text, refusal('timeout-or-duplicate'))
      assert.throws(() => emulator.issue('recaptcha', { expiresInMs: -1 }), TypeError)
      assert.throws(() => emulator.issue('recaptcha', { ageMs: 1.5 }), TypeError)
    })
  })

  it('reads the fields from the query string too (the body wins), and never records the secret', async () => {
    await withEmulator({}, async (emulator) => {
      const secret = emulator.credentials.recaptchaSecret
      const token = emulator.issue('recaptcha')
      const verdict = await siteverify(emulator, { response: token }, { query: { secret, response: 'overridden' } })
      assert.equal(verdict.json.success, true)
      const [request] = emulator.requests()
      assert.equal(request.provider, 'recaptcha')
      assert.equal(request.query, 'secret=[redacted]&response=overridden')
      assert.ok(!JSON.stringify(emulator.requests()).includes(secret))
    })
  })
})

describe('Emulator: Playtcha (POST /v1/verify)', () => {
  it('redeems an issued token once, then answers 409 already_redeemed in the error envelope', async () => {
    await withEmulator({}, async (emulator) => {
      const secret = emulator.credentials.playtchaSecret
      const token = emulator.issue('playtcha')
      const first = await playtcha(emulator, { secret, token })
      assert.deepEqual([first.status, Object.keys(first.json)], [200, ['success', 'challenge_ts', 'hostname']])
      assert.deepEqual({ ...first.json, challenge_ts: 'ts' }, { success: true, challenge_ts: 'ts', hostname: 'localhost' })
      assert.match(first.json.challenge_ts, ISO_MILLIS)
      assert.ok(Math.abs(Date.parse(first.json.challenge_ts) - Date.now()) < 5_000)

      const again = await playtcha(emulator, { secret, token })
      assert.equal(again.status, 409)
      assert.deepEqual(Object.keys(again.json), ['error'])
      const { error } = again.json
      assert.deepEqual(Object.keys(error), ['code', 'message', 'request_id', 'hint', 'host'])
      assert.equal(error.code, 'already_redeemed')
      assert.equal(error.hint, 'Tokens are single use: never retry a verification')
      assert.equal(error.host, new URL(emulator.url).host)
      assert.match(error.request_id, /^req_[0-9a-f]{16}$/)
      assert.equal(again.header('x-request-id'), error.request_id)
      assert.notEqual(first.header('x-request-id'), error.request_id, 'every answer has its own request id')
    })
  })

  it('carries the claims: hostname, action, score, degraded and its reason', async () => {
    await withEmulator({}, async (emulator) => {
      const secret = emulator.credentials.playtchaSecret
      const token = emulator.issue('playtcha', { hostname: 'shop.example', action: 'signup', score: 0.8, degraded: true })
      const { json } = await playtcha(emulator, { secret, token })
      assert.deepEqual({ ...json, challenge_ts: 'ts' }, {
        success: true, challenge_ts: 'ts', hostname: 'shop.example', degraded: true, degraded_reason: 'monthly_usage_band', action: 'signup', score: 0.8
      })
      const reasoned = emulator.issue('playtcha', { degraded: true, degradedReason: 'overage' })
      assert.equal((await playtcha(emulator, { secret, token: reasoned })).json.degraded_reason, 'overage')
    })
  })

  it('answers bad requests, wrong secrets and unknown tokens with their codes and hints, never echoing the secret', async () => {
    await withEmulator({ playtchaSecret: 'live_s3cr3t' }, async (emulator) => {
      const token = emulator.issue('playtcha')
      const cases = [
        [await fetch(`${emulator.url}/v1/verify`).then(answer), 405, 'method_not_allowed', undefined],
        [await playtcha(emulator, '{"secret":'), 400, 'invalid_json', undefined],
        [await playtcha(emulator, '[]'), 400, 'invalid_body', undefined],
        [await playtcha(emulator, { secret: 'live_s3cr3t' }), 400, 'invalid_body', undefined],
        [await playtcha(emulator, { secret: 'live_s3cr3t', token: 42 }), 400, 'invalid_body', undefined],
        [await playtcha(emulator, { secret: 'test_s3cr3t', token }), 401, 'bad_secret', 'Check that the secret belongs to this project and environment (live vs test)'],
        [await playtcha(emulator, { secret: 'live_s3cr3t', token: 'playtcha_forged' }), 401, 'token_invalid', 'The token is not valid for this project; a live/test key mix-up is the usual cause']
      ]
      for (const [got, status, code, hint] of cases) {
        assert.deepEqual([got.status, got.json.error.code, got.json.error.hint], [status, code, hint], got.text)
        assert.equal(typeof got.json.error.message, 'string')
        assert.equal(got.header('x-request-id'), got.json.error.request_id)
        assert.ok(!got.text.includes('s3cr3t'), got.text)
      }
      assert.equal((await playtcha(emulator, { secret: 'live_s3cr3t', token })).status, 200, 'the failures did not consume the token')
    })
  })

  it('answers provider-side failures without consuming the token, with Retry-After on 429', async () => {
    await withEmulator({}, async (emulator) => {
      const secret = emulator.credentials.playtchaSecret
      const code = async (token) => {
        const got = await playtcha(emulator, { secret, token })
        return [got.status, got.json.error.code]
      }
      const unknown = emulator.issue('playtcha', { unknownProject: true })
      assert.deepEqual(await code(unknown), [404, 'unknown_project'])
      assert.deepEqual(await code(unknown), [404, 'unknown_project'])
      assert.deepEqual(await code(emulator.issue('playtcha', { dbError: true })), [500, 'db_error'])

      const limited = await playtcha(emulator, { secret, token: emulator.issue('playtcha', { rateLimited: true }) })
      assert.deepEqual([limited.status, limited.header('retry-after'), limited.json.error.code], [429, '1', 'rate_limited_ip'])
      assert.equal(limited.json.error.hint, 'Never retry tighter than the Retry-After header')
      const slower = await playtcha(emulator, { secret, token: emulator.issue('playtcha', { rateLimited: true, retryAfter: 30 }) })
      assert.equal(slower.header('retry-after'), '30')
    })
  })

  it('tokens expire after five minutes (410 token_expired)', async () => {
    await withEmulator({}, async (emulator) => {
      const secret = emulator.credentials.playtchaSecret
      const young = emulator.issue('playtcha')
      const old = emulator.issue('playtcha')
      emulator.advanceTime(299_000)
      assert.equal((await playtcha(emulator, { secret, token: young })).status, 200)
      emulator.advanceTime(1_001)
      const expired = await playtcha(emulator, { secret, token: old })
      assert.deepEqual([expired.status, expired.json.error.code], [410, 'token_expired'])
    })
  })
})

describe('Emulator: Turnstile (POST /turnstile/v0/siteverify)', () => {
  const refusal = (...codes) => JSON.stringify({ success: false, 'error-codes': codes, messages: [] })
  const KEY = '6a1e2a4e-43c1-4b5e-9c1f-2f1d3e4a5b6c'

  it('verifies an issued token once, from a form or JSON, with the claims asked for, then answers timeout-or-duplicate', async () => {
    await withEmulator({}, async (emulator) => {
      const secret = emulator.credentials.turnstileSecret
      const token = emulator.issue('turnstile')
      assert.match(token, /^0\.[\w-]+\.[0-9a-f]+$/)
      assert.ok(token.length < 2048)
      const first = await turnstile(emulator, { secret, response: token, remoteip: '203.0.113.7' })
      assert.deepEqual([first.status, first.type], [200, 'application/json'])
      assert.deepEqual(Object.keys(first.json), ['success', 'error-codes', 'challenge_ts', 'hostname', 'action', 'cdata', 'metadata'])
      assert.deepEqual({ ...first.json, challenge_ts: 'ts' }, {
        success: true, 'error-codes': [], challenge_ts: 'ts', hostname: 'localhost', action: '', cdata: '', metadata: { interactive: false }
      })
      assert.match(first.json.challenge_ts, ISO_MILLIS)
      assert.ok(Math.abs(Date.parse(first.json.challenge_ts) - Date.now()) < 5_000)
      assert.equal((await turnstile(emulator, { secret, response: token })).text, refusal('timeout-or-duplicate'))

      const claimed = emulator.issue('turnstile', { hostname: 'shop.example', action: 'login', cdata: 'c-1', ephemeralId: 'x:9f78e0ed210960d7693b167e', interactive: true })
      const json = await turnstile(emulator, { secret, response: claimed }, { json: true })
      assert.deepEqual({ ...json.json, challenge_ts: 'ts' }, {
        success: true, 'error-codes': [], challenge_ts: 'ts', hostname: 'shop.example', action: 'login', cdata: 'c-1', metadata: { ephemeral_id: 'x:9f78e0ed210960d7693b167e', interactive: true }
      })
      const refused = emulator.issue('turnstile', { success: false })
      assert.equal((await turnstile(emulator, { secret, response: refused })).text, refusal('invalid-input-response'))
      assert.equal((await turnstile(emulator, { secret, response: refused })).text, refusal('timeout-or-duplicate'))
    })
  })

  it("answers Cloudflare's test secret keys, with the dummy token only", async () => {
    await withEmulator({}, async (emulator) => {
      const { pass, fail, spent } = TURNSTILE.testSecrets
      const passed = await turnstile(emulator, { secret: pass.secret, response: TURNSTILE.dummyToken })
      assert.equal(passed.status, pass.status)
      assert.deepEqual({ ...passed.json, challenge_ts: 'ts' }, {
        success: true, 'error-codes': [], challenge_ts: 'ts', hostname: pass.hostname, action: '', cdata: '', metadata: { result_with_testing_key: true }
      })
      assert.match(passed.json.challenge_ts, ISO_MILLIS)
      assert.equal((await turnstile(emulator, { secret: pass.secret, response: TURNSTILE.dummyToken })).json.success, true, 'any number of times')
      assert.equal((await turnstile(emulator, { secret: fail.secret, response: TURNSTILE.dummyToken })).text, refusal('invalid-input-response'))
      assert.equal((await turnstile(emulator, { secret: spent.secret, response: TURNSTILE.dummyToken })).text, refusal('timeout-or-duplicate'))
      const real = emulator.issue('turnstile')
      for (const test of [pass, fail, spent]) {
        assert.equal((await turnstile(emulator, { secret: test.secret, response: real })).text, refusal('invalid-input-secret'))
      }
      const secret = emulator.credentials.turnstileSecret
      assert.equal((await turnstile(emulator, { secret, response: TURNSTILE.dummyToken })).text, refusal('invalid-input-response'))
      assert.equal((await turnstile(emulator, { secret, response: real })).json.success, true, 'the test keys did not redeem it')
    })
  })

  it('a retry with the first request\'s idempotency_key gets the first answer; another key or none gets timeout-or-duplicate', async () => {
    await withEmulator({}, async (emulator) => {
      const secret = emulator.credentials.turnstileSecret
      const token = emulator.issue('turnstile')
      const first = await turnstile(emulator, { secret, response: token, idempotency_key: KEY })
      assert.equal(first.json.success, true)
      emulator.advanceTime(60_000)
      assert.equal((await turnstile(emulator, { secret, response: token, idempotency_key: KEY })).text, first.text, 'the same answer, success included')
      assert.equal((await turnstile(emulator, { secret, response: token, idempotency_key: KEY }, { json: true })).text, first.text)
      assert.equal((await turnstile(emulator, { secret, response: token, idempotency_key: '0f8fad5b-d9cb-469f-a165-70867728950e' })).text, refusal('timeout-or-duplicate'))
      assert.equal((await turnstile(emulator, { secret, response: token })).text, refusal('timeout-or-duplicate'))

      const unkeyed = emulator.issue('turnstile')
      assert.equal((await turnstile(emulator, { secret, response: unkeyed })).json.success, true)
      assert.equal((await turnstile(emulator, { secret, response: unkeyed, idempotency_key: KEY })).text, refusal('timeout-or-duplicate'), 'a key on the retry only is another redemption')

      const refused = emulator.issue('turnstile', { success: false })
      assert.equal((await turnstile(emulator, { secret, response: refused, idempotency_key: KEY })).text, refusal('invalid-input-response'))
      assert.equal((await turnstile(emulator, { secret, response: refused, idempotency_key: KEY })).text, refusal('invalid-input-response'))
      emulator.advanceTime(300_000)
      assert.equal((await turnstile(emulator, { secret, response: token, idempotency_key: KEY })).text, refusal('timeout-or-duplicate'), 'kept for the token\'s lifetime only')
    })
  })

  it('answers every failure with HTTP 200, the code and an empty messages list', async () => {
    await withEmulator({ turnstileSecret: 'ts_s3cr3t' }, async (emulator) => {
      const secret = 'ts_s3cr3t'
      const token = emulator.issue('turnstile')
      const cases = [
        [{}, refusal('missing-input-secret', 'missing-input-response')],
        [{ secret: '', response: token }, refusal('missing-input-secret')],
        [{ secret }, refusal('missing-input-response')],
        [{ secret: 'wrong', response: token }, refusal('invalid-input-secret')],
        [{ secret, response: '0.forged' }, refusal('invalid-input-response')],
        [{ secret, response: 'x'.repeat(2049) }, refusal('invalid-input-response')],
        [{ secret, response: token, idempotency_key: 'retry-1' }, refusal('bad-request')]
      ]
      for (const [fields, expected] of cases) {
        const verdict = await turnstile(emulator, fields)
        assert.deepEqual([verdict.status, verdict.type, verdict.text], [200, 'application/json', expected], JSON.stringify(fields))
        assert.ok(!verdict.text.includes('s3cr3t'))
      }
      for (const body of ['{"secret":', '[]', JSON.stringify({ secret, response: 42 })]) {
        assert.equal((await turnstile(emulator, body, { json: true })).text, refusal('bad-request'), body)
      }
      assert.equal((await turnstile(emulator, {}, { json: true })).text, refusal('missing-input-secret', 'missing-input-response'))
      assert.equal((await turnstile(emulator, { secret, response: token })).json.success, true, 'the failures did not redeem the token')
      const get = await fetch(`${emulator.url}/turnstile/v0/siteverify`).then(answer)
      assert.deepEqual([get.status, get.header('allow')], [405, 'POST'])
    })
  })

  it('tokens expire after 300 s or their expiresInMs; singleUse: false verifies until then', async () => {
    await withEmulator({}, async (emulator) => {
      const secret = emulator.credentials.turnstileSecret
      const young = emulator.issue('turnstile')
      const old = emulator.issue('turnstile')
      const reusable = emulator.issue('turnstile', { singleUse: false, expiresInMs: 10_000 })
      for (let n = 0; n < 3; n++) assert.equal((await turnstile(emulator, { secret, response: reusable })).json.success, true)
      emulator.advanceTime(10_001)
      assert.equal((await turnstile(emulator, { secret, response: reusable })).text, refusal('timeout-or-duplicate'))
      emulator.advanceTime(289_000)
      assert.equal((await turnstile(emulator, { secret, response: young })).json.success, true)
      emulator.advanceTime(1_000)
      assert.equal((await turnstile(emulator, { secret, response: old })).text, refusal('timeout-or-duplicate'))
    })
  })
})

describe('Emulator: hCaptcha (POST /siteverify)', () => {
  const refusal = (...codes) => JSON.stringify({ success: false, 'error-codes': codes })

  it('verifies an issued token once with the claims asked for, then answers already-seen-response', async () => {
    await withEmulator({}, async (emulator) => {
      const secret = emulator.credentials.hcaptchaSecret
      const token = emulator.issue('hcaptcha')
      assert.match(token, /^P1_eyJ[\w-]+\.[\w-]+\.[\w-]+$/)
      const first = await hcaptcha(emulator, { secret, response: token, remoteip: '203.0.113.7', sitekey: emulator.credentials.hcaptchaSitekey })
      assert.deepEqual([first.status, first.type], [200, 'application/json'])
      assert.deepEqual(Object.keys(first.json), ['success', 'challenge_ts', 'hostname', 'credit'])
      assert.deepEqual({ ...first.json, challenge_ts: 'ts' }, { success: true, challenge_ts: 'ts', hostname: 'localhost', credit: false })
      assert.match(first.json.challenge_ts, ISO_SECONDS)
      assert.ok(Math.abs(Date.parse(first.json.challenge_ts) - Date.now()) < 5_000)
      assert.equal((await hcaptcha(emulator, { secret, response: token })).text, refusal('already-seen-response'))

      const enterprise = emulator.issue('hcaptcha', { hostname: 'shop.example', credit: true, score: 0.8, scoreReason: ['automation'] })
      const scored = await hcaptcha(emulator, { secret, response: enterprise })
      assert.deepEqual(Object.keys(scored.json), ['success', 'challenge_ts', 'hostname', 'credit', 'score', 'score_reason'])
      assert.deepEqual({ ...scored.json, challenge_ts: 'ts' }, { success: true, challenge_ts: 'ts', hostname: 'shop.example', credit: true, score: 0.8, score_reason: ['automation'] })
      const refused = emulator.issue('hcaptcha', { success: false })
      assert.equal((await hcaptcha(emulator, { secret, response: refused })).text, refusal('invalid-input-response'))
      assert.equal((await hcaptcha(emulator, { secret, response: refused })).text, refusal('already-seen-response'))
    })
  })

  it("answers hCaptcha's test secret for each test key set, any number of times", async () => {
    await withEmulator({}, async (emulator) => {
      for (const [name, keys] of Object.entries(HCAPTCHA.testKeys)) {
        for (let n = 0; n < 2; n++) {
          const verdict = await hcaptcha(emulator, { secret: HCAPTCHA.testSecret, response: keys.token, sitekey: keys.sitekey })
          assert.equal(verdict.status, keys.status, name)
          const expected = { success: true, challenge_ts: 'ts', hostname: 'dummy-key-pass', credit: false }
          if (keys.score !== undefined) Object.assign(expected, { score: keys.score, score_reason: keys.scoreReason })
          assert.deepEqual({ ...verdict.json, challenge_ts: 'ts' }, expected, name)
          assert.match(verdict.json.challenge_ts, ISO_SECONDS)
        }
      }
      const { publisher, enterpriseSafeUser: safe, enterpriseBotDetected: bot } = HCAPTCHA.testKeys
      assert.equal(publisher.score, undefined)
      assert.ok(safe.score < 0.5 && bot.score > 0.5, 'higher means more likely a bot')
    })
  })

  it('answers every failure with HTTP 200 and its code, never consuming the token', async () => {
    await withEmulator({ hcaptchaSecret: 'hc_s3cr3t', hcaptchaSitekey: 'site-1' }, async (emulator) => {
      const secret = 'hc_s3cr3t'
      const token = emulator.issue('hcaptcha')
      const { publisher, enterpriseSafeUser: safe } = HCAPTCHA.testKeys
      const cases = [
        [{}, refusal('missing-input-secret', 'missing-input-response')],
        [{ secret: '', response: token }, refusal('missing-input-secret')],
        [{ secret }, refusal('missing-input-response')],
        [{ secret: 'wrong', response: token }, refusal('invalid-input-secret')],
        [{ secret, response: 'P1_forged' }, refusal('invalid-input-response')],
        [{ secret, response: token, remoteip: 'not-an-ip' }, refusal('invalid-remoteip')],
        [{ secret, response: token, sitekey: 'site-2' }, refusal('sitekey-secret-mismatch')],
        [{ secret, response: publisher.token }, refusal('not-using-dummy-passcode')],
        [{ secret, response: token, sitekey: publisher.sitekey }, refusal('not-using-dummy-passcode')],
        [{ secret: HCAPTCHA.testSecret, response: token }, refusal('not-using-dummy-passcode')],
        [{ secret: HCAPTCHA.testSecret, response: publisher.token, sitekey: safe.sitekey }, refusal('sitekey-secret-mismatch')]
      ]
      for (const [fields, expected] of cases) {
        const verdict = await hcaptcha(emulator, fields)
        assert.deepEqual([verdict.status, verdict.type, verdict.text], [200, 'application/json', expected], JSON.stringify(fields))
        assert.ok(!verdict.text.includes('s3cr3t'))
      }
      const json = await hcaptcha(emulator, undefined, { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ secret, response: token }) })
      assert.equal(json.text, refusal('bad-request'))
      assert.equal((await hcaptcha(emulator, { secret, response: token, sitekey: 'site-1' })).json.success, true, 'the failures did not consume the token')
      const get = await fetch(`${emulator.url}/siteverify`).then(answer)
      assert.deepEqual([get.status, get.header('allow')], [405, 'POST'])
    })
  })

  it('tokens expire after 120 s or their expiresInMs (expired-input-response); singleUse: false verifies until then', async () => {
    await withEmulator({}, async (emulator) => {
      const secret = emulator.credentials.hcaptchaSecret
      const young = emulator.issue('hcaptcha')
      const old = emulator.issue('hcaptcha')
      const reusable = emulator.issue('hcaptcha', { singleUse: false, expiresInMs: 10_000 })
      for (let n = 0; n < 3; n++) assert.equal((await hcaptcha(emulator, { secret, response: reusable })).json.success, true)
      emulator.advanceTime(10_001)
      assert.equal((await hcaptcha(emulator, { secret, response: reusable })).text, refusal('expired-input-response'))
      emulator.advanceTime(109_000)
      assert.equal((await hcaptcha(emulator, { secret, response: young })).json.success, true)
      emulator.advanceTime(1_000)
      assert.equal((await hcaptcha(emulator, { secret, response: old })).text, refusal('expired-input-response'))
    })
  })
})

describe('Emulator: every provider', () => {
  it('accepts the secrets it was started with and says so in credentials', async () => {
    const options = {
      swetrixSecret: 'my-swetrix',
      recaptchaSecret: 'my-recaptcha',
      playtchaSecret: 'my-playtcha',
      turnstileSecret: 'my-turnstile',
      hcaptchaSecret: 'my-hcaptcha',
      hcaptchaSitekey: 'my-sitekey',
      recaptchaEnterpriseApiKey: 'my-enterprise-key',
      recaptchaEnterpriseProjectId: 'my-enterprise-project',
      recaptchaEnterpriseSiteKey: 'my-enterprise-site-key',
      friendlyCaptchaApiKey: 'my-frc-key',
      friendlyCaptchaSitekey: 'my-frc-sitekey'
    }
    await withEmulator(options, async (emulator) => {
      assert.deepEqual(emulator.credentials, { trustcaptchaApiKey: Emulator.identities.trustcaptcha.apiKey, ...options })
      assert.equal((await swetrix(emulator, { token: emulator.issue('swetrix'), secret: 'my-swetrix' })).status, 200)
      assert.equal((await swetrix(emulator, { token: emulator.issue('swetrix'), secret: SWETRIX.secret })).text, nest('Could not decrypt token'))
      assert.equal((await siteverify(emulator, { secret: 'my-recaptcha', response: emulator.issue('recaptcha') })).json.success, true)
      assert.equal((await siteverify(emulator, { secret: RECAPTCHA.secretKey, response: emulator.issue('recaptcha') })).json['error-codes'][0], 'invalid-input-secret')
      assert.equal((await playtcha(emulator, { secret: 'my-playtcha', token: emulator.issue('playtcha') })).status, 200)
      assert.equal((await playtcha(emulator, { secret: PLAYTCHA.secret, token: emulator.issue('playtcha') })).json.error.code, 'bad_secret')
      assert.equal((await turnstile(emulator, { secret: 'my-turnstile', response: emulator.issue('turnstile') })).json.success, true)
      assert.deepEqual((await turnstile(emulator, { secret: TURNSTILE.secret, response: emulator.issue('turnstile') })).json['error-codes'], ['invalid-input-secret'])
      assert.equal((await hcaptcha(emulator, { secret: 'my-hcaptcha', response: emulator.issue('hcaptcha'), sitekey: 'my-sitekey' })).json.success, true)
      assert.deepEqual((await hcaptcha(emulator, { secret: HCAPTCHA.secret, response: emulator.issue('hcaptcha') })).json['error-codes'], ['invalid-input-secret'])
      assert.deepEqual((await hcaptcha(emulator, { secret: 'my-hcaptcha', response: emulator.issue('hcaptcha'), sitekey: HCAPTCHA.sitekey })).json['error-codes'], ['sitekey-secret-mismatch'])
    })
  })

  it('refuses bad claims with TypeErrors', async () => {
    await withEmulator({}, async (emulator) => {
      assert.throws(() => emulator.issue('swetrix', { chalenge: 'x' }), (e) => e instanceof TypeError && /unknown field `chalenge`/.test(e.message))
      assert.throws(() => emulator.issue('recaptcha', { score: 2 }), (e) => e instanceof TypeError && /score must be a number from 0 to 1/.test(e.message))
      assert.throws(() => emulator.issue('playtcha', { retryAfter: -1 }), TypeError)
      assert.throws(() => emulator.issue('playtcha', { score: 'high' }), TypeError)
      assert.throws(() => emulator.issue('turnstile', { score: 0.5 }), (e) => e instanceof TypeError && /invalid turnstile claims: unknown field `score`/.test(e.message))
      assert.throws(() => emulator.issue('turnstile', { expiresInMs: 1.5 }), TypeError)
      assert.throws(() => emulator.issue('hcaptcha', { score: 1.5 }), (e) => e instanceof TypeError && /invalid hcaptcha claims: score must be a number from 0 to 1/.test(e.message))
      assert.throws(() => emulator.issue('hcaptcha', { ageMs: 1 }), (e) => e instanceof TypeError && /unknown field `ageMs`/.test(e.message))
    })
  })

  it('a fault rule for one provider hits only that provider', async () => {
    await withEmulator({}, async (emulator) => {
      const { swetrixSecret, recaptchaSecret, playtchaSecret } = emulator.credentials
      const statuses = async () => [
        (await swetrix(emulator, { token: 'x', secret: SWETRIX.testSecrets.pass.secret })).status,
        (await siteverify(emulator, { secret: GOOGLE_TEST_SECRET, response: 'x' })).status,
        (await playtcha(emulator, { secret: playtchaSecret, token: emulator.issue('playtcha') })).status,
        (await turnstile(emulator, { secret: TURNSTILE.testSecrets.pass.secret, response: TURNSTILE.dummyToken })).status,
        (await hcaptcha(emulator, { secret: HCAPTCHA.testSecret, response: HCAPTCHA.testKeys.publisher.token })).status
      ]
      const tooMany = '{"statusCode":429,"message":"Too many requests, please try again later"}'
      emulator.fault({ provider: 'swetrix', kind: 'status', status: 429, body: tooMany })
      assert.deepEqual(await statuses(), [429, 200, 200, 200, 200])
      const limited = await swetrix(emulator, { token: emulator.issue('swetrix'), secret: swetrixSecret })
      assert.deepEqual([limited.status, limited.text], [429, tooMany])
      emulator.clearFaults()

      emulator.fault({ provider: 'recaptcha', times: 1, kind: 'status', status: 503, body: '' })
      assert.deepEqual(await statuses(), [200, 503, 200, 200, 200])
      assert.deepEqual(await statuses(), [200, 200, 200, 200, 200])

      emulator.fault({ provider: 'playtcha', times: 1, kind: 'nonJson', status: 502 })
      assert.deepEqual(await statuses(), [200, 200, 502, 200, 200])
      assert.deepEqual(await statuses(), [200, 200, 200, 200, 200])

      emulator.fault({ provider: 'turnstile', times: 1, kind: 'status', status: 500, body: '{"success":false,"error-codes":["internal-error"],"messages":[]}' })
      assert.deepEqual(await statuses(), [200, 200, 200, 500, 200])
      assert.deepEqual(await statuses(), [200, 200, 200, 200, 200])

      emulator.fault({ provider: 'hcaptcha', times: 1, kind: 'status', status: 503, body: '' })
      assert.deepEqual(await statuses(), [200, 200, 200, 200, 503])
      assert.deepEqual(await statuses(), [200, 200, 200, 200, 200])

      const token = emulator.issue('recaptcha')
      emulator.fault({ provider: 'recaptcha', times: 1, kind: 'close' })
      await assert.rejects(siteverify(emulator, { secret: recaptchaSecret, response: token }), TypeError)
      assert.equal((await siteverify(emulator, { secret: recaptchaSecret, response: token })).json.success, true, 'a request closed before an answer did not consume the token')

      const seen = emulator.requests().map((r) => r.provider)
      assert.deepEqual([...new Set(seen)].sort(), ['hcaptcha', 'playtcha', 'recaptcha', 'swetrix', 'turnstile'])
    })
  })
})
