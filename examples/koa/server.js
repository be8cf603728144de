#!/usr/bin/env node
'use strict'
// A minimal Koa app: POST /signup protected by Cloudflare Turnstile through captcha-native/koa.
// The emulator runs in this process in Cloudflare's place (see ../example-runner.js); in your
// app, leave it and `siteverifyUrl` out and take the secret from the environment.
//
//   node examples/koa/server.js [--port N]     (default 3000; 0: any free port)

const Koa = require('koa')
const { bodyParser } = require('@koa/bodyparser')
const { captcha } = require('captcha-native/koa')
const { runExample, listen } = require('../example-runner.js')

runExample('koa', async ({ emulator, port, host }) => {
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

  return listen(app.callback(), { port, host }) // app.listen(port) in your app
})
