// captcha-native/nestjs against real NestJS (devDependencies) on both of its HTTP platforms,
// platform-express and platform-fastify, over real HTTP, with the embedded emulator: each outcome
// of each provider, CaptchaModule's options through DI, and the example app. The test files are
// plain JS, so the decorators are applied by hand, as TypeScript's emit would apply them.
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { createRequire } from 'node:module'
import { outage, outcomeMatrix, outcomeView, postFields, useEmulator } from './adapter-fixtures.mjs'
import { issueTurnstile, startExample } from './example-process.mjs'

const require = createRequire(import.meta.url)
require('reflect-metadata')
const { Controller, Post, HttpCode, Req, Module, UseGuards, UseFilters, Catch, HttpException } = require('@nestjs/common')
const { NestFactory } = require('@nestjs/core')
const { FastifyAdapter } = require('@nestjs/platform-fastify')
const {
  CaptchaGuard, Captcha, CaptchaOutcome, CaptchaModule, CAPTCHA_OPTIONS, CaptchaConfigurationError
} = require('captcha-native/nestjs')

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const PLATFORMS = ['express', 'fastify']

let emulator
let PROVIDERS
useEmulator((started) => ({ emulator, PROVIDERS } = started))

// ---------------------------------------------------------------------------------------------
// Nest apps, decorated by hand

/** Applies method decorators as TypeScript does. */
function decorate (Class, method, ...decorators) {
  Reflect.decorate(decorators, Class.prototype, method, Object.getOwnPropertyDescriptor(Class.prototype, method))
}

/** What a handler answers: the outcome `@CaptchaOutcome()` gave it, and whether it is the request's. */
function summary (captcha, request, property = 'captcha') {
  return { ...outcomeView(captcha), onRequest: request[property] === captcha }
}

/**
 * A controller with `POST /signup` (and `POST /other`), answering 200 with the outcome's summary.
 * `protect` decorates the routes, or the whole controller with `onClass`.
 */
function signupController (protect, { onClass = false, property } = {}) {
  class SignupController {
    signup (captcha, request) { return summary(captcha, request, property) }
    other (captcha, request) { return summary(captcha, request, property) }
  }
  for (const [method, path] of [['signup', 'signup'], ['other', 'other']]) {
    decorate(SignupController, method, Post(path), HttpCode(200), ...(onClass || !protect ? [] : [protect]))
    CaptchaOutcome()(SignupController.prototype, method, 0)
    Req()(SignupController.prototype, method, 1)
  }
  if (onClass) protect(SignupController)
  Controller()(SignupController)
  return SignupController
}

/**
 * A Nest app on `platform`, listening on a free loopback port, closed after the test `t` (if
 * given; else by `close()`). What Nest logs as an error is collected, not printed: `errors` each
 * call's arguments, `thrown` the errors among them.
 */
async function serveNest (t, platform, { controllers, imports = [] }) {
  class AppModule {}
  Module({ imports, controllers })(AppModule)
  const errors = []
  const thrown = []
  const logError = (...args) => {
    errors.push(args)
    thrown.push(...args.filter((value) => value instanceof Error))
  }
  const logger = { log () {}, warn () {}, debug () {}, verbose () {}, fatal: logError, error: logError }
  // NestFactory.create(module, options) makes an Express app; (module, adapter, options) the adapter's.
  const app = await (platform === 'fastify' ? NestFactory.create(AppModule, new FastifyAdapter(), { logger }) : NestFactory.create(AppModule, { logger }))
  await app.listen(0, '127.0.0.1')
  const close = () => app.close()
  t?.after(close)
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1')
  const send = (path, fields, options) => postFields((init) => fetch(`${url}${path}`, init), fields, options)
  return { url, send, errors, thrown, close }
}

/** An app whose /signup and /other are protected by `CaptchaGuard(options)`. */
function serveGuarded (t, platform, options) {
  return serveNest(t, platform, { controllers: [signupController(UseGuards(CaptchaGuard(options)))] })
}

// ---------------------------------------------------------------------------------------------
// Each platform, each provider, each outcome

