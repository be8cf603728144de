#!/usr/bin/env node
'use strict'
// A minimal Hono app on @hono/node-server with one route protected by captcha-native/hono, and
// the emulator running in this process in place of Turnstile.
//
//   node examples/hono/server.js [--port N]     (default 3000; 0: any free port)
//   curl -X POST http://127.0.0.1:PORT/signup -d cf-turnstile-response=TOKEN
//
// A token: `curl -X POST http://127.0.0.1:EPORT/__emulator/issue/turnstile`.

const { parseArgs } = require('node:util')
const { Hono } = require('hono')
const { serve } = require('@hono/node-server')
// In your app: require('captcha-native').
const { Emulator } = require('../../index.js')
const { captcha, CaptchaConfigurationError } = require('captcha-native/hono')

async function main () {
  const { values } = parseArgs({ options: { port: { type: 'string', default: '3000' } } })
  const emulator = await Emulator.start({ host: '127.0.0.1' })

  const app = new Hono()
  const guard = captcha({
    provider: 'turnstile',
    secret: emulator.credentials.turnstileSecret,
    siteverifyUrl: `${emulator.url}/turnstile/v0/siteverify` // left out: Cloudflare's own
  })
  // A refused token never reaches the handler: the middleware answers 400 (or 503) itself.
  app.post('/signup', guard, async (c) => {
    const body = await c.req.parseBody() // the body is still there to read
    return c.json({ outcome: c.get('captcha').code, email: body.email ?? null })
  })
  // A misconfiguration (a refused secret) is thrown here, its detail for the logs only.
  app.onError((error, c) => {
    console.error(error)
    return c.json({ error: 'internal_error' }, error instanceof CaptchaConfigurationError ? error.status : 500)
  })

  const server = serve({ fetch: app.fetch, port: Number(values.port), hostname: '127.0.0.1' }, (info) => {
    console.log(`captcha-native hono example on http://127.0.0.1:${info.port} (emulator at ${emulator.url})`)
  })
  const stop = () => {
    server.closeAllConnections?.()
    server.close(() => emulator.close().then(() => process.exit(0)))
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
