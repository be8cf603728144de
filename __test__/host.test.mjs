// The host stays ours: no token content can change the request's host, path, query or headers,
// and redirects are never followed. Hostile tokens go to a capturing server for every provider.
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { captureServer, rejection, trustToken } from './helpers.mjs'

const require = createRequire(import.meta.url)
const {
  TrustCaptcha, VerificationTokenInvalidException, validateToken, authorize, RecaptchaError,
  Playtcha, PlaytchaError, Turnstile, TurnstileConfigurationError, HCaptcha, HCaptchaConfigurationError, Recaptcha
} = require('../index.js')
const hcaptchaDropIn = require('../subpath/hcaptcha.js')

const SECRET = 'host-test-secret-5d1f'
const UUID = '00000000-0000-0000-0000-000000000001'
const RESULTS = `/v2/verifications/${UUID}/results`
// 100 KB of every hostile kind at once.
const BIG = '/../?#%\r\nX-Injected: 1 ü😀'.repeat(4000).slice(0, 100 * 1024)
const HOSTILE = ['../../admin', '/v2/other', 'a/b', '..', '.', 'x?admin=1', 'x#frag', '%2e%2e%2f',
  '%0d%0aX-Injected: 1', 'a\r\nX-Injected: 1', 'a\nb', 'a\rb', '\u0000', 'ünïcödé', '\u2028', '😀',
  '\ud800', 'http://evil.example/', '//evil.example/x', '@evil.example', 'a b']
// JSON with a lone surrogate (\ud800 escaped) is refused by the token's JSON parser, like a 100 KB token.
const unparsed = (h) => h === BIG || !h.isWellFormed()
const show = (h) => JSON.stringify(h.length > 40 ? `${h.slice(0, 40)}…(${h.length})` : h)
const without = (headers, name) => Object.fromEntries(Object.entries(headers).filter(([k]) => k !== name))

/**
 * Asserts that every request in `requests` went to `server`'s host at exactly `path`, with no
 * header a token could have added: the same headers as `baseline` (a benign token's request).
 */
function assertOurs (server, requests, path, baseline, method) {
  for (const request of requests) {
    assert.equal(request.method, method)
    assert.equal(request.path, path, `path changed to ${request.path}`)
    assert.equal(request.headers.host, new URL(server.url).host)
    assert.ok(!('x-injected' in request.headers), 'a header was injected')
    assert.deepEqual(without(request.headers, 'content-length'), without(baseline.headers, 'content-length'))
    assert.equal(Number(request.headers['content-length'] ?? 0), Buffer.byteLength(request.body))
  }
}

/** Runs `call` and returns the requests `server` saw during it. */
async function during (server, call) {
  const before = server.seen.length
  await call()
  return server.seen.slice(before)
}

describe('TrustCaptcha', () => {
  let server, trust, baseline
  before(async () => {
    server = await captureServer()
    trust = new TrustCaptcha({ apiKey: SECRET, apiHost: server.url })
    await trust.getVerificationResult(trustToken({ verificationId: UUID }))
    baseline = server.seen[0]
  })
  after(() => server.close())

  const invalid = async (token, message) => {
    const { error } = await rejection(trust.getVerificationResult(token))
    assert.deepEqual([error.constructor, error.message], [VerificationTokenInvalidException, message])
  }

  it('a hostile verificationId is refused locally, in base64 and base64url, and never sent', async () => {
    const seen = await during(server, async () => {
      for (const h of [...HOSTILE, BIG]) {
        const ids = [h, `${UUID}${h}`, `${h}${UUID}`]
        if (h.length <= 36) ids.push(h + UUID.slice(h.length)) // 36 characters, UUID-shaped length
        for (const verificationId of ids) {
          for (const encoding of ['base64', 'base64url']) {
            await invalid(trustToken({ verificationId, expiresAt: h, clientFailover: true }, encoding),
              unparsed(h) ? 'Invalid Base64-encoded JSON' : 'Invalid UUID in verification token')
          }
        }
      }
    })
    assert.equal(seen.length, 0)
  })

  it('hostile expiresAt / clientFailover / extra fields never leave the results path', async () => {
    for (const h of HOSTILE) {
      for (const encoding of ['base64', 'base64url']) {
        if (unparsed(h)) {
          const refused = await during(server, () => invalid(trustToken({ verificationId: UUID, expiresAt: h }, encoding), 'Invalid Base64-encoded JSON'))
          assert.equal(refused.length, 0)
          continue
        }
        const plain = await during(server, () => trust.getVerificationResult(
          trustToken({ verificationId: UUID, expiresAt: h, clientFailover: h, [h]: h }, encoding)))
        assert.equal(plain.length, 1, show(h))
        assertOurs(server, plain, RESULTS, baseline, 'GET')
        const failover = await during(server, () => trust.getVerificationResult(
          trustToken({ verificationId: UUID, expiresAt: h, clientFailover: true }, encoding)))
        assert.equal(failover.length, 1, show(h))
        assertOurs(server, failover, `${RESULTS}?clientFailover=true`, baseline, 'GET')
      }
    }
  })

  it('a token with CR/LF (skipped like Buffer.from does) still fetches only the results path', async () => {
    const token = trustToken({ verificationId: UUID })
    const broken = `${token.slice(0, 8)}\r\n${token.slice(8, 20)}\n\r${token.slice(20)}\r\n`
    const seen = await during(server, () => trust.getVerificationResult(broken))
    assert.equal(seen.length, 1)
    assertOurs(server, seen, RESULTS, baseline, 'GET')
  })

  it('a hostile raw token is refused locally or fetches only the results path', async () => {
    const valid = trustToken({ verificationId: UUID })
    for (const h of [...HOSTILE, BIG]) {
      for (const token of [h, valid + h, h + valid, valid.slice(0, 12) + h + valid.slice(12)]) {
        const seen = await during(server, async () => {
          try { await trust.getVerificationResult(token) } catch (error) {
            assert.equal(error.constructor, VerificationTokenInvalidException, `${show(token)}: ${error}`)
          }
        })
        assert.ok(seen.length <= 1, show(token))
        assertOurs(server, seen, RESULTS, baseline, 'GET')
      }
    }
  })

  it('a very long token (100 KB, valid JSON) is refused without a request', async () => {
    const seen = await during(server, () => invalid(trustToken({ verificationId: UUID, pad: BIG }), 'Invalid Base64-encoded JSON'))
    assert.equal(seen.length, 0)
  })
})