/** A controller with `POST /${name}`, guarded by `CaptchaGuard(options)`, for each entry of `routes`. */
function routesController (routes) {
  class MatrixController {}
  for (const [name, options] of Object.entries(routes)) {
    MatrixController.prototype[name] = (captcha, request) => summary(captcha, request)
    decorate(MatrixController, name, Post(name), HttpCode(200), UseGuards(CaptchaGuard(options)))
    CaptchaOutcome()(MatrixController.prototype, name, 0)
    Req()(MatrixController.prototype, name, 1)
  }
  Controller()(MatrixController)
  return MatrixController
}

for (const platform of PLATFORMS) {
  outcomeMatrix({
    name: `nestjs ${platform}`,
    where: '@CaptchaOutcome()',
    emulator: () => emulator,
    serve: async (routes) => {
      const { send, thrown, close } = await serveNest(undefined, platform, { controllers: [routesController(routes)] })
      // What Nest logs: the guard's error reaches its exception handling, which logs it.
      return { send, errors: thrown, close }
    },
    // The outcome @CaptchaOutcome() gives is the one on the request.
    answers: { onRequest: true },
    // Nest's own answer for an error that is no HttpException.
    misconfigured: (answer) => assert.deepEqual(answer.body, { statusCode: 500, message: 'Internal Server Error' })
  })
}

// ---------------------------------------------------------------------------------------------
// The guard, the module, the decorators

