#!/usr/bin/env node
'use strict'
// A minimal Fastify app: POST /signup protected by Cloudflare Turnstile through
// captcha-native/fastify. The emulator runs in this process in Cloudflare's place; in your app,
// leave it and `siteverifyUrl` out and take the secret from the environment.
//
//   node examples/fastify/server.js [--port N]     (default 3000; 0: any free port)

const { parseArgs } = require('node:util')
const Fastify = require('fastify')
const { captchaPreHandler } = require('captcha-native/fastify')
const { Emulator } = require('captcha-native/testing')

async function main () {
  const { values } = parseArgs({ options: { port: { type: 'string', default: '3000' } } })
  const port = Number(values.port)
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new TypeError(`--port must be a port number, not '${values.port}'`)

  const emulator = await Emulator.start()
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

  const url = await app.listen({ port, host: '127.0.0.1' })
  const stop = () => app.close().then(() => emulator.close()).then(() => process.exit(0))
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
  console.log(`captcha-native fastify example on ${url} (emulator at ${emulator.url})`)
}

main().catch((error) => {
  console.error(error.message)
  process.exit(1)
})
