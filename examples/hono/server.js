#!/usr/bin/env node
'use strict'
// A minimal Hono app on @hono/node-server with one route protected by captcha-native/hono, and
// the emulator running in this process in place of Turnstile (see ../example-runner.js).
//
//   node examples/hono/server.js [--port N]     (default 3000; 0: any free port)
//   curl -X POST http://127.0.0.1:PORT/signup -d cf-turnstile-response=TOKEN
//
// A token: `curl -X POST http://127.0.0.1:EPORT/__emulator/issue/turnstile`.

const { Hono } = require('hono')
const { getRequestListener } = require('@hono/node-server')
const { captcha, CaptchaConfigurationError } = require('captcha-native/hono')
const { runExample, listen } = require('../example-runner.js')

runExample('hono', async ({ emulator, port, host }) => {
  const app = new Hono()
  const guard = captcha({
    provider: 'turnstile',
    secret: emulator.credentials.turnstileSecret, // process.env.TURNSTILE_SECRET
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

  // In your app: serve({ fetch: app.fetch, port }) from @hono/node-server, which does the same.
  return listen(getRequestListener(app.fetch), { port, host })
})
