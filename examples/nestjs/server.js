#!/usr/bin/env node
'use strict'
// A minimal NestJS app (platform-express) whose POST /signup is protected by captcha-native's
// guard for Turnstile, with the emulator running in this same process in place of Cloudflare
// (see ../example-runner.js).
//
//   node examples/nestjs/server.js [--port N]     (default 3000; 0: any free port)
//
// Plain JS, so the decorators TypeScript would write as @Controller(), @Post(), @Captcha() and
// @CaptchaOutcome() are applied by hand below. Post the token as the widget does (form field
// cf-turnstile-response) or as JSON { "token": "..." }; get one from the emulator with
// curl -X POST http://127.0.0.1:EPORT/__emulator/issue/turnstile
require('reflect-metadata')
const { Controller, Post, HttpCode, Module } = require('@nestjs/common')
const { NestFactory } = require('@nestjs/core')
const { Captcha, CaptchaOutcome, CaptchaModule } = require('captcha-native/nestjs')
const { runExample } = require('../example-runner.js')

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

runExample('nestjs', async ({ emulator, port, host }) => {
  class AppModule {}
  Module({
    // The options every @Captcha() uses; in a real app, forRootAsync with ConfigService.
    imports: [CaptchaModule.forRoot({
      provider: 'turnstile',
      secret: emulator.credentials.turnstileSecret, // process.env.TURNSTILE_SECRET
      siteverifyUrl: `${emulator.url}/turnstile/v0/siteverify`, // left out: Cloudflare's
      timeoutMs: 1500
    })],
    controllers: [SignupController]
  })(AppModule)

  const app = await NestFactory.create(AppModule, { logger: ['error', 'warn'] })
  await app.listen(port, host)
  // In your app, app.enableShutdownHooks() closes it on a signal; here the runner does.
  return { port: app.getHttpServer().address().port, close: () => app.close() }
})