for (const platform of PLATFORMS) {
  describe(`nestjs ${platform}: CaptchaModule, resolvers, hooks`, () => {
    it('CaptchaModule.forRoot gives @Captcha() its options; @Captcha(overrides) without a provider is merged over them, its undefined keys unset nothing', async (t) => {
      const turnstile = PROVIDERS.turnstile
      class FormsController {
        signup (captcha, request) { return summary(captcha, request) }
        login (captcha, request) { return summary(captcha, request) }
        reset (captcha, request) { return summary(captcha, request) }
      }
      decorate(FormsController, 'signup', Post('signup'), HttpCode(200), Captcha())
      decorate(FormsController, 'login', Post('login'), HttpCode(200), Captcha({ expectedAction: 'login' }))
      // As a config object with optional fields gives them: the module's provider and secret stay.
      decorate(FormsController, 'reset', Post('reset'), HttpCode(200), Captcha({ provider: undefined, secret: undefined, expectedAction: 'reset' }))
      for (const method of ['signup', 'login', 'reset']) CaptchaOutcome()(FormsController.prototype, method, 0)
      for (const method of ['signup', 'login', 'reset']) Req()(FormsController.prototype, method, 1)
      Controller()(FormsController)
      const { send } = await serveNest(t, platform, { imports: [CaptchaModule.forRoot(turnstile.options())], controllers: [FormsController] })
      const signup = await send('/signup', { [turnstile.field]: emulator.issue('turnstile', { action: 'signup' }) })
      assert.deepEqual([signup.status, signup.body.code], [200, 'verified'])
      const wrongAction = await send('/login', { [turnstile.field]: emulator.issue('turnstile', { action: 'signup' }) })
      assert.deepEqual([wrongAction.status, wrongAction.body], [400, { error: 'verification_failed' }])
      const login = await send('/login', { [turnstile.field]: emulator.issue('turnstile', { action: 'login' }) })
      assert.deepEqual([login.status, login.body.code], [200, 'verified'])
      const reset = await send('/reset', { [turnstile.field]: emulator.issue('turnstile', { action: 'reset' }) })
      assert.deepEqual([reset.status, reset.body.code], [200, 'verified'])
      const resetWrongAction = await send('/reset', { [turnstile.field]: emulator.issue('turnstile', { action: 'login' }) })
      assert.deepEqual([resetWrongAction.status, resetWrongAction.body], [400, { error: 'verification_failed' }])
    })

    it('CaptchaModule.forRootAsync takes its options from a factory of injected config (the ConfigService pattern)', async (t) => {
      const hcaptcha = PROVIDERS.hcaptcha
      const CONFIG = 'CONFIG'
      class ConfigModule {}
      Module({ providers: [{ provide: CONFIG, useValue: { secret: emulator.credentials.hcaptchaSecret } }], exports: [CONFIG] })(ConfigModule)
      let made = 0
      const captchaModule = CaptchaModule.forRootAsync({
        imports: [ConfigModule],
        inject: [CONFIG],
        useFactory: async (config) => {
          made += 1
          return { ...hcaptcha.options(), secret: config.secret }
        }
      })
      // A feature module of its own: CaptchaModule is global, so the guard finds the options there.
      class FeatureModule {}
      Module({ controllers: [signupController(UseGuards(CaptchaGuard()), { onClass: true })] })(FeatureModule)
      const { send } = await serveNest(t, platform, { imports: [captchaModule, FeatureModule], controllers: [] })
      const passed = await send('/signup', { [hcaptcha.field]: hcaptcha.pass() })
      assert.deepEqual([passed.status, passed.body.code, passed.body.provider], [200, 'verified', 'hcaptcha'])
      const refused = await send('/other', { [hcaptcha.field]: hcaptcha.fail() })
      assert.deepEqual([refused.status, refused.body], [400, { error: 'verification_failed' }])
      assert.equal(made, 1)
    })

    it('a guard on a whole controller protects each of its routes', async (t) => {
      const { send } = await serveNest(t, platform, { controllers: [signupController(Captcha(PROVIDERS.playtcha.options()), { onClass: true })] })
      for (const path of ['/signup', '/other']) {
        assert.deepEqual((await send(path, {})).body, { error: 'token_missing' })
        const passed = await send(path, { [PROVIDERS.playtcha.field]: PROVIDERS.playtcha.pass() })
        assert.deepEqual([passed.status, passed.body.code], [200, 'verified'])
      }
    })

    it('a per-request secret resolver is given the request; a wrong secret it resolves is a 500', async (t) => {
      const turnstile = PROVIDERS.turnstile
      const tenants = { good: emulator.credentials.turnstileSecret, bad: 'not-the-secret' }
      const asked = []
      const { send } = await serveGuarded(t, platform, {
        ...turnstile.options(),
        secret: async (request) => {
          asked.push(request.headers['x-tenant'])
          return tenants[request.headers['x-tenant']]
        }
      })
      const passed = await send('/signup', { [turnstile.field]: turnstile.pass() }, { headers: { 'x-tenant': 'good' } })
      assert.deepEqual([passed.status, passed.body.code], [200, 'verified'])
      const wrong = await send('/signup', { [turnstile.field]: turnstile.pass() }, { headers: { 'x-tenant': 'bad' } })
      assert.deepEqual([wrong.status, wrong.body], [500, { statusCode: 500, message: 'Internal Server Error' }])
      const none = await send('/signup', { [turnstile.field]: turnstile.pass() }, { headers: { 'x-tenant': 'unknown' } })
      assert.equal(none.status, 500)
      assert.deepEqual(asked, ['good', 'bad', 'unknown'])
    })

    it('the hooks hear each outcome with the platform\'s request; requestProperty names where the outcome lands', async (t) => {
      const trustcaptcha = PROVIDERS.trustcaptcha
      const heard = []
      const hear = (name) => (outcome, request) => heard.push([name, outcome.code, request.headers['x-probe']])
      const options = {
        ...trustcaptcha.options(),
        requestProperty: 'bot',
        onVerified: hear('onVerified'),
        onRefused: hear('onRefused'),
        // A hook that throws decides nothing.
        onOutage: (outcome, request) => { hear('onOutage')(outcome, request); throw new Error('metrics are down') }
      }
      const { send } = await serveNest(t, platform, { controllers: [signupController(Captcha(options), { property: 'bot' })] })
      const probe = (n) => ({ headers: { 'x-probe': String(n) } })
      const passed = await send('/signup', { [trustcaptcha.field]: trustcaptcha.pass() }, probe(1))
      assert.deepEqual([passed.status, passed.body.code, passed.body.onRequest], [200, 'verified', true])
      assert.equal((await send('/signup', { [trustcaptcha.field]: trustcaptcha.fail() }, probe(2))).status, 400)
      outage(emulator, 'trustcaptcha', trustcaptcha.secret)
      assert.equal((await send('/signup', { [trustcaptcha.field]: trustcaptcha.pass() }, probe(3))).status, 503)
      assert.deepEqual(heard, [['onVerified', 'verified', '1'], ['onRefused', 'verification_failed', '2'], ['onOutage', 'provider_unavailable', '3']])
    })
  })
}

