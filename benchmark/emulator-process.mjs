#!/usr/bin/env node
// The emulator in a process of its own, so the clients' figures are the clients' alone. Prints
// one JSON line ({ url, credentials, certificate, pid }) and serves until killed.
//
//   node emulator-process.mjs [--port 8787] [--tls] [--module path/to/index.js]
//
// With --tls it serves HTTPS (the protocol by ALPN, as the build offers it) with a certificate
// signed by an authority made at start, whose PEM is `certificate`: clients must trust it.
//
// Started by run.mjs with an IPC channel, it also answers two messages:
//   { id, type: 'mint', provider, count, file }  writes `count` fresh tokens to `file`, one a line
//   { id, type: 'cpu' }                          its CPU time so far (µs), to see if it is the bottleneck
// Minting here (emulator.issue, in process) takes ~3 µs a token; the HTTP route
// POST /__emulator/issue/{provider} gives the same tokens but would take seconds per batch.
import { writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'

import { loadAddon } from './lib/addon.mjs'

const { Emulator } = loadAddon()

// --module: another checkout's index.js (lib/addon.mjs reads it).
const { values: args } = parseArgs({
  options: { port: { type: 'string', default: '0' }, tls: { type: 'boolean', default: false }, module: { type: 'string' } }
})
const emulator = await Emulator.start({ port: Number(args.port), ...(args.tls && { tls: true }) })
process.stdout.write(`${JSON.stringify({ url: emulator.url, credentials: emulator.credentials, certificate: emulator.certificate, pid: process.pid })}\n`)

process.on('message', (message) => {
  try {
    if (message.type === 'mint') {
      const tokens = []
      for (let i = 0; i < message.count; i++) tokens.push(emulator.issue(message.provider))
      writeFileSync(message.file, tokens.join('\n'))
      process.send({ id: message.id, ok: true })
    } else if (message.type === 'cpu') {
      const { user, system } = process.cpuUsage()
      process.send({ id: message.id, ok: true, cpuMicros: user + system })
    }
  } catch (error) {
    process.send({ id: message.id, ok: false, error: String(error) })
  }
})

async function stop () {
  await emulator.close()
  process.exit(0)
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
// Launched with IPC, the parent's exit closes the channel: do not outlive it.
process.on('disconnect', stop)
// The native server holds no JS handle: keep the process alive until told to stop.
setInterval(() => {}, 1 << 30)
