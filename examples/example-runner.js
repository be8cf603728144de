'use strict'
// What every minimal example (examples/<name>/server.js, not the Express demo) does around its
// app, by examples/README.md's contract, so that each server.js holds only the framework code a
// user copies: read `--port`, start the emulator in this process in the provider's place, print
// the line `captcha-native <name> example on http://127.0.0.1:PORT (emulator at ...)`, and stop
// on Ctrl+C (SIGINT) or SIGTERM with exit code 0. Your app needs none of this: it listens as it
// always does, with the provider's real endpoint and a secret from the environment.

const http = require('node:http')
const { parseArgs } = require('node:util')
// In your app: no emulator (captcha-native/testing is for tests and examples).
const { Emulator } = require('captcha-native/testing')

const HOST = '127.0.0.1'
const DEFAULT_PORT = '3000'

/**
 * Runs example `name`: `start({ emulator, port, host })` starts the app on `host:port` (port 0:
 * any free one), asking `emulator` in the provider's place, and resolves `{ port, close() }`,
 * the port it listens on and how to stop it. A failure to start prints the error and exits 1.
 */
function runExample (name, start) {
  main(name, start).catch((error) => {
    console.error(error)
    process.exit(1)
  })
}

async function main (name, start) {
  const { values } = parseArgs({ options: { port: { type: 'string', default: DEFAULT_PORT } } })
  const port = Number(values.port)
  if (!/^\d+$/.test(values.port) || port > 65535) throw new TypeError(`--port must be a port number, not '${values.port}'`)

  const emulator = await Emulator.start({ host: HOST })
  const app = await start({ emulator, port, host: HOST })
  const stop = async () => {
    await app.close()
    await emulator.close()
    process.exit(0)
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
  console.log(`captcha-native ${name} example on http://${HOST}:${app.port} (emulator at ${emulator.url})`)
}

/**
 * Serves `listener` (a Node request listener: Koa's `app.callback()`, Next's request handler) on
 * `host:port`; resolves `{ port, close() }` as `start` resolves them.
 */
async function listen (listener, { port, host }) {
  const server = http.createServer(listener)
  await new Promise((resolve, reject) => server.once('error', reject).listen(port, host, resolve))
  return {
    port: server.address().port,
    close: () => new Promise((resolve) => {
      server.close(resolve)
      // Keep-alive connections would hold close() open until they time out.
      server.closeAllConnections()
    })
  }
}

module.exports = { runExample, listen }
