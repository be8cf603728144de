// validateToken against the embedded emulator and a capturing server, row by row of
// docs/providers/swetrix.md. It never rejects: every case below resolves its documented tuple.
import { describe, it, before, after, beforeEach } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { captureServer, closedPort, startProxy, trickleServer } from './helpers.mjs'

const require = createRequire(import.meta.url)
const { validateToken, Emulator } = require('../index.js')

const SECRET = 'swx-project-secret-7c1e9a'
const { pass: { secret: PASS }, fail: { secret: FAIL }, used: { secret: USED } } = Emulator.identities.swetrix.testSecrets
const DUMMY_CHALLENGE = 'DUMMY_CHALLENGE00000111112222233333444445555566666777778888899999'

let emulator
let api
before(async () => {
  emulator = await Emulator.start({ swetrixSecret: SECRET })
  api = `${emulator.url}/v1/captcha`
})
after(() => emulator.close())
beforeEach(() => {
  emulator.clearFaults()
  emulator.clearRequests()
})


/** Asserts a `[false, message]` tuple. */
function assertFails (outcome, message) {
  assert.ok(Array.isArray(outcome) && outcome.length === 2, `not a tuple: ${outcome}`)
  assert.deepEqual(outcome, [false, message])
}

const nest = (message) => `Request failed with status code 400: ${JSON.stringify({ message, error: 'Bad Request', statusCode: 400 })}`

describe('the token', () => {
  const missing = [['an empty string', ''], ['null', null], ['undefined', undefined], ['{}', {}],
    ['{ token: "" }', { token: '' }], ['{ token: null }', { token: null }], ['a number', 42], ['0', 0],
    ['false', false], ['a Symbol', Symbol('t')], ['an array', ['t']]]
  for (const [what, token] of missing) {
    it(`${what}: [false, 'CAPTCHA token is missing'] with no request`, async () => {
      assertFails(await validateToken(token, SECRET, api), 'CAPTCHA token is missing')
      assert.equal(emulator.requests().length, 0)
    })
  }

  it('is taken from a string or from { token }', async () => {
    const [ok] = await validateToken(emulator.issue('swetrix'), SECRET, api)
    const [okFromObject] = await validateToken({ token: emulator.issue('swetrix'), extra: 1 }, SECRET, api)
    assert.deepEqual([ok, okFromObject], [true, true])
  })

  it('a 10 MiB token resolves [false, "CAPTCHA validation failed"] without uploading it', async () => {
    assertFails(await validateToken('x'.repeat(10 * 1024 * 1024), SECRET, api), 'CAPTCHA validation failed')
    assert.equal(emulator.requests().length, 0)
  })

  it('a non-string { token } is sent as JSON, as the package does, and the server refuses it', async () => {
    assertFails(await validateToken({ token: 12345 }, SECRET, api), nest(['token must be a string']))
  })
})

describe('the request', () => {
  let server
  before(async () => { server = await captureServer(() => ({ body: { success: true, data: {} } })) })
  after(() => server.close())
  beforeEach(() => { server.seen.length = 0 })

  it('POSTs {"token","secret"} as JSON, keys in that order, to apiURL + "/validate"', async () => {
    await validateToken('tok"en\u00e9', SECRET, `${server.url}/v1/captcha`)
    const [request] = server.seen
    assert.equal(request.method, 'POST')
    assert.equal(request.path, '/v1/captcha/validate')
    assert.equal(request.headers['content-type'], 'application/json')
    assert.equal(request.body, JSON.stringify({ token: 'tok"en\u00e9', secret: SECRET }))
  })

  it('leaves an undefined secret out of the body and sends other values as JSON.stringify does', async () => {
    await validateToken('t', undefined, server.url)
    await validateToken('t', 7, server.url)
    await validateToken('t', null, server.url)
    assert.deepEqual(server.seen.map((r) => r.body), ['{"token":"t"}', '{"token":"t","secret":7}', '{"token":"t","secret":null}'])
  })

  it('concatenates apiURL and "/validate" as plain text (a trailing slash gives //validate)', async () => {
    await validateToken('t', SECRET, `${server.url}/custom/`)
    assert.equal(server.seen[0].path, '/custom//validate')
  })

  it('HTTP:// in upper case is still HTTP', async () => {
    const [ok] = await validateToken('t', SECRET, server.url.replace('http://', 'HTTP://'))
    assert.equal(ok, true)
  })

  it('goes through a proxy object', async () => {
    const proxy = await startProxy()
    try {
      const [ok] = await validateToken('t', SECRET, server.url, { proxy: { host: proxy.host, port: proxy.port } })
      assert.equal(ok, true)
      assert.deepEqual(proxy.seen.map((r) => [r.method, r.url]), [['POST', `${server.url}/validate`]])
    } finally {
      await proxy.close()
    }
  })
})

