// HTTPS with the addon's TLS stack (rustls on ring): certificates are verified against the
// system's roots (SSL_CERT_FILE points them elsewhere), and a provider that offers HTTP/2 by
// ALPN gets HTTP/2. The certificates are made here with the openssl command.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import http2 from 'node:http2'
import os from 'node:os'
import path from 'node:path'

import { inChild, startProxy } from './helpers.mjs'

const RESULT = { verificationId: '00000000-0000-0000-0000-000000000000', verificationPassed: true, score: 0.1 }
const TOKEN = Buffer.from(JSON.stringify({ verificationId: RESULT.verificationId })).toString('base64')
const API_KEY = 'tls-test-api-key'

// SSL_CERT_FILE is how a test can name its own root on Linux; macOS and Windows verify against
// the system's store only. The certificates are made with the openssl command.
function opensslMissing () {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' })
    return false
  } catch {
    return true
  }
}
const skip = process.platform !== 'linux' ? 'SSL_CERT_FILE is honoured on Linux only'
  : opensslMissing() ? 'needs the openssl command' : false

describe('HTTPS', { skip }, () => {
  let dir
  let server
  let origin
  const seen = []

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'captcha-native-tls-'))
    const file = (name) => path.join(dir, name)
    const openssl = (...args) => execFileSync('openssl', args, { stdio: 'pipe' })
    openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=captcha-native test CA',
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign',
      '-keyout', file('ca.key'), '-out', file('ca.pem'))
    openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-keyout', file('server.key'), '-out', file('server.csr'))
    writeFileSync(file('server.ext'), 'subjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth\n')
    openssl('x509', '-req', '-in', file('server.csr'), '-CA', file('ca.pem'), '-CAkey', file('ca.key'), '-CAcreateserial',
      '-days', '2', '-extfile', file('server.ext'), '-out', file('server.pem'))
    // Each provider's endpoint, answering a pass.
    const answers = {
      '/v1/captcha/validate': { success: true, data: { via: 'tls' } },
      '/recaptcha/api/siteverify': { success: true, hostname: 'example.com' },
      '/v1/verify': { success: true, challenge_ts: '2026-11-21T10:00:00.000Z', hostname: 'example.com' }
    }
    server = http2.createSecureServer({ key: readFileSync(file('server.key')), cert: readFileSync(file('server.pem')), allowHTTP1: true },
      (request, response) => {
        seen.push({ version: request.httpVersion, path: request.url, authorization: request.headers.authorization })
        response.writeHead(200, { 'content-type': 'application/json' })
        response.end(JSON.stringify(answers[request.url] ?? RESULT))
      })
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
    origin = `https://localhost:${server.address().port}`
  })

  after(() => {
    server?.close()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  const verify = `
    const client = new captcha.TrustCaptcha({ apiKey: ${JSON.stringify(API_KEY)}, apiHost: process.env.API_HOST })
    try {
      const results = await Promise.all([1, 2, 3].map(() => client.getVerificationResult(${JSON.stringify(TOKEN)})))
      return { passed: results.map((r) => r.verificationPassed) }
    } catch (error) {
      return { error: error.name, cause: String(error.cause?.message) }
    }`

  it('verifies over HTTP/2 with a certificate from a trusted root', async () => {
    seen.length = 0
    const outcome = await inChild(verify, { API_HOST: origin, SSL_CERT_FILE: path.join(dir, 'ca.pem') })
    assert.deepEqual(outcome, { passed: [true, true, true] })
    assert.equal(seen.length, 3)
    for (const request of seen) {
      assert.equal(request.version, '2.0')
      assert.equal(request.path, `/v2/verifications/${RESULT.verificationId}/results`)
      assert.equal(request.authorization, `Bearer ${API_KEY}`)
    }
  })

  it('refuses a certificate no trusted root signed, before sending anything', async () => {
    seen.length = 0
    const outcome = await inChild(verify, { API_HOST: origin, SSL_CERT_FILE: path.join(dir, 'server.pem') })
    assert.equal(outcome.error, 'ServerUnreachableException')
    assert.match(outcome.cause, /certificate/i)
    assert.equal(seen.length, 0)
  })

  // Every provider, with the test CA given as `ca` and not among the system's roots: the way
  // through a corporate TLS proxy. Through an authenticating CONNECT proxy as well.
  const everyProvider = (extra) => `
    const ca = require('node:fs').readFileSync(process.env.CA_FILE)
    const host = process.env.API_HOST
    const extra = ${extra}
    const outcome = async (call) => { try { return await call() } catch (error) { return { error: error.name, cause: String(error.cause?.message) } } }
    return {
      trustcaptcha: await outcome(async () => (await new captcha.TrustCaptcha({ apiKey: ${JSON.stringify(API_KEY)}, apiHost: host, ...extra(ca) })
        .getVerificationResult(${JSON.stringify(TOKEN)})).verificationPassed),
      swetrix: await outcome(() => captcha.validateToken('t', 's', host + '/v1/captcha', extra(ca))),
      recaptcha: await outcome(() => captcha.authorize('t', { secretKey: 's', siteverifyUrl: host + '/recaptcha/api/siteverify', retries: 0, ...extra(ca) })),
      playtcha: await outcome(async () => (await new captcha.Playtcha({ secret: 's', apiHost: host, ...extra(ca) }).verify('t')).failedOpen)
    }`
  const PASSED = { trustcaptcha: true, swetrix: [true, { via: 'tls' }], recaptcha: { success: true }, playtcha: false }

  it('every provider trusts a CA given as `ca` (string, Buffer or array), besides the system roots', async () => {
    seen.length = 0
    const env = { API_HOST: origin, CA_FILE: path.join(dir, 'ca.pem'), SSL_CERT_FILE: path.join(dir, 'server.pem') }
    assert.deepEqual(await inChild(everyProvider('(ca) => ({ ca })'), env), PASSED)
    assert.deepEqual(await inChild(everyProvider("(ca) => ({ ca: ca.toString('utf8') })"), env), PASSED)
    assert.deepEqual(await inChild(everyProvider('(ca) => ({ ca: [ca] })'), env), PASSED)
    assert.equal(seen.length, 12)
    assert.ok(seen.every((request) => request.version === '2.0'))
    // Without it, the same calls are refused: the CA is not among the roots.
    const refused = await inChild(everyProvider('() => ({})'), env)
    assert.equal(refused.trustcaptcha.error, 'ServerUnreachableException')
    assert.match(refused.trustcaptcha.cause, /certificate/i)
    assert.equal(refused.swetrix[0], false)
    assert.equal(refused.recaptcha.error, 'RecaptchaUnavailableError')
    assert.equal(refused.playtcha, true) // failed open
    assert.equal(seen.length, 12)
  })

  it('a `ca` that holds no PEM certificate is a TypeError, at once', async () => {
    const { TrustCaptcha, Playtcha, validateToken, authorize } = await import('../index.js')
    for (const ca of ['not a certificate', 42, [Buffer.from('x')], { pem: 'x' }]) {
      assert.throws(() => new TrustCaptcha({ apiKey: 'k', apiHost: origin, ca }), TypeError, String(ca))
      assert.throws(() => new Playtcha({ secret: 's', apiHost: origin, ca }), TypeError, String(ca))
      await assert.rejects(authorize('t', { secretKey: 's', siteverifyUrl: origin, ca }), TypeError)
      const [ok, message] = await validateToken('t', 's', origin, { ca })
      assert.equal(ok, false)
      assert.match(message, /TypeError: ca must/)
    }
  })

  it('HTTPS through an authenticating CONNECT proxy, for every provider; wrong credentials are refused', async () => {
    const proxy = await startProxy({ credentials: { username: 'user', password: 'proxy-secret' } })
    try {
      seen.length = 0
      const env = { API_HOST: origin, CA_FILE: path.join(dir, 'ca.pem'), SSL_CERT_FILE: path.join(dir, 'server.pem') }
      const through = (password) => `(ca) => ({ ca, proxy: { host: '127.0.0.1', port: ${proxy.port}, auth: { username: 'user', password: '${password}' } } })`
      assert.deepEqual(await inChild(everyProvider(through('proxy-secret')), env), PASSED)
      const tunnels = proxy.seen.filter((request) => request.method === 'CONNECT')
      assert.ok(tunnels.length >= 1 && tunnels.length === proxy.seen.length, JSON.stringify(proxy.seen))
      assert.ok(tunnels.every((request) => request.url === `localhost:${new URL(origin).port}`))
      assert.equal(seen.length, 4)
      proxy.seen.length = 0
      const refused = await inChild(everyProvider(through('wrong')), env)
      assert.equal(refused.trustcaptcha.error, 'ServerUnreachableException')
      assert.equal(refused.swetrix[0], false)
      assert.equal(refused.recaptcha.error, 'RecaptchaUnavailableError')
      assert.equal(refused.playtcha, true)
      assert.equal(seen.length, 4) // nothing reached the server
      assert.ok(proxy.seen.length >= 1 && proxy.seen.every((request) => request.method === 'CONNECT'))
      for (const value of Object.values(refused)) assert.doesNotMatch(JSON.stringify(value), /proxy-secret|wrong/)
    } finally {
      await proxy.close()
    }
  })

  // The defaults, end to end: no apiHost, apiURL or siteverifyUrl. HTTPS_PROXY sends every call
  // through a CONNECT proxy that records the host asked for and tunnels it to a local server
  // whose certificate (from the test CA) names the four providers' hosts.
  it("every provider's default endpoint: host, method, path and content type", async () => {
    const file = (name) => path.join(dir, name)
    const openssl = (...args) => execFileSync('openssl', args, { stdio: 'pipe' })
    openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=api.trustcomponent.com', '-keyout', file('defaults.key'), '-out', file('defaults.csr'))
    writeFileSync(file('defaults.ext'), 'subjectAltName=DNS:api.trustcomponent.com,DNS:api.swetrixcaptcha.com,DNS:www.google.com,DNS:playtcha.com\nextendedKeyUsage=serverAuth\n')
    openssl('x509', '-req', '-in', file('defaults.csr'), '-CA', file('ca.pem'), '-CAkey', file('ca.key'), '-CAcreateserial',
      '-days', '2', '-extfile', file('defaults.ext'), '-out', file('defaults.pem'))
    const answers = {
      [`/v2/verifications/${RESULT.verificationId}/results`]: RESULT,
      '/v1/captcha/validate': { success: true, data: {} },
      '/recaptcha/api/siteverify': { success: true },
      '/v1/verify': { success: true }
    }
    const requests = []
    const provider = http2.createSecureServer({ key: readFileSync(file('defaults.key')), cert: readFileSync(file('defaults.pem')), allowHTTP1: true },
      (request, response) => {
        request.resume()
        request.on('end', () => {
          requests.push({
            method: request.method,
            host: request.headers[':authority'] ?? request.headers.host,
            path: request.url,
            contentType: request.headers['content-type']
          })
          const answer = answers[request.url]
          response.writeHead(answer ? 200 : 404, { 'content-type': 'application/json' })
          response.end(JSON.stringify(answer ?? {}))
        })
      })
    await new Promise((resolve) => provider.listen(0, '127.0.0.1', resolve))
    const providerPort = provider.address().port
    // Every tunnel leads to the local server, whatever host it names.
    const proxy = await startProxy({ tunnelTo: providerPort })
    try {
      const outcome = await inChild(`
        const outcome = async (call) => { try { return await call() } catch (error) { return { error: error.name, message: error.message, cause: String(error.cause?.message) } } }
        return {
          trustcaptcha: await outcome(async () => (await captcha.TrustCaptcha.getVerificationResult(${JSON.stringify(API_KEY)}, ${JSON.stringify(TOKEN)})).verificationPassed),
          swetrix: await outcome(() => captcha.validateToken('swetrix-token', 'swetrix-secret')),
          recaptcha: await outcome(async () => (await captcha.authorize('recaptcha-token', { secretKey: 'recaptcha-secret', retries: 0 })).success),
          playtcha: await outcome(async () => {
            const result = await captcha.Playtcha.verify('playtcha-secret', 'playtcha-token')
            return { success: result.success, failedOpen: result.failedOpen }
          })
        }`, {
        HTTPS_PROXY: proxy.url,
        NO_PROXY: '',
        no_proxy: '',
        SSL_CERT_FILE: file('ca.pem'),
        SSL_CERT_DIR: undefined,
        PLAYTCHA_FAIL_CLOSED: undefined
      })
      assert.deepEqual(outcome, {
        trustcaptcha: true,
        swetrix: [true, {}],
        recaptcha: true,
        playtcha: { success: true, failedOpen: false }
      })
      assert.deepEqual(proxy.seen.map((request) => `${request.method} ${request.url}`).sort(),
        ['CONNECT api.swetrixcaptcha.com:443', 'CONNECT api.trustcomponent.com:443', 'CONNECT playtcha.com:443', 'CONNECT www.google.com:443'])
      const byPath = (a, b) => a.path.localeCompare(b.path)
      assert.deepEqual([...requests].sort(byPath), [
        { method: 'POST', host: 'www.google.com', path: '/recaptcha/api/siteverify', contentType: 'application/x-www-form-urlencoded' },
        { method: 'POST', host: 'api.swetrixcaptcha.com', path: '/v1/captcha/validate', contentType: 'application/json' },
        { method: 'POST', host: 'playtcha.com', path: '/v1/verify', contentType: 'application/json' },
        { method: 'GET', host: 'api.trustcomponent.com', path: `/v2/verifications/${RESULT.verificationId}/results`, contentType: undefined }
      ].sort(byPath))
    } finally {
      await proxy.close()
      await new Promise((resolve) => provider.close(resolve))
    }
  })

  it('refuses a certificate issued for another name', async () => {
    seen.length = 0
    // The same listener, but the certificate names only localhost.
    const other = origin.replace('localhost', '127.0.0.1')
    const outcome = await inChild(verify, { API_HOST: other, SSL_CERT_FILE: path.join(dir, 'ca.pem') })
    assert.equal(outcome.error, 'ServerUnreachableException')
    assert.match(outcome.cause, /certificate/i)
    assert.equal(seen.length, 0)
  })
})
