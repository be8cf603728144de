// TrustCaptcha with the environment's proxies and the static shortcut's defaults. Each case runs
// in a child process, because the environment is read when a connection pool is built.
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { testIdToken, startProxy } from './helpers.mjs'

const require = createRequire(import.meta.url)
const { Emulator } = require('../index.js')
const INDEX = fileURLToPath(new URL('../index.js', import.meta.url))
const API_KEY = 'tc-env-test-key-91ab'

/** Runs `body` (the text of an async function given `captcha`) in a child with `env`; returns its JSON. */
function inChild (body, env) {
  const script = `const captcha = require(${JSON.stringify(INDEX)});
    (async (captcha) => { ${body} })(captcha).then((v) => process.stdout.write(JSON.stringify(v)), (e) => { console.error(e); process.exit(1) })`
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/_proxy$/i.test(k)))
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['-e', script], { env: { ...clean, ...env }, timeout: 20_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`child failed: ${stderr}`))
      else resolve(JSON.parse(stdout))
    })
  })
}

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
