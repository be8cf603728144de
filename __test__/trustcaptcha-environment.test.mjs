// TrustCaptcha with the environment's proxies and the static shortcut's defaults. Each case runs
// in a child process, because the environment is read when a connection pool is built.
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import https from 'node:https'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createRequire } from 'node:module'
import { testIdToken, startProxy, assertNoSecret, inChild } from './helpers.mjs'

const require = createRequire(import.meta.url)
const { Emulator } = require('../index.js')
const API_KEY = 'tc-env-test-key-91ab'

const outcome = `
  const settle = (p) => p.then((r) => ({ passed: r.verificationPassed }), (e) => ({ error: e.name, cause: e.cause && e.cause.message }))`

let emulator
let proxy
before(async () => {
  emulator = await Emulator.start({ trustcaptchaApiKey: API_KEY })
  proxy = await startProxy({ refuseConnect: true })
})
after(async () => {
  await emulator.close()
  await proxy.close()
})

describe('environment proxies', () => {
  it('HTTP_PROXY is honoured when proxy is undefined, and proxy: false bypasses it', async () => {
    const results = await inChild(`${outcome}
      const token = ${JSON.stringify(testIdToken(0))}
      const viaEnvironment = new captcha.TrustCaptcha({ apiKey: '${API_KEY}', apiHost: '${emulator.url}' })
      const direct = new captcha.TrustCaptcha({ apiKey: '${API_KEY}', apiHost: '${emulator.url}', proxy: false })
      return [await settle(viaEnvironment.getVerificationResult(token)), await settle(direct.getVerificationResult(token))]`,
    { HTTP_PROXY: proxy.url })
    assert.deepEqual(results, [{ passed: true }, { passed: true }])
    assert.equal(proxy.seen.filter((r) => r.url.startsWith(emulator.url)).length, 1, 'only the first call went through the proxy')
    assert.equal(emulator.requests().length, 2)
  })

  it('NO_PROXY exempts the host', async () => {
    const before = proxy.seen.length
    const results = await inChild(`${outcome}
      const client = new captcha.TrustCaptcha({ apiKey: '${API_KEY}', apiHost: '${emulator.url}' })
      return [await settle(client.getVerificationResult(${JSON.stringify(testIdToken(0))}))]`,
    { HTTP_PROXY: proxy.url, NO_PROXY: '127.0.0.1' })
    assert.deepEqual(results, [{ passed: true }])
    assert.equal(proxy.seen.length, before)
  })
})

describe('static shortcut', () => {
  it('uses the default host https://api.trustcomponent.com through HTTPS_PROXY, and a failed tunnel rejects ServerUnreachableException', async () => {
    const before = proxy.seen.length
    const results = await inChild(`${outcome}
      const token = ${JSON.stringify(testIdToken(0))}
      return [await settle(captcha.TrustCaptcha.getVerificationResult('${API_KEY}', token)),
              await settle(captcha.TrustCaptcha.getVerificationResult('${API_KEY}', token))]`,
    { HTTPS_PROXY: proxy.url })
    assert.deepEqual(results.map((r) => r.error), ['ServerUnreachableException', 'ServerUnreachableException'])
    assert.deepEqual(proxy.seen.slice(before).map((r) => [r.method, r.url]), [
      ['CONNECT', 'api.trustcomponent.com:443'],
      ['CONNECT', 'api.trustcomponent.com:443']
    ])
  })
})

/** A throwaway CA and a certificate for localhost signed by it, made with the openssl command. */
function makeCertificates () {
  const dir = mkdtempSync(join(tmpdir(), 'captcha-native-tls-'))
  const run = (...args) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' })
  run('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
    '-subj', '/CN=captcha-native test CA', '-keyout', 'ca.key', '-out', 'ca.pem')
  run('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-subj', '/CN=localhost', '-keyout', 'server.key', '-out', 'server.csr')
  execFileSync('sh', ['-c', 'printf "subjectAltName=DNS:localhost,IP:127.0.0.1\\nbasicConstraints=CA:FALSE\\n" > ext.cnf'], { cwd: dir })
  run('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '1', '-extfile', 'ext.cnf', '-out', 'server.pem')
  return { dir, caFile: join(dir, 'ca.pem'), key: readFileSync(join(dir, 'server.key')), cert: readFileSync(join(dir, 'server.pem')) }
}

describe('HTTPS through an authenticating CONNECT proxy', () => {
  it('tunnels with the credentials, verifies the certificate, and refuses an untrusted one', async (t) => {
    try {
      execFileSync('openssl', ['version'], { stdio: 'ignore' })
    } catch {
      t.skip('the openssl command is not installed')
      return
    }
    const tls = makeCertificates()
    // An HTTPS front for the emulator, as the real API host would be.
    const front = https.createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
      const upstream = new URL(req.url, emulator.url)
      fetch(upstream, { headers: { authorization: req.headers.authorization, 'user-agent': req.headers['user-agent'] } })
        .then(async (answer) => res.writeHead(answer.status, { 'content-type': 'application/json' }).end(await answer.text()))
    })
    await new Promise((resolve) => front.listen(0, '127.0.0.1', resolve))
    const credentials = { username: 'tunnel-user', password: 'tunnel-pass-31f' }
    const tunnel = await startProxy({ credentials })
    try {
      const apiHost = `https://localhost:${front.address().port}`
      const call = `${outcome}
        const options = { apiKey: '${API_KEY}', apiHost: '${apiHost}', proxy: { host: '127.0.0.1', port: ${tunnel.port}, auth: ${JSON.stringify(credentials)} } }
        const wrong = { ...options, proxy: { ...options.proxy, auth: { username: 'tunnel-user', password: 'nope' } } }
        return [await settle(new captcha.TrustCaptcha(options).getVerificationResult(${JSON.stringify(testIdToken(0))})),
                await settle(new captcha.TrustCaptcha(wrong).getVerificationResult(${JSON.stringify(testIdToken(0))}))]`
      const trusted = await inChild(call, { SSL_CERT_FILE: tls.caFile })
      assert.deepEqual(trusted[0], { passed: true })
      assert.equal(trusted[1].error, 'ServerUnreachableException', 'a refused CONNECT is an unreachable server')
      const connects = tunnel.seen.filter((r) => r.method === 'CONNECT')
      assert.equal(connects[0].url, `localhost:${front.address().port}`)
      assert.equal(connects[0].proxyAuthorization, 'Basic ' + Buffer.from('tunnel-user:tunnel-pass-31f').toString('base64'))
      assert.ok(emulator.requests().some((r) => r.path === `/v2/verifications/${Emulator.identities.trustcaptcha.testVerifications[0].verificationId}/results`))

      const untrusted = await inChild(call, {})
      assert.equal(untrusted[0].error, 'ServerUnreachableException', 'a certificate from an unknown CA is refused')
      assertNoSecret(untrusted[0], 'tunnel-pass-31f')
    } finally {
      await tunnel.close()
      front.close()
      rmSync(tls.dir, { recursive: true, force: true })
    }
  })
})
