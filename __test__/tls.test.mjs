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

import { inChild } from './helpers.mjs'

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
    server = http2.createSecureServer({ key: readFileSync(file('server.key')), cert: readFileSync(file('server.pem')), allowHTTP1: true },
      (request, response) => {
        seen.push({ version: request.httpVersion, path: request.url, authorization: request.headers.authorization })
        response.writeHead(200, { 'content-type': 'application/json' })
        response.end(JSON.stringify(RESULT))
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
