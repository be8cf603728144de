// Playtcha against the embedded emulator and a capturing server, row by row of
// docs/providers/playtcha.md: fail closed on a 4xx, fail open when unavailable.
import { describe, it, before, after, beforeEach, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { assertNoSecret, captureServer, closedPort, rejection, trickleServer } from './helpers.mjs'

const require = createRequire(import.meta.url)
const { Playtcha, PlaytchaError, PlaytchaUnavailableError, FailoverException, Emulator } = require('../index.js')

const SECRET = 'ptc_live_sk_2b9f4e7a1c'

let emulator
let playtcha
before(async () => {
  emulator = await Emulator.start({ playtchaSecret: SECRET })
  playtcha = new Playtcha({ secret: SECRET, apiHost: emulator.url })
})
after(() => emulator.close())
beforeEach(() => {
  emulator.clearFaults()
  emulator.clearRequests()
})
afterEach(() => { delete process.env.PLAYTCHA_FAIL_CLOSED })

const verifyRequests = () => emulator.requests().filter((r) => r.provider === 'playtcha')

/** Asserts a PlaytchaError with this code and status; returns it. */
async function refused (promise, code, status) {
  const { error } = await rejection(promise)
  assert.equal(error.constructor, PlaytchaError, `expected PlaytchaError, got ${error}`)
  assert.ok(error instanceof Error && !(error instanceof FailoverException))
  assert.equal(error.name, 'PlaytchaError')
  assert.equal(error.code, code)
  assert.equal(error.status, status)
  assertNoSecret(error, SECRET)
  return error
}

/** Asserts a fail-open result with this reason and status. */
function failedOpen (result, unavailableReason, status) {
  assert.deepEqual(result, status === undefined
    ? { success: true, failedOpen: true, unavailableReason }
    : { success: true, failedOpen: true, unavailableReason, status })
}


describe('constructor and static verify', () => {
  it('an empty or missing secret throws synchronously', () => {
    for (const options of [undefined, {}, { secret: '' }, { secret: '   ' }]) {
      assert.throws(() => new Playtcha(options), (e) => e.constructor === Error && e.message === 'secret must not be null or empty')
    }
    assert.throws(() => Playtcha.verify('', 'token'), /secret must not be null or empty/)
  })

  it('wrong option types or values throw a TypeError naming the option', () => {
    for (const [options, message] of [
      [{ secret: 42 }, /secret must be a string/],
      [{ secret: 's', apiHost: 5 }, /apiHost must be a string/],
      [{ secret: 's', apiHost: 'ftp://x' }, /apiHost must be an http\(s\) URL/],
      [{ secret: 's', apiHost: 'https://user:pw@playtcha.com' }, /apiHost must be an http\(s\) URL without credentials/],
      [{ secret: 's', timeoutMs: '5' }, /timeoutMs must be a number/],
      [{ secret: 's', timeoutMs: -1 }, /timeoutMs must be a number of milliseconds greater than 0/],
      [{ secret: 's', failClosed: 'yes' }, /failClosed must be a boolean/],
      [{ secret: 's', proxy: 'http://p' }, /proxy must be an object/]
    ]) {
      assert.throws(() => new Playtcha(options), (e) => e instanceof TypeError && message.test(e.message), String(message))
    }
  })

  it('the secret is trimmed, and a trailing slash on apiHost does not give //v1', async () => {
    const trimmed = new Playtcha({ secret: `  ${SECRET}\n`, apiHost: `${emulator.url}/` })
    assert.equal((await trimmed.verify(emulator.issue('playtcha'))).failedOpen, false)
  })

  it('an instance does not show its secret', () => {
    const view = JSON.stringify(playtcha) + Object.keys(playtcha).join() + require('node:util').inspect(playtcha, { showHidden: true })
    assert.ok(!view.includes(SECRET))
  })
})

describe('the request', () => {
  it('POSTs {"secret","token"} as JSON to apiHost + /v1/verify, once', async () => {
    const server = await captureServer(() => ({ status: 503, body: '' }))
    try {
      await new Playtcha({ secret: 's"1', apiHost: server.url }).verify('tok')
      assert.equal(server.seen.length, 1, 'no automatic retry: tokens are single use')
      const [request] = server.seen
      assert.equal(request.method, 'POST')
      assert.equal(request.path, '/v1/verify')
      assert.equal(request.headers['content-type'], 'application/json')
      assert.equal(request.body, '{"secret":"s\\"1","token":"tok"}')
    } finally {
      await server.close()
    }
  })
})

describe('verified', () => {
  it('resolves success with the answer\'s fields', async () => {
    const result = await playtcha.verify(emulator.issue('playtcha', { hostname: 'game.example', action: 'join', score: 0.8 }))
    assert.equal(result.success, true)
    assert.equal(result.failedOpen, false)
    assert.equal(result.hostname, 'game.example')
    assert.equal(result.action, 'join')
    assert.equal(result.score, 0.8)
    assert.match(result.challengeTs, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/)
    assert.equal(result.degraded, undefined)
  })

  it('degraded: true is still success, with the reason passed through', async () => {
    const result = await playtcha.verify(emulator.issue('playtcha', { degraded: true, degradedReason: 'usage_band_2' }))
    assert.equal(result.success, true)
    assert.equal(result.failedOpen, false)
    assert.equal(result.degraded, true)
    assert.equal(result.degradedReason, 'usage_band_2')
  })
})

describe('fail closed on a 4xx, whatever the policy', () => {
  it('already_redeemed (409): a token verifies once', async () => {
    const token = emulator.issue('playtcha')
    await playtcha.verify(token)
    const error = await refused(playtcha.verify(token), 'already_redeemed', 409)
    assert.match(error.requestId, /^req_[0-9a-f]{16}$/)
    assert.equal(error.hint, 'Tokens are single use: never retry a verification')
    assert.equal(error.host, new URL(emulator.url).host)
    assert.match(error.message, /already_redeemed/)
  })

  it('token_expired (410) after five minutes', async () => {
    const token = emulator.issue('playtcha')
    emulator.advanceTime(300_001)
    await refused(playtcha.verify(token), 'token_expired', 410)
  })

  it('token_invalid and bad_secret (401), unknown_project (404)', async () => {
    const invalid = await refused(playtcha.verify('forged'), 'token_invalid', 401)
    assert.match(invalid.hint, /live\/test/)
    await refused(new Playtcha({ secret: 'ptc_test_other', apiHost: emulator.url }).verify(emulator.issue('playtcha')), 'bad_secret', 401)
    await refused(playtcha.verify(emulator.issue('playtcha', { unknownProject: true })), 'unknown_project', 404)
  })

  it('rate_limited_ip (429) carries retryAfter from the Retry-After header', async () => {
    const error = await refused(playtcha.verify(emulator.issue('playtcha', { rateLimited: true, retryAfter: 7 })), 'rate_limited_ip', 429)
    assert.equal(error.retryAfter, 7)
    const envelope = JSON.stringify({ error: { code: 'rate_limited_ip', message: 'slow down', request_id: 'req_2' } })
    emulator.fault({ provider: 'playtcha', times: 1, kind: 'status', status: 429, body: envelope, headers: { 'retry-after': '0' } })
    const tight = await refused(playtcha.verify('t'), 'rate_limited_ip', 429)
    assert.equal(tight.retryAfter, 1, 'never tighter than a second')
  })

  it('a 4xx without the envelope still fails closed (http_error), even with fail open', async () => {
    emulator.fault({ provider: 'playtcha', times: 1, kind: 'status', status: 400, body: 'bad' })
    const error = await refused(playtcha.verify(emulator.issue('playtcha')), 'http_error', 400)
    assert.equal(error.requestId, undefined)
  })

  it('upstream text reaches the error for logs, never the secret', async () => {
    const body = JSON.stringify({ error: { code: 'bad_secret', message: `secret ${SECRET} is wrong`, request_id: 'req_1', hint: `not ${SECRET}` } })
    emulator.fault({ provider: 'playtcha', times: 1, kind: 'status', status: 401, body })
    const error = await refused(playtcha.verify('t'), 'bad_secret', 401)
    assert.equal(error.message, 'Playtcha refused the verification (401 bad_secret): secret [redacted] is wrong')
    assert.equal(error.hint, 'not [redacted]')
  })

  const emptyTokens = [['an empty string', ''], ['undefined', undefined], ['null', null], ['a number', 7], ['an object', { token: 't' }]]
  for (const [what, token] of emptyTokens) {
    it(`${what} as the token: token_missing, no request, even failing open with the verifier down`, async () => {
      const down = new Playtcha({ secret: SECRET, apiHost: `http://127.0.0.1:${await closedPort()}` })
      await refused(down.verify(token), 'token_missing', undefined)
      await refused(playtcha.verify(token), 'token_missing', undefined)
      assert.equal(verifyRequests().length, 0)
    })
  }

  it('a 10 MiB token: token_invalid, no request', async () => {
    await refused(playtcha.verify('x'.repeat(10 * 1024 * 1024)), 'token_invalid', undefined)
    assert.equal(verifyRequests().length, 0)
  })

  it('a redirect is not followed and does not fail open (a wrong apiHost is not an outage)', async () => {
    emulator.fault({ provider: 'playtcha', times: 1, kind: 'status', status: 301, body: '', headers: { location: 'https://playtcha.com/v1/verify' } })
    await refused(playtcha.verify(emulator.issue('playtcha')), 'unexpected_redirect', 301)
  })
})

describe('unavailable: fail open by default', () => {
  const fast = () => new Playtcha({ secret: SECRET, apiHost: emulator.url, timeoutMs: 300 })
  const cases = [
    ['db_error (500)', null, { dbError: true }, 'server_error', 500],
    ['a 503', { kind: 'status', status: 503, body: '' }, {}, 'server_error', 503],
    ['a hang past timeoutMs', { kind: 'hang' }, {}, 'timeout', undefined],
    ['a reset', { kind: 'reset' }, {}, 'network_error', undefined],
    ['a close before the status line', { kind: 'close' }, {}, 'network_error', undefined],
    ['an unreadable 200', { kind: 'nonJson' }, {}, 'malformed_response', 200],
    ['a 2xx without success: true', { kind: 'status', status: 200, body: '{"success":false}' }, {}, 'malformed_response', 200],
    ['a 2 MiB body', { kind: 'hugeBody', mib: 2 }, {}, 'malformed_response', undefined]
  ]
  for (const [what, rule, claims, reason, status] of cases) {
    it(`${what}: resolves failedOpen with ${reason}`, async () => {
      if (rule) emulator.fault({ provider: 'playtcha', times: 1, ...rule })
      failedOpen(await fast().verify(emulator.issue('playtcha', claims)), reason, status)
      assert.equal(verifyRequests().length, 1, 'no retry')
    })
  }

  it('timeoutMs is a deadline on the whole request: a body trickling a byte every 100 ms times out', async () => {
    const trickle = await trickleServer()
    try {
      const started = performance.now()
      failedOpen(await new Playtcha({ secret: SECRET, apiHost: trickle.url, timeoutMs: 600 }).verify('t'), 'timeout')
      const ms = performance.now() - started
      assert.ok(ms < 600 * 1.1 + 200, `resolved after ${ms} ms`)
    } finally {
      await trickle.close()
    }
  })

  it('connection refused: network_error', async () => {
    failedOpen(await new Playtcha({ secret: SECRET, apiHost: `http://127.0.0.1:${await closedPort()}` }).verify('t'), 'network_error')
  })
})

describe('unavailable with failClosed', () => {
  it('rejects PlaytchaUnavailableError, a FailoverException, with the reason and status', async () => {
    const strict = new Playtcha({ secret: SECRET, apiHost: emulator.url, failClosed: true })
    const { error } = await rejection(strict.verify(emulator.issue('playtcha', { dbError: true })))
    assert.equal(error.constructor, PlaytchaUnavailableError)
    assert.ok(error instanceof FailoverException)
    assert.equal(error.name, 'PlaytchaUnavailableError')
    assert.equal(error.message, 'Playtcha is unavailable (server_error)')
    assert.equal(error.reason, 'server_error')
    assert.equal(error.status, 500)
    assert.equal(error.code, 'db_error')
    assert.match(error.requestId, /^req_/)
    assertNoSecret(error, SECRET)
  })

  it('PLAYTCHA_FAIL_CLOSED=1 turns it on; failClosed: false wins over it', async () => {
    process.env.PLAYTCHA_FAIL_CLOSED = '1'
    const apiHost = `http://127.0.0.1:${await closedPort()}`
    const { error } = await rejection(new Playtcha({ secret: SECRET, apiHost }).verify('t'))
    assert.equal(error.constructor, PlaytchaUnavailableError)
    assert.equal(error.reason, 'network_error')
    failedOpen(await new Playtcha({ secret: SECRET, apiHost, failClosed: false }).verify('t'), 'network_error')
    process.env.PLAYTCHA_FAIL_CLOSED = 'true'
    failedOpen(await new Playtcha({ secret: SECRET, apiHost }).verify('t'), 'network_error')
  })
})
