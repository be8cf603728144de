// Threads and shutdown: eight workers load the addon at once, verify with every provider, and are
// terminated mid-flight; no crash, no leak, and the process exits within a second of the last
// verification. The scenario runs in a child process, so a crash is an exit code or a signal.
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const INDEX = fileURLToPath(new URL('../index.js', import.meta.url))
const FINISH_ITERATIONS = 25 // four verifications each: 100 per worker that finishes
const LONG_ITERATIONS = 1000 // far more than a worker gets through before it is terminated

// One worker: `iterations` rounds of the four providers at once, a message per settled
// verification; with `hang`, 16 calls to a hanging emulator that never settle.
const WORKER = `
const { parentPort, workerData: d } = require('node:worker_threads')
const captcha = require(d.index)
const { trustcaptcha: TRUST, swetrix: SWETRIX, recaptcha: RECAPTCHA } = captcha.Emulator.identities
const TOKEN = TRUST.testVerifications[0].token
const trust = new captcha.TrustCaptcha({ apiKey: d.key, apiHost: d.url, readTimeoutMs: 60000 })
const playtcha = new captcha.Playtcha({ secret: d.playtchaSecret, apiHost: d.url, timeoutMs: 60000, failClosed: true })
const checks = {
  trustcaptcha: async () => (await trust.getVerificationResult(TOKEN)).verificationPassed === true,
  swetrix: async () => (await captcha.validateToken('t', SWETRIX.testSecrets.pass.secret, d.url + '/v1/captcha', { timeoutMs: 60000 }))[0] === true,
  recaptcha: async () => (await captcha.authorize('t', { secretKey: RECAPTCHA.testSecretKey.secretKey,
    siteverifyUrl: d.url + '/recaptcha/api/siteverify', retries: 0, timeoutMs: 60000 })).success === true,
  playtcha: async (i) => { const r = await playtcha.verify(d.tokens[i]); return r.success === true && r.failedOpen === false }
}
const settle = (provider, i) => checks[provider](i).then((ok) => ({ ok }), (e) => ({ ok: false, error: String(e) }))
  .then((r) => parentPort.postMessage({ provider, ...r, at: performance.timeOrigin + performance.now() }))
;(async () => {
  if (d.hang) {
    for (let i = 0; i < 4; i++) for (const provider of Object.keys(checks)) settle(provider, i)
    return parentPort.postMessage('pending')
  }
  for (let i = 0; i < d.iterations; i++) await Promise.all(Object.keys(checks).map((provider) => settle(provider, i)))
  parentPort.postMessage('done')
})()
`

// The child: two rounds of eight workers, then a report on stdout. It never calls process.exit.
const CHILD = `
import { Worker } from 'node:worker_threads'
import { readdirSync } from 'node:fs'
import { createRequire } from 'node:module'
const INDEX = ${JSON.stringify(INDEX)}
const captcha = createRequire(INDEX)(INDEX)
const fds = () => readdirSync('/proc/self/fd').length
const threads = () => readdirSync('/proc/self/task').length
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
const unhandled = []
process.on('unhandledRejection', (e) => unhandled.push(String(e && e.stack || e)))
let lastSettledAt = 0
// finish: runs its loop and exits; after20: terminated once 20 settled; random: terminated at a
// random point (maybe while loading the addon); hang: terminated with all its calls pending.
const PLAN = ['finish', 'finish', 'finish', 'finish', 'after20', 'after20', 'random', 'hang']

async function round () {
  const emulator = await captcha.Emulator.start()
  const hanging = await captcha.Emulator.start()
  hanging.fault({ kind: 'hang' })
  const outcomes = await Promise.all(PLAN.map((mode) => new Promise((resolve) => {
    const target = mode === 'hang' ? hanging : emulator
    const iterations = { finish: ${FINISH_ITERATIONS}, hang: 4 }[mode] ?? ${LONG_ITERATIONS}
    const tokens = Array.from({ length: iterations }, () => target.issue('playtcha'))
    const worker = new Worker(${JSON.stringify(WORKER)}, { eval: true, workerData: { index: INDEX, url: target.url, hang: mode === 'hang',
      key: target.credentials.trustcaptchaApiKey, playtchaSecret: target.credentials.playtchaSecret, tokens, iterations } })
    const r = { mode, settled: 0, passed: 0, failures: [], errors: [], done: false, hungRequests: null, exit: null }
    worker.on('message', async (m) => {
      if (m === 'done') r.done = true
      else if (m === 'pending') {
        // Terminate only once the emulator holds all 16 requests: they are surely in flight.
        for (let i = 0; i < 500 && hanging.stats().requests < 16; i++) await sleep(10)
        r.hungRequests = hanging.stats().requests
        worker.terminate()
      } else {
        r.settled++
        if (m.ok) r.passed++
        else r.failures.push(m)
        lastSettledAt = Math.max(lastSettledAt, m.at)
        if (mode === 'after20' && r.settled === 20) worker.terminate()
      }
    })
    worker.on('error', (e) => r.errors.push(String(e && e.stack || e)))
    worker.on('exit', (code) => { r.exit = code; resolve(r) })
    if (mode === 'random') setTimeout(() => worker.terminate(), Math.random() * 150)
  })))
  await emulator.close()
  await hanging.close()
  await sleep(100) // the client side of closed connections
  return { outcomes, fds: fds(), threads: threads() }
}

const before = { fds: fds(), threads: threads() }
const first = await round()
const second = await round()
process.stdout.write(JSON.stringify({ before, rounds: [first, second], unhandled, lastSettledAt }) + '\\n')
`

