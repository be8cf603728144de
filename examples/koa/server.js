#!/usr/bin/env node
'use strict'
// A minimal Koa app: POST /signup protected by Cloudflare Turnstile through captcha-native/koa.
// The emulator runs in this process in Cloudflare's place; in your app, leave it and
// `siteverifyUrl` out and take the secret from the environment.
//
//   node examples/koa/server.js [--port N]     (default 3000; 0: any free port)

const { parseArgs } = require('node:util')
const Koa = require('koa')
const { bodyParser } = require('@koa/bodyparser')
const { captcha } = require('captcha-native/koa')
const { Emulator } = require('captcha-native/testing')

async function main () {
  const { values } = parseArgs({ options: { port: { type: 'string', default: '3000' } } })
  const port = Number(values.port)
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new TypeError(`--port must be a port number, not '${values.port}'`)

  const emulator = await Emulator.start()
  const protect = captcha({
    provider: 'turnstile',
    secret: emulator.credentials.turnstileSecret, // process.env.TURNSTILE_SECRET
    siteverifyUrl: `${emulator.url}/turnstile/v0/siteverify` // left out: Cloudflare's
  })

  const app = new Koa()
  app.use(bodyParser()) // forms and JSON; without it, captcha() reads the body itself
  app.use((ctx, next) => {
    if (ctx.method !== 'POST' || ctx.path !== '/signup') return next() // with a router: router.post('/signup', protect, handler)
    // Only a request that passed reaches the handler; a refusal was answered 400 { error }, an outage 503.
    return protect(ctx, () => { ctx.body = { outcome: ctx.state.captcha.code } })
  })

  const server = app.listen(port, '127.0.0.1')
  await new Promise((resolve, reject) => server.once('listening', resolve).once('error', reject))
  const stop = () => {
    server.close(() => emulator.close().then(() => process.exit(0)))
    server.closeAllConnections()
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
  console.log(`captcha-native koa example on http://127.0.0.1:${server.address().port} (emulator at ${emulator.url})`)
}

main().catch((error) => {
  console.error(error.message)
  process.exit(1)
})