for (const platform of PLATFORMS) {
  it(`nestjs ${platform}: an exception filter of the app's sees the refusal as an HttpException, { error: code } its response and the outcome's error its cause`, async (t) => {
    class RefusalFilter {
      catch (exception, host) {
        const reply = host.switchToHttp().getResponse()
        const body = { seen: exception.getResponse(), status: exception.getStatus(), cause: exception.cause?.name }
        // Express's response, or Fastify's reply.
        if (typeof reply.status === 'function' && typeof reply.json === 'function') reply.status(418).json(body)
        else reply.code(418).send(body)
      }
    }
    Catch(HttpException)(RefusalFilter)
    const turnstile = PROVIDERS.turnstile
    const { send } = await serveNest(t, platform, {
      controllers: [signupController((target) => { UseGuards(CaptchaGuard(turnstile.options()))(target); UseFilters(RefusalFilter)(target) }, { onClass: true })]
    })
    outage(emulator, 'turnstile', turnstile.secret)
    const answer = await send('/signup', { [turnstile.field]: turnstile.pass() })
    assert.equal(answer.status, 418)
    assert.deepEqual([answer.body.seen, answer.body.status], [{ error: 'provider_unavailable' }, 503])
    assert.equal(typeof answer.body.cause, 'string', 'the outcome\'s error is the cause')
  })
}

describe('nestjs: bodies the guard cannot read', () => {
  it('express: a multipart body is read as an unread body is, at most 64 KiB: no token found (400), or body_too_large with the connection closed', async (t) => {
    const { url } = await serveGuarded(t, 'express', PROVIDERS.turnstile.options())
    const small = new FormData()
    small.set(PROVIDERS.turnstile.field, PROVIDERS.turnstile.pass())
    const answer = await fetch(`${url}/signup`, { method: 'POST', body: small })
    assert.deepEqual([answer.status, await answer.json()], [400, { error: 'token_missing' }])
    const large = new FormData()
    large.set(PROVIDERS.turnstile.field, PROVIDERS.turnstile.pass())
    large.set('file', new Blob(['x'.repeat(100 * 1024)]), 'big.txt')
    const tooLarge = await fetch(`${url}/signup`, { method: 'POST', body: large })
    assert.deepEqual([tooLarge.status, await tooLarge.json(), tooLarge.headers.get('connection')], [400, { error: 'body_too_large' }, 'close'])
    assert.equal(emulator.requests().length, 0)
  })

  it('fastify: Nest answers a multipart body 415 before any guard (no multipart parser registered)', async (t) => {
    const { url } = await serveGuarded(t, 'fastify', PROVIDERS.turnstile.options())
    const form = new FormData()
    form.set(PROVIDERS.turnstile.field, PROVIDERS.turnstile.pass())
    const answer = await fetch(`${url}/signup`, { method: 'POST', body: form })
    assert.equal(answer.status, 415)
    assert.equal(emulator.requests().length, 0)
  })
})