describe('the answer', () => {
  const answers = [
    ['a 400 with a body', 400, '{"message":"Token expired"}', [false, 'Request failed with status code 400: {"message":"Token expired"}']],
    ['a 500 with an empty body', 500, '', [false, 'Request failed with status code 500: ']],
    ['success with data', 200, '{"success":true,"data":{"z":1,"a":[2]}}', [true, { z: 1, a: [2] }]],
    ['success without data', 200, '{"success":true}', [true, undefined]],
    ['truthy success ("yes") and null data', 200, '{"success":"yes","data":null}', [true, null]],
    ['success false', 200, '{"success":false,"data":{"x":1}}', [false, 'CAPTCHA validation failed']],
    ['JSON null (the JS package throws a TypeError here)', 200, 'null', [false, 'CAPTCHA validation failed']],
    ['an array', 200, '[1]', [false, 'CAPTCHA validation failed']],
    ['HTML', 200, '<html>oops</html>', [false, 'Unable to parse JSON response: <html>oops</html>']],
    ['an empty 200', 200, '', [false, 'Unable to parse JSON response: ']],
    ['a 3xx is parsed like any status under 400', 302, '{"success":true,"data":1}', [true, 1]]
  ]
  for (const [what, status, body, expected] of answers) {
    it(`${what}: ${JSON.stringify(expected)}`, async () => {
      const server = await captureServer(() => ({ status, body, headers: { location: 'http://127.0.0.1:1/elsewhere' } }))
      try {
        assert.deepEqual(await validateToken('t', SECRET, server.url), expected)
        assert.equal(server.seen.length, 1)
      } finally {
        await server.close()
      }
    })
  }

  it('keeps the key order of data, as JSON.parse does', async () => {
    const server = await captureServer(() => ({ body: '{"data":{"zeta":1,"alpha":2,"10":3},"success":true}' }))
    try {
      const [, data] = await validateToken('t', SECRET, server.url)
      assert.deepEqual(Object.keys(data), ['10', 'zeta', 'alpha'])
    } finally {
      await server.close()
    }
  })
})

describe('the emulated service', () => {
  it('an issued token passes once with { challenge, timestamp, pid }, then "Token already used"', async () => {
    const token = emulator.issue('swetrix', { challenge: 'c-1', pid: 'APproject0001' })
    const [ok, data] = await validateToken(token, SECRET, api)
    assert.equal(ok, true)
    assert.equal(data.challenge, 'c-1')
    assert.equal(data.pid, 'APproject0001')
    assert.equal(typeof data.timestamp, 'number')
    assertFails(await validateToken(token, SECRET, api), nest('Token already used'))
  })

  it('the test secrets: PASS always passes, FAIL cannot decrypt, USED is already used', async () => {
    const [ok, data] = await validateToken('anything', PASS, api)
    assert.equal(ok, true)
    assert.equal(data.challenge, DUMMY_CHALLENGE)
    assert.equal(data.pid, 'AP00000000000')
    assertFails(await validateToken('anything', FAIL, api), nest('Could not decrypt token'))
    assertFails(await validateToken('anything', USED, api), nest('Token already used'))
  })

  it('a token older than 300 s is expired (the emulator clock, advanced)', async () => {
    const token = emulator.issue('swetrix')
    emulator.advanceTime(300_001)
    assertFails(await validateToken(token, SECRET, api), nest('Token expired'))
  })

  it('a secret of another project, or an unknown token, cannot decrypt', async () => {
    assertFails(await validateToken(emulator.issue('swetrix'), 'another-secret', api), nest('Could not decrypt token'))
    assertFails(await validateToken('forged', SECRET, api), nest('Could not decrypt token'))
  })

  it('a missing secret gets Nest\'s validation body', async () => {
    assertFails(await validateToken('t', undefined, api), nest(['secret must be a string', 'secret should not be empty']))
  })
})

