#!/usr/bin/env node
'use strict'
// A minimal Fastify app: POST /signup protected by Cloudflare Turnstile through
// captcha-native/fastify. The emulator runs in this process in Cloudflare's place (see
// ../example-runner.js); in your app, leave it and `siteverifyUrl` out and take the secret from
// the environment.
//
//   node examples/fastify/server.js [--port N]     (default 3000; 0: any free port)

const Fastify = require('fastify')
const { captchaPreHandler } = require('captcha-native/fastify')
const { runExample } = require('../example-runner.js')

runExample('fastify', async ({ emulator, port, host }) => {
  const app = Fastify()
  await app.register(require('@fastify/formbody')) // form posts; JSON is built in

  app.post('/signup', {
    preHandler: captchaPreHandler({
      provider: 'turnstile',
      secret: emulator.credentials.turnstileSecret, // process.env.TURNSTILE_SECRET
      siteverifyUrl: `${emulator.url}/turnstile/v0/siteverify` // left out: Cloudflare's
    })
  }, async (request) => {
    // Only a request that passed gets here; a refusal was answered 400 { error }, an outage 503.
    return { outcome: request.captcha.code }
  })

  await app.listen({ port, host })
  return { port: app.server.address().port, close: () => app.close() }
})