describe('Swetrix validateToken', () => {
  let server, api, baseline
  before(async () => {
    server = await captureServer()
    api = `${server.url}/v1/captcha`
    await validateToken('benign', SECRET, api)
    baseline = server.seen[0]
  })
  after(() => server.close())

  it('a hostile token only ever travels in the JSON body, byte for byte', async () => {
    for (const h of HOSTILE) {
      for (const given of [h, { token: h }]) {
        const seen = await during(server, async () => {
          assert.deepEqual(await validateToken(given, SECRET, api), [false, 'CAPTCHA validation failed'])
        })
        assert.equal(seen.length, 1, show(h))
        assertOurs(server, seen, '/v1/captcha/validate', baseline, 'POST')
        assert.equal(seen[0].body, JSON.stringify({ token: h, secret: SECRET }))
        assert.deepEqual(JSON.parse(seen[0].body), { token: h, secret: SECRET })
      }
    }
  })

  it('a 100 KB token resolves [false, "CAPTCHA validation failed"] with no request', async () => {
    const seen = await during(server, async () => {
      assert.deepEqual(await validateToken(BIG, SECRET, api), [false, 'CAPTCHA validation failed'])
    })
    assert.equal(seen.length, 0)
  })
})

describe('reCAPTCHA authorize', () => {
  const PATH = '/recaptcha/api/siteverify'
  let server, options, baseline
  before(async () => {
    server = await captureServer(() => ({ body: { success: false, 'error-codes': ['invalid-input-response'] } }))
    options = { secretKey: SECRET, siteverifyUrl: `${server.url}${PATH}`, retries: 0 }
    await authorize('benign', options).catch(() => {})
    baseline = server.seen[0]
  })
  after(() => server.close())

  it('a hostile token or remoteIp only ever travels in the form body', async () => {
    for (const h of HOSTILE) {
      const seen = await during(server, async () => {
        const { error } = await rejection(authorize(h, { ...options, remoteIp: h }))
        assert.deepEqual([error.constructor, error.statusCode], [RecaptchaError, 400], `${show(h)}: ${error}`)
      })
      assert.equal(seen.length, 1, show(h))
      assertOurs(server, seen, PATH, baseline, 'POST')
      const form = new URLSearchParams(seen[0].body)
      // A lone surrogate cannot be UTF-8: it arrives as U+FFFD, like Node's own encoders do.
      assert.deepEqual([...form], [['secret', SECRET], ['response', h.toWellFormed()], ['remoteip', h.toWellFormed()]])
    }
  })

  it('a 100 KB token is refused 400 invalid-input-response with no request', async () => {
    const seen = await during(server, async () => {
      const { error } = await rejection(authorize(BIG, options))
      assert.equal(error.constructor, RecaptchaError)
      assert.deepEqual([error.statusCode, error.errorCodes], [400, ['invalid-input-response']])
    })
    assert.equal(seen.length, 0)
  })
})