describe('no verdict: every fault resolves, never rejects', () => {
  const faults = [
    ['status 429', { kind: 'status', status: 429, body: '{"statusCode":429,"message":"Too many requests, please try again later"}' },
      [false, 'Request failed with status code 429: {"statusCode":429,"message":"Too many requests, please try again later"}']],
    ['status 503', { kind: 'status', status: 503, body: 'down' }, [false, 'Request failed with status code 503: down']],
    ['a 200 that is not JSON', { kind: 'nonJson' }, [false, 'Unable to parse JSON response: <html><body><h1>502 Bad Gateway</h1><p>nginx</p></body></html>']],
    ['a 2 MiB body', { kind: 'hugeBody', mib: 2 }, [false, 'Unable to make API request, error: Error: maxContentLength size of 1048576 exceeded']],
    ['a reset mid-body', { kind: 'reset' }, [false, 'Unable to make API request, error: Error: socket hang up']],
    ['a close before the status line', { kind: 'close' }, [false, 'Unable to make API request, error: Error: socket hang up']],
    ['a hang', { kind: 'hang' }, [false, 'Unable to make API request, error: Error: timeout of 300ms exceeded']]
  ]
  for (const [what, rule, expected] of faults) {
    it(`${what}: ${expected[1]}`, async () => {
      emulator.fault({ provider: 'swetrix', times: 1, ...rule })
      assert.deepEqual(await validateToken('t', PASS, api, { timeoutMs: 300 }), expected)
    })
  }

  it('a delay within the timeout still resolves the verdict', async () => {
    emulator.fault({ provider: 'swetrix', times: 1, kind: 'delay', ms: 50 })
    const [ok] = await validateToken('t', PASS, api, { timeoutMs: 2000 })
    assert.equal(ok, true)
  })

  it('timeoutMs is a deadline on the whole request: a body trickling a byte every 100 ms times out', async () => {
    const trickle = await trickleServer()
    try {
      const started = performance.now()
      assertFails(await validateToken('t', SECRET, trickle.url, { timeoutMs: 600 }),
        'Unable to make API request, error: Error: timeout of 600ms exceeded')
      const ms = performance.now() - started
      assert.ok(ms < 600 * 1.1 + 200, `resolved after ${ms} ms`)
    } finally {
      await trickle.close()
    }
  })

  it('connection refused names the address, as Node does', async () => {
    const port = await closedPort()
    assertFails(await validateToken('t', SECRET, `http://127.0.0.1:${port}`),
      `Unable to make API request, error: Error: connect ECONNREFUSED 127.0.0.1:${port}`)
  })

  it('a host that does not resolve', async () => {
    assertFails(await validateToken('t', SECRET, 'http://nowhere.invalid'),
      'Unable to make API request, error: Error: getaddrinfo ENOTFOUND nowhere.invalid')
  })

  it('an unusable apiURL resolves TypeError: Invalid URL', async () => {
    for (const apiURL of ['not a url', 'ftp://example.com', 5]) {
      assertFails(await validateToken('t', SECRET, apiURL), 'Unable to make API request, error: TypeError: Invalid URL')
    }
  })

  it('bad options and unserialisable arguments resolve the error text, never throw', async () => {
    assertFails(await validateToken('t', SECRET, api, { timeoutMs: '5' }),
      'Unable to make API request, error: TypeError: options.timeoutMs must be a number of milliseconds')
    const [, zero] = await validateToken('t', SECRET, api, { timeoutMs: 0 })
    assert.match(zero, /^Unable to make API request, error: TypeError: options.timeoutMs must be a number of milliseconds greater than 0/)
    assertFails(await validateToken('t', SECRET, api, { proxy: 'http://proxy' }),
      'Unable to make API request, error: TypeError: proxy must be an object, false or undefined')
    assertFails(await validateToken('t', 10n, api), 'Unable to make API request, error: TypeError: Do not know how to serialize a BigInt')
    assertFails(await validateToken('t', SECRET, Symbol('url')), 'Unable to make API request, error: TypeError: Cannot convert a Symbol value to a string')
    assert.equal(emulator.requests().length, 0)
  })
})

describe('connections', () => {
  it('are pooled across calls: a second burst opens none', async () => {
    const burst = () => Promise.all(Array.from({ length: 200 }, () => validateToken('t', PASS, api)))
    const before = emulator.stats().connectionsAccepted
    const first = await burst()
    assert.ok(first.every(([ok]) => ok))
    const afterFirst = emulator.stats().connectionsAccepted
    // At most 64 in flight; a connection handed back a moment late can make the next call open
    // another, more so on a loaded machine, so allow up to twice that, far below one per call.
    assert.ok(afterFirst - before <= 128, `${afterFirst - before} connections for 200 calls`)
    await burst()
    const second = emulator.stats().connectionsAccepted - afterFirst
    assert.ok(second <= 16, `the second burst opened ${second} connections`)
  })
})
