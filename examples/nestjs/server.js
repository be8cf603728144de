#!/usr/bin/env node
'use strict'
// A minimal NestJS app (platform-express) whose POST /signup is protected by captcha-native's
// guard for Turnstile, with the emulator running in this same process in place of Cloudflare.
//
//   node examples/nestjs/server.js [--port N]     (default 3000; 0: any free port)
//
// Plain JS, so the decorators TypeScript would write as @Controller(), @Post(), @Captcha() and
// @CaptchaOutcome() are applied by hand below. Post the token as the widget does (form field
// cf-turnstile-response) or as JSON { "token": "..." }; get one from the emulator with
// curl -X POST http://127.0.0.1:EPORT/__emulator/issue/turnstile
require('reflect-metadata')
const { parseArgs } = require('node:util')
const { Controller, Post, HttpCode, Module } = require('@nestjs/common')
const { NestFactory } = require('@nestjs/core')
// In your app: require('captcha-native') and require('captcha-native/nestjs').
const { Emulator } = require('../../index.js')
const { Captcha, CaptchaOutcome, CaptchaModule } = require('captcha-native/nestjs')

class SignupController {
  // Reached only when the guard let the request through: 200 with the outcome's code.
  signup (captcha) {
    return { outcome: captcha.code, failedOpen: captcha.failedOpen }
  }
}
Reflect.decorate([Post('signup'), HttpCode(200), Captcha()], SignupController.prototype, 'signup',
  Object.getOwnPropertyDescriptor(SignupController.prototype, 'signup'))
CaptchaOutcome()(SignupController.prototype, 'signup', 0)
Controller()(SignupController)

async function main () {
  const { values } = parseArgs({ options: { port: { type: 'string', default: '3000' } } })
  const port = Number(values.port)
  if (!/^\d+$/.test(values.port) || port > 65535) throw new TypeError(`--port must be a port number, not '${values.port}'`)
  const emulator = await Emulator.start({ host: '127.0.0.1' })

  class AppModule {}
  Module({
    // The options every @Captcha() uses; in a real app, forRootAsync with ConfigService.
    imports: [CaptchaModule.forRoot({
      provider: 'turnstile',
      secret: emulator.credentials.turnstileSecret,
      siteverifyUrl: `${emulator.url}/turnstile/v0/siteverify`,
      timeoutMs: 1500
    })],
    controllers: [SignupController],
    // Nest's shutdown (the signal hooks below) closes the emulator too.
    providers: [{ provide: 'emulator', useValue: { onApplicationShutdown: () => emulator.close() } }]
  })(AppModule)

  const app = await NestFactory.create(AppModule, { logger: ['error', 'warn'] })
  // Ctrl+C (SIGINT) or SIGTERM closes the app and the emulator, then exits 0 (not by the signal).
  app.enableShutdownHooks(['SIGINT', 'SIGTERM'], { useProcessExit: true })
  await app.listen(port, '127.0.0.1')
  const { port: bound } = app.getHttpServer().address()
  console.log(`captcha-native nestjs example on http://127.0.0.1:${bound} (emulator at ${emulator.url})`)
}

main().catch((error) => {
  console.error(error.message)
  process.exit(1)
})
