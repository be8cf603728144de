// The fault matrix (fault-matrix.mjs) for every provider. Each cell gives
// its documented outcome within its deadline + 10%, with no unhandled rejection, the event loop
// free throughout, and no secret in any error, result or output.
import { test, describe, before, after, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { execFile } from 'node:child_process'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { FAULTS, PROVIDERS, SECRETS, startWorld, runCell, checkCell, readmeTable } from './fault-matrix.mjs'
import { assertNoSecret } from './helpers.mjs'

// The longest the event loop may be held in any cell. Nothing here runs on it for long: a
// verification costs it microseconds, so this only trips on a real block (a synchronous wait,
// a body parsed on the main thread).
const MAX_LOOP_DELAY_MS = 200

const unhandled = []
process.on('unhandledRejection', (reason) => unhandled.push(reason))

let world
before(async () => { world = await startWorld() })
after(() => world.close())
afterEach(() => world.emulator.clearFaults())

for (const fault of FAULTS) {
  describe(`when ${fault.title}`, () => {
    for (const provider of Object.keys(PROVIDERS)) {
      test(provider, async () => {
        const delay = monitorEventLoopDelay({ resolution: 10 })
        delay.enable()
        const { outcome, ms } = await runCell(fault, provider, world)
        delay.disable()
        checkCell(fault, provider, outcome, world)
        const deadline = PROVIDERS[provider].deadlineMs(fault)
        assert.ok(ms <= deadline * 1.1, `took ${ms.toFixed(0)} ms, past its deadline of ${deadline} ms + 10%`)
        assert.ok(delay.max / 1e6 < MAX_LOOP_DELAY_MS, `the event loop was held ${(delay.max / 1e6).toFixed(0)} ms`)
        for (const secret of SECRETS) {
          if (outcome.error) assertNoSecret(outcome.error, secret)
          else assert.ok(!JSON.stringify(outcome.value).includes(secret), `the secret leaked into ${JSON.stringify(outcome.value)}`)
        }
      })
    }
  })
}

test('no cell left an unhandled rejection behind', () => {
  assert.deepEqual(unhandled, [])
})

test('all cells at once, in a process of their own: nothing it prints holds a secret', async () => {
  const matrix = fileURLToPath(new URL('./fault-matrix.mjs', import.meta.url))
  const script = `import(${JSON.stringify(matrix)}).then(async (m) => {
    const outcomes = await m.runMatrix()
    console.log(outcomes.length + ' outcomes')
    for (const { error } of outcomes) if (error) console.error(error)
  })`
  const { stdout, stderr } = await new Promise((resolve, reject) => {
    // RUST_BACKTRACE: a native panic would print; RUST_LOG: any logging we might add.
    execFile(process.execPath, ['--unhandled-rejections=strict', '-e', script],
      { env: { ...process.env, RUST_BACKTRACE: 'full', RUST_LOG: 'trace' }, timeout: 60_000 },
      (error, stdout, stderr) => error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve({ stdout, stderr }))
  })
  assert.match(stdout, new RegExp(`^${FAULTS.length * Object.keys(PROVIDERS).length} outcomes`))
  assert.match(stderr, /ServerUnreachableException/, 'the errors were printed, and so scanned')
  for (const secret of SECRETS) {
    assert.ok(!stdout.includes(secret) && !stderr.includes(secret), `the secret ${secret} was printed`)
  }
})

test('the README\'s "What happens when" table is this matrix', () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')
  assert.ok(readme.includes(readmeTable()), `README.md must hold this table:\n${readmeTable()}`)
})