/** Runs the child; resolves its exit code, signal, output and the wall-clock time it exited. */
function runChild (file, timeout = 30_000) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [file], { stdio: ['ignore', 'pipe', 'pipe'], timeout })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => { stdout += chunk })
    child.stderr.on('data', (chunk) => { stderr += chunk })
    let exitedAt
    child.on('exit', () => { exitedAt = Date.now() })
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr, exitedAt }))
  })
}

describe('threads and shutdown', { skip: process.platform !== 'linux' && 'counts descriptors in /proc' }, () => {
  it('eight workers verify and are terminated mid-flight: no crash, no leak, exit within a second', {
    // This test found a crash (SIGSEGV) when a worker was terminated with TrustCaptcha or
    // Playtcha calls queued: their methods were `async fn(&self)`, and the runtime thread read
    // the instance after the worker's environment had freed it.
    timeout: 40_000
  }, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'captcha-native-workers-'))
    const file = join(dir, 'child.mjs')
    writeFileSync(file, CHILD)
    let run
    try {
      run = await runChild(file)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
    const { code, signal, stdout, stderr, exitedAt } = run
    assert.equal(signal, null, `the child was killed by ${signal}: ${stderr}`)
    assert.equal(code, 0, stderr)
    const report = JSON.parse(stdout)
    assert.deepEqual(report.unhandled, [])

    for (const { outcomes } of report.rounds) {
      for (const r of outcomes) {
        assert.deepEqual(r.failures, [], `${r.mode}: every settled verification passes`)
        assert.deepEqual(r.errors, [], `${r.mode}: no 'error' event`)
        assert.equal(r.passed, r.settled)
      }
      const by = (mode) => outcomes.filter((r) => r.mode === mode)
      for (const r of by('finish')) assert.deepEqual([r.exit, r.done, r.settled], [0, true, 4 * FINISH_ITERATIONS])
      for (const r of by('after20')) {
        assert.equal(r.exit, 1, 'terminated')
        assert.equal(r.done, false)
        assert.ok(r.settled >= 20 && r.settled < 4 * LONG_ITERATIONS, `terminated mid-flight after ${r.settled}`)
      }
      // Terminated before its thread is fully up, a worker exits 0 rather than 1.
      for (const r of by('random')) assert.ok([0, 1].includes(r.exit) && !r.done, `random: exit ${r.exit}, done ${r.done}`)
      for (const r of by('hang')) assert.deepEqual([r.exit, r.settled, r.hungRequests], [1, 0, 16])
    }

    const [first, second] = report.rounds
    assert.ok(first.fds <= report.before.fds + 2 && second.fds <= report.before.fds + 2,
      `open descriptors: ${report.before.fds} before, ${first.fds} and ${second.fds} after the rounds`)
    assert.ok(second.threads <= first.threads + 2,
      `threads: ${report.before.threads} before, ${first.threads} and ${second.threads} after the rounds`)

    const delay = exitedAt - report.lastSettledAt
    t.diagnostic(`exit ${Math.round(delay)} ms after the last verification; fds ${report.before.fds} -> ${first.fds} -> ${second.fds}; ` +
      `threads ${report.before.threads} -> ${first.threads} -> ${second.threads}; settled ${report.rounds.map((r) => r.outcomes.map((o) => o.settled).join('/')).join(', ')}`)
    assert.ok(report.lastSettledAt > 0 && delay < 1000, `the process exited ${Math.round(delay)} ms after the last verification`)
  })
})