describe('the siteverify providers: Turnstile, hCaptcha (class and drop-in), the Recaptcha class', () => {
  const PATH = '/siteverify'
  let server
  before(async () => {
    server = await captureServer(() => ({ body: { success: false, 'error-codes': ['invalid-input-response'] } }))
    hcaptchaDropIn.configureHcaptcha({ siteverifyUrl: `${server.url}${PATH}`, retries: 0 })
  })
  after(() => {
    hcaptchaDropIn.configureHcaptcha()
    return server.close()
  })

  const clients = () => ({
    turnstile: (token, h) => new Turnstile({ secret: SECRET, siteverifyUrl: `${server.url}${PATH}`, retries: 0 }).verify(token, { remoteip: h }),
    hcaptcha: (token, h) => new HCaptcha({ secret: SECRET, siteverifyUrl: `${server.url}${PATH}`, retries: 0 }).verify(token, { remoteip: h, sitekey: h }),
    hcaptchaDropIn: (token, h) => hcaptchaDropIn.verify(SECRET, token, h, h),
    recaptcha: (token, h) => new Recaptcha({ secret: SECRET, siteverifyUrl: `${server.url}${PATH}`, retries: 0 }).verify(token, { remoteip: h })
  })

  for (const name of ['turnstile', 'hcaptcha', 'hcaptchaDropIn', 'recaptcha']) {
    it(`${name}: a hostile token, remoteip or sitekey only ever travels in the form body`, async () => {
      const verify = clients()[name]
      const baseline = (await during(server, () => verify('benign', 'benign')))[0]
      for (const h of HOSTILE) {
        const seen = await during(server, async () => {
          const verdict = await verify(h, h)
          assert.equal(verdict.success, false, show(h))
        })
        assert.equal(seen.length, 1, show(h))
        assertOurs(server, seen, PATH, baseline, 'POST')
        const sent = [...new URLSearchParams(seen[0].body)].filter(([field]) => field !== 'idempotency_key')
        const expected = [['secret', SECRET], ['response', h.toWellFormed()], ['remoteip', h.toWellFormed()]]
        if (name.startsWith('hcaptcha')) expected.push(['sitekey', h.toWellFormed()])
        assert.deepEqual(sent, expected, show(h))
      }
    })
  }

  it('turnstile: a hostile idempotencyKey is a TypeError and no request; a token over 2,048 characters is refused unsent', async () => {
    const turnstile = new Turnstile({ secret: SECRET, siteverifyUrl: `${server.url}${PATH}` })
    const seen = await during(server, async () => {
      for (const h of HOSTILE) {
        await assert.rejects(turnstile.verify('t', { idempotencyKey: h }), TypeError, show(h))
        await assert.rejects(turnstile.verify('t', { idempotencyKey: `00000000-0000-4000-8000-00000000000${h}` }), TypeError, show(h))
      }
      assert.deepEqual(await turnstile.verify('x'.repeat(2049)), { success: false, errorCodes: ['invalid-input-response'] })
      for (const [Class, Error] of [[HCaptcha, HCaptchaConfigurationError], [Recaptcha, RecaptchaError], [Turnstile, TurnstileConfigurationError]]) {
        assert.equal((await new Class({ secret: SECRET, siteverifyUrl: `${server.url}${PATH}` }).verify(BIG)).success, false, Error.name)
      }
    })
    assert.equal(seen.length, 0)
  })
})

describe('Playtcha', () => {
  let server, playtcha, baseline
  before(async () => {
    server = await captureServer(() => ({ body: { success: true, hostname: 'game.example' } }))
    playtcha = new Playtcha({ secret: SECRET, apiHost: server.url })
    await playtcha.verify('benign')
    baseline = server.seen[0]
  })
  after(() => server.close())

  it('a hostile token only ever travels in the JSON body', async () => {
    for (const h of HOSTILE) {
      const seen = await during(server, async () => {
        const result = await playtcha.verify(h)
        assert.deepEqual([result.success, result.failedOpen], [true, false], show(h))
      })
      assert.equal(seen.length, 1, show(h))
      assertOurs(server, seen, '/v1/verify', baseline, 'POST')
      assert.deepEqual(JSON.parse(seen[0].body), { secret: SECRET, token: h.toWellFormed() })
    }
  })

  it('non-strings, empty and 100 KB tokens are refused locally with no request', async () => {
    const seen = await during(server, async () => {
      for (const token of ['', null, undefined, 42, { token: 'x' }, ['x'], BIG]) {
        const { error } = await rejection(playtcha.verify(token))
        assert.deepEqual([error.constructor, error.code], [PlaytchaError, token === BIG ? 'token_invalid' : 'token_missing'])
      }
    })
    assert.equal(seen.length, 0)
  })
})

