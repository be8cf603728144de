// The addon in worker threads and the main thread at once, and a script's lifecycle: one that
// verifies once exits by itself, with no handle left open.
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const INDEX = fileURLToPath(new URL('../index.js', import.meta.url))

/** Runs `source` as a CommonJS script in a fresh Node; resolves its exit code, stdout and stderr. */
function runScript (source, timeout = 30_000) {
  return new Promise((resolve) => {
    execFile(process.execPath, ['-e', source], { timeout }, (error, stdout, stderr) => {
      resolve({ code: error ? (error.killed ? 'killed' : error.code) : 0, stdout, stderr })
    })
  })
}

describe('worker threads', () => {
  it('workers and the main thread load the addon and verify at once, and the workers exit cleanly', async () => {
    const { code, stdout, stderr } = await runScript(`
      const { Worker } = require('node:worker_threads')
      const captcha = require(${JSON.stringify(INDEX)})
      const work = async (captcha, emulatorUrl, key, tokens) => {
        const client = new captcha.TrustCaptcha({ apiKey: key, apiHost: emulatorUrl })
        const swetrix = (t) => captcha.validateToken(t, captcha.Emulator.identities.swetrix.testSecrets.pass.secret, emulatorUrl + '/v1/captcha')
        const results = await Promise.all(tokens.map(async (t) => (await client.getVerificationResult(t)).verificationPassed && (await swetrix('x'))[0]))
        return results.filter(Boolean).length
      }
      ;(async () => {
        const emulator = await captcha.Emulator.start()
        const key = emulator.credentials.trustcaptchaApiKey
        const batch = () => Array.from({ length: 50 }, () => emulator.issue('trustcaptcha'))
        const workers = Array.from({ length: 4 }, () => new Promise((resolve, reject) => {
          const worker = new Worker(\`
            const { parentPort, workerData } = require('node:worker_threads')
            const captcha = require(workerData.index)
            const work = \${work.toString()}
            work(captcha, workerData.url, workerData.key, workerData.tokens).then((n) => parentPort.postMessage(n))
          \`, { eval: true, workerData: { index: ${JSON.stringify(INDEX)}, url: emulator.url, key, tokens: batch() } })
          let verified
          worker.on('message', (n) => { verified = n })
          worker.on('error', reject)
          worker.on('exit', (code) => resolve({ code, verified }))
        }))
        const main = work(captcha, emulator.url, key, batch())
        const outcomes = await Promise.all([...workers, main])
        await emulator.close()
        console.log(JSON.stringify(outcomes))
      })().catch((e) => { console.error(e); process.exit(1) })`)
    assert.equal(code, 0, stderr)
    assert.deepEqual(JSON.parse(stdout), [
      { code: 0, verified: 50 }, { code: 0, verified: 50 }, { code: 0, verified: 50 }, { code: 0, verified: 50 }, 50
    ])
  })

  it('a worker terminated while its verifications are in flight does not take the process down', async () => {
    const { code, stdout, stderr } = await runScript(`
      const { Worker } = require('node:worker_threads')
      const captcha = require(${JSON.stringify(INDEX)})
      ;(async () => {
        const emulator = await captcha.Emulator.start()
        emulator.fault({ kind: 'hang' })
        const worker = new Worker(\`
          const { parentPort, workerData } = require('node:worker_threads')
          const captcha = require(workerData.index)
          for (let i = 0; i < 20; i++) captcha.validateToken('t', 's', workerData.url, { timeoutMs: 60000 })
          parentPort.postMessage('started')
        \`, { eval: true, workerData: { index: ${JSON.stringify(INDEX)}, url: emulator.url } })
        await new Promise((resolve) => worker.once('message', resolve))
        await new Promise((resolve) => setTimeout(resolve, 200))
        await worker.terminate()
        emulator.clearFaults()
        const [ok] = await captcha.validateToken('t', captcha.Emulator.identities.swetrix.testSecrets.pass.secret, emulator.url + '/v1/captcha')
        await emulator.close()
        console.log(ok)
      })().catch((e) => { console.error(e); process.exit(1) })`)
    assert.equal(code, 0, stderr)
    assert.equal(stdout.trim(), 'true')
  })
})

describe('lifecycle', () => {
  it('a script that verifies once exits by itself: no handle is left open', async () => {
    // Were a pool, timer or runtime thread to keep Node alive, the script would hang until killed.
    const { code, stdout, stderr } = await runScript(`
      const captcha = require(${JSON.stringify(INDEX)})
      ;(async () => {
        const emulator = await captcha.Emulator.start()
        const { credentials, url } = emulator
        const trust = await new captcha.TrustCaptcha({ apiKey: credentials.trustcaptchaApiKey, apiHost: url }).getVerificationResult(emulator.issue('trustcaptcha'))
        const [swetrix] = await captcha.validateToken(emulator.issue('swetrix'), credentials.swetrixSecret, url + '/v1/captcha')
        const recaptcha = await captcha.authorize(emulator.issue('recaptcha'), { secretKey: credentials.recaptchaSecret, siteverifyUrl: url + '/recaptcha/api/siteverify' })
        const playtcha = await new captcha.Playtcha({ secret: credentials.playtchaSecret, apiHost: url }).verify(emulator.issue('playtcha'))
        await emulator.close()
        console.log(JSON.stringify([trust.verificationPassed, swetrix, recaptcha.success, playtcha.success]))
      })()`, 15_000)
    assert.equal(code, 0, stderr)
    assert.deepEqual(JSON.parse(stdout), [true, true, true, true])
  })

  it('an emulator left running does not keep the process alive either', async () => {
    const { code, stdout } = await runScript(`
      const captcha = require(${JSON.stringify(INDEX)})
      captcha.Emulator.start().then((emulator) => console.log(emulator.url))`, 15_000)
    assert.equal(code, 0)
    assert.match(stdout, /^http:\/\/127\.0\.0\.1:\d+/)
  })
})
