#!/usr/bin/env node
// `npm run bench:instructions`: the native client's instructions per verification, counted by
// valgrind's callgrind. Unlike times, the counts repeat from run to run (within a few percent:
// the JIT and thread interleaving vary) whatever else the machine does, so they show what a
// change to the hot path gained. Each provider is run twice in a client process under callgrind,
// for N1 and N2 verifications at concurrency C; the difference of the totals over N2 − N1 leaves
// out start-up and warm-up. The emulator runs at full speed in its own process.
//
//   node instructions.mjs [--providers trustcaptcha,swetrix,recaptcha,playtcha,turnstile,hcaptcha] [--concurrency 64]
//                         [--from 4000] [--to 12000] [--module path/to/index.js]
//
// Needs valgrind (apt-get install valgrind). About 40 s per provider.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'

import { clientArgs, startEmulator } from './lib/emulator.mjs'
import { PROVIDERS, NEEDS_MINTED_TOKENS } from './lib/protocol.mjs'

const { values: args } = parseArgs({
  options: {
    providers: { type: 'string', default: PROVIDERS.join(',') },
    concurrency: { type: 'string', default: '64' },
    from: { type: 'string', default: '4000' },
    to: { type: 'string', default: '12000' },
    // Another checkout's index.js, for the client and the emulator (lib/addon.mjs reads it).
    module: { type: 'string' }
  }
})
const from = Number(args.from)
const to = Number(args.to)
if (!(Number.isInteger(from) && Number.isInteger(to) && to > from && from > 1000)) throw new Error('need whole --to > --from > 1000')
try {
  execFileSync('valgrind', ['--version'], { stdio: 'ignore' })
} catch {
  console.error('instructions.mjs needs valgrind (apt-get install valgrind)')
  process.exit(2)
}

const scratch = mkdtempSync(path.join(os.tmpdir(), 'captcha-native-instructions-'))
const emulator = await startEmulator()

/** Instructions the client process executed in all, for `count` verifications. */
async function totalInstructions (provider, count) {
  const out = path.join(scratch, `${provider}-${count}.callgrind`)
  let tokensFile
  if (NEEDS_MINTED_TOKENS.has(provider)) {
    tokensFile = path.join(scratch, `${provider}-tokens.txt`)
    await emulator.request({ type: 'mint', provider, count, file: tokensFile })
  }
  const valgrindArgs = [
    '--tool=callgrind', '--smc-check=all-non-file', `--callgrind-out-file=${out}`, process.execPath,
    ...clientArgs(emulator, { provider, concurrency: args.concurrency, count, countFirst: 1000, tokensFile })
  ]
  // valgrind's own chatter goes to stderr; on failure execFileSync's error carries it.
  const result = JSON.parse(execFileSync('valgrind', valgrindArgs, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 26 }).trim().split('\n').pop())
  if (result.errors) throw new Error(`${provider}: ${result.errors} verifications failed under callgrind`)
  const totals = readFileSync(out, 'utf8').match(/^(?:summary|totals): (\d+)/m)
  return Number(totals[1])
}

try {
  console.log(`instructions per verification (callgrind), native client, concurrency ${args.concurrency}, verifications ${from} to ${to}`)
  for (const provider of args.providers.split(',')) {
    const a = await totalInstructions(provider, from)
    const b = await totalInstructions(provider, to)
    console.log(`${provider.padEnd(13)} ${Math.round((b - a) / (to - from)).toLocaleString('en-US').padStart(9)}`)
  }
} finally {
  emulator.stop()
  rmSync(scratch, { recursive: true, force: true })
}