describe('redirects are never followed', () => {
  let stolen, redirector, status, location
  before(async () => {
    // Following would pay off: the target answers success for every provider.
    stolen = await captureServer(() => ({ body: { success: true, data: { stolen: true }, hostname: 'x' } }))
    redirector = await captureServer(() => ({ status, headers: { location }, body: '' }))
  })
  after(() => Promise.all([stolen.close(), redirector.close()]))

  for (const code of [301, 302, 307, 308]) {
    for (const target of ['absolute', 'relative']) {
      it(`${code} to a ${target} Location: every provider stops at the first answer`, async () => {
        status = code
        location = target === 'absolute' ? `${stolen.url}/stolen` : '/stolen'
        const seen = await during(redirector, async () => {
          const trust = new TrustCaptcha({ apiKey: SECRET, apiHost: redirector.url })
          const { error } = await rejection(trust.getVerificationResult(trustToken({ verificationId: UUID })))
          assert.deepEqual([error.constructor, error.message, error.status],
            [Error, `Failed to retrieve verification result, response code: ${code}`, code])

          assert.deepEqual(await validateToken('t', SECRET, `${redirector.url}/v1/captcha`),
            [false, 'Unable to parse JSON response: '])

          const recaptcha = await rejection(authorize('t', { secretKey: SECRET, siteverifyUrl: `${redirector.url}/siteverify`, retries: 0 }))
          assert.equal(recaptcha.error.constructor, RecaptchaError, `${recaptcha.error}`)
          assert.deepEqual([recaptcha.error.statusCode, recaptcha.error.errorCodes], [500, ['siteverify-unexpected-status']])

          for (const [Class, Error] of [[Turnstile, TurnstileConfigurationError], [HCaptcha, HCaptchaConfigurationError], [Recaptcha, RecaptchaError]]) {
            const { error } = await rejection(new Class({ secret: SECRET, siteverifyUrl: `${redirector.url}/siteverify` }).verify('t'))
            assert.equal(error.constructor, Error, `${error}`)
            assert.deepEqual(error.errorCodes, ['siteverify-unexpected-status'])
          }

          const playtcha = await rejection(new Playtcha({ secret: SECRET, apiHost: redirector.url }).verify('t'))
          assert.equal(playtcha.error.constructor, PlaytchaError, `${playtcha.error}`)
          assert.deepEqual([playtcha.error.code, playtcha.error.status], ['unexpected_redirect', code])
        })
        assert.deepEqual(seen.map((r) => r.path), [RESULTS, '/v1/captcha/validate', '/siteverify', '/siteverify', '/siteverify', '/siteverify', '/v1/verify'])
        assert.equal(stolen.seen.length, 0, 'a redirect was followed to another server')
      })
    }
  }
})

describe('a polluted Object.prototype', () => {
  it('never steers where a secret goes: options are read from their own properties only', async () => {
    const stolen = await captureServer(() => ({ body: { success: true } }))
    const ours = await captureServer(() => ({ body: { success: false, 'error-codes': ['invalid-input-response'] } }))
    const { configureHcaptcha, verify } = require('../subpath/hcaptcha.js')
    const { verifyRequest } = require('captcha-native/middleware')
    const names = ['siteverifyUrl', 'apiHost', 'apiURL', 'sitekey', 'remoteip', 'expectedAction']
    for (const name of names) Object.prototype[name] = `${stolen.url}/stolen` // eslint-disable-line no-extend-native
    try {
      const own = { siteverifyUrl: `${ours.url}/siteverify`, retries: 0 }
      configureHcaptcha({ retries: 0, timeoutMs: 500, proxy: false })
      const outcomes = [
        await new Turnstile({ secret: SECRET, retries: 0, timeoutMs: 500, proxy: false }).verify('t').catch((e) => e),
        await new HCaptcha({ secret: SECRET, ...own }).verify('t'),
        await verify(SECRET, 't').catch((e) => e),
        await Recaptcha.verify(SECRET, 't', own),
        await authorize('t', { secretKey: SECRET, retries: 0, timeoutMs: 500, proxy: false }).catch((e) => e),
        await new Playtcha({ secret: SECRET, timeoutMs: 500, proxy: false }).verify('t').catch((e) => e),
        await verifyRequest({ body: { 'cf-turnstile-response': 't' }, headers: {} }, { provider: 'turnstile', secret: SECRET, retries: 0, timeoutMs: 500, proxy: false })
      ]
      assert.equal(outcomes.length, 7)
    } finally {
      for (const name of names) delete Object.prototype[name]
      configureHcaptcha()
    }
    assert.equal(stolen.seen.length, 0, `a secret went to ${stolen.seen.map((r) => r.path).join(', ')}`)
    assert.equal(ours.seen.length, 2, 'the own siteverifyUrl is used')
    assert.ok(ours.seen.every((r) => !/sitekey|remoteip/.test(r.body)), 'no polluted field was sent')
    await Promise.all([stolen.close(), ours.close()])
  })
})