describe('nestjs: setup', () => {
  it('wrong options throw at once, from CaptchaGuard, @Captcha and CaptchaModule.forRoot', () => {
    assert.throws(() => CaptchaGuard({ provider: 'nope' }), /provider must be one of/)
    assert.throws(() => Captcha({ provider: 'turnstile', secret: 's', bogus: 1 }), /unknown option/)
    assert.throws(() => CaptchaModule.forRoot({ provider: 'turnstile', secret: 's', requestProperty: 1 }), /requestProperty/)
    assert.throws(() => CaptchaGuard(null), /options must be an object/)
    assert.throws(() => CaptchaModule.forRootAsync({}), /useFactory/)
  })

  it('the guard class is made once per options object; CaptchaGuard used as the class itself says how to use it', () => {
    const options = PROVIDERS.turnstile.options()
    assert.equal(CaptchaGuard(options), CaptchaGuard(options))
    assert.equal(CaptchaGuard(), CaptchaGuard())
    assert.notEqual(CaptchaGuard(options), CaptchaGuard({ ...options }))
    assert.throws(() => new CaptchaGuard(), /CaptchaGuard\(options\)/)
    assert.equal(typeof CAPTCHA_OPTIONS, 'symbol')
  })

  it('CaptchaGuard() with no CaptchaModule fails the app\'s startup, saying so', async () => {
    class AppModule {}
    Module({ controllers: [signupController(Captcha())] })(AppModule)
    await assert.rejects(NestFactory.create(AppModule, { logger: false, abortOnError: false }), /CaptchaModule\.forRoot/)
  })

  it('@UseGuards(CaptchaGuard), the function itself rather than the class it makes, fails the app\'s startup, saying how', async () => {
    class AppModule {}
    Module({ controllers: [signupController(UseGuards(CaptchaGuard))] })(AppModule)
    await assert.rejects(NestFactory.create(AppModule, { logger: false, abortOnError: false }), /CaptchaGuard\(options\)/)
  })

  it('options a forRootAsync factory resolves are checked at startup', async () => {
    class AppModule {}
    Module({
      imports: [CaptchaModule.forRootAsync({ useFactory: () => ({ provider: 'turnstile', secret: 's', bogus: 1 }) })],
      controllers: [signupController(Captcha())]
    })(AppModule)
    await assert.rejects(NestFactory.create(AppModule, { logger: false, abortOnError: false }), /unknown option for provider 'turnstile': bogus/)
  })

  it('ESM finds each name (import { ... } from captcha-native/nestjs), the same as require\'s', async () => {
    const esm = await import('captcha-native/nestjs')
    const cjs = require('captcha-native/nestjs')
    for (const name of ['CaptchaGuard', 'Captcha', 'CaptchaOutcome', 'CaptchaModule', 'CAPTCHA_OPTIONS', 'CaptchaConfigurationError']) {
      assert.ok(cjs[name] !== undefined, name)
      assert.equal(esm[name], cjs[name], name)
    }
  })

  it('the package\'s main entry and the middleware never load @nestjs/common', async () => {
    const child = spawn(process.execPath, ['-e', `
      require('captcha-native'); require('captcha-native/middleware'); require('captcha-native/fastify')
      const loaded = Object.keys(require.cache).filter((path) => path.includes('@nestjs'))
      process.stdout.write(JSON.stringify(loaded))`], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    child.stdout.setEncoding('utf8').on('data', (chunk) => { out += chunk })
    const code = await new Promise((resolve) => child.once('exit', resolve))
    assert.deepEqual([code, JSON.parse(out)], [0, []])
  })
})

// ---------------------------------------------------------------------------------------------
// The example

describe('examples/nestjs/server.js', () => {
  it('starts on --port 0, prints its URL and the emulator\'s, protects POST /signup (form and JSON), and exits 0 on SIGINT', async () => {
    const { app: url, emulator: emulatorUrl, child, exited, kill } = await startExample('nestjs')
    try {
      const issue = () => issueTurnstile(emulatorUrl)
      const form = await fetch(`${url}/signup`, { method: 'POST', body: new URLSearchParams({ 'cf-turnstile-response': await issue() }) })
      assert.deepEqual([form.status, (await form.json()).outcome], [200, 'verified'])
      const json = await fetch(`${url}/signup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: await issue() }) })
      assert.deepEqual([json.status, (await json.json()).outcome], [200, 'verified'])
      const refused = await fetch(`${url}/signup`, { method: 'POST', body: new URLSearchParams({ 'cf-turnstile-response': 'a-token-no-server-issued' }) })
      assert.deepEqual([refused.status, await refused.json()], [400, { error: 'verification_failed' }])
      child.kill('SIGINT')
      assert.deepEqual(await exited, { code: 0, signal: null })
    } finally {
      await kill()
    }
  })
})
