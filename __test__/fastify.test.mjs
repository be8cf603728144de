// captcha-native/fastify against real Fastify (a devDependency) over app.inject, and the
// embedded emulator: each outcome of each provider, the plugin and the per-route hook.
import { describe, it, before, after, beforeEach } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { adapterProviders, outage } from './adapter-fixtures.mjs'

const require = createRequire(import.meta.url)
const { Emulator } = require('../index.js')
const { captchaPlugin, captchaPreHandler, CaptchaConfigurationError } = require('captcha-native/fastify')
const Fastify = require('fastify')
const formbody = require('@fastify/formbody')

let emulator
let PROVIDERS
before(async () => {
  emulator = await Emulator.start()
  PROVIDERS = adapterProviders(emulator)
})
after(() => emulator.close())
beforeEach(() => {
  emulator.clearFaults()
  emulator.clearRequests()
})

/** An app with the per-route hook on /hook and the plugin's config.captcha on /config. */
async function appFor (options, setup) {
  const app = Fastify()
  setup?.(app)
  await app.register(formbody)
  await app.register(captchaPlugin)
  const handler = async (request) => ({ code: request.captcha.code, ok: request.captcha.ok, failedOpen: request.captcha.failedOpen, hasResult: request.captcha.result !== undefined })
  app.post('/hook', { preHandler: captchaPreHandler(options) }, handler)
  app.post('/config', { config: { captcha: options } }, handler)
  await app.ready()
  return app
}

const FORM = { 'content-type': 'application/x-www-form-urlencoded' }
async function send (app, path, fields, json = false) {
  const answer = await app.inject({
    method: 'POST',
    url: path,
    headers: json ? { 'content-type': 'application/json' } : FORM,
    payload: json ? JSON.stringify(fields) : new URLSearchParams(fields).toString()
  })
  return [answer.statusCode, answer.json(), answer.body]
}

for (const provider of ['trustcaptcha', 'turnstile', 'playtcha']) {
  describe(`fastify, ${provider}`, () => {
    const fixture = () => PROVIDERS[provider]
    for (const path of ['/hook', '/config']) {
      it(`${path}: a verified token passes, the outcome on request.captcha (form and JSON)`, async () => {
        const app = await appFor(fixture().options())
        const [status, body] = await send(app, path, { [fixture().field]: fixture().pass() })
        assert.deepEqual([status, body], [200, { code: 'verified', ok: true, failedOpen: false, hasResult: true }])
        const [jsonStatus, jsonBody] = await send(app, path, { token: fixture().pass() }, true)
        assert.deepEqual([jsonStatus, jsonBody.code], [200, 'verified'])
        await app.close()
      })

      it(`${path}: a refused token answers 400 verification_failed; no token 400 token_missing`, async () => {
        const app = await appFor(fixture().options())
        assert.deepEqual((await send(app, path, { [fixture().field]: fixture().fail() })).slice(0, 2), [400, { error: 'verification_failed' }])
        assert.deepEqual((await send(app, path, {})).slice(0, 2), [400, { error: 'token_missing' }])
        await app.close()
      })

      it(`${path}: an outage answers 503 provider_unavailable with 'reject', passes with 'allow'; no upstream text`, async () => {
        const reject = await appFor({ ...fixture().options(), onUnavailable: 'reject' })
        outage(emulator, provider, fixture().secret)
        const [status, body, text] = await send(reject, path, { [fixture().field]: fixture().pass() })
        assert.deepEqual([status, body], [503, { error: 'provider_unavailable' }])
        assert.doesNotMatch(text, /UPSTREAM|status/)
        await reject.close()
        const allow = await appFor({ ...fixture().options(), onUnavailable: 'allow' })
        const [allowed, allowedBody] = await send(allow, path, { [fixture().field]: fixture().pass() })
        assert.deepEqual([allowed, allowedBody.code, allowedBody.failedOpen], [200, 'failed_open', true])
        await allow.close()
      })

      it(`${path}: skip passes with no token and no request to the provider`, async () => {
        const app = await appFor({ ...fixture().options(), skip: (request) => request.headers['x-trusted'] === 'yes' })
        const answer = await app.inject({ method: 'POST', url: path, headers: { ...FORM, 'x-trusted': 'yes' }, payload: '' })
        assert.deepEqual([answer.statusCode, answer.json().code], [200, 'skipped'])
        assert.equal(emulator.requests().length, 0)
        await app.close()
      })

      it(`${path}: a refused key is a 500 from Fastify's error handler, no upstream text`, async () => {
        const seen = []
        const app = await appFor({ ...fixture().options(), ...fixture().refusedKey }, (app) => app.setErrorHandler((error, request, reply) => {
          seen.push(error)
          return reply.code(error.statusCode).send({ error: 'internal' })
        }))
        const [status, body] = await send(app, path, { [fixture().field]: fixture().pass() })
        assert.deepEqual([status, body], [500, { error: 'internal' }])
        assert.ok(seen[0] instanceof CaptchaConfigurationError)
        assert.deepEqual([seen[0].statusCode, seen[0].expose], [500, false])
        assert.ok(seen[0].cause instanceof Error)
        await app.close()
        // Fastify's default handler: a plain 500 with our message, never the provider's.
        const plain = await appFor({ ...fixture().options(), ...fixture().refusedKey })
        const [plainStatus, plainBody, text] = await send(plain, path, { [fixture().field]: fixture().pass() })
        assert.equal(plainStatus, 500)
        assert.equal(plainBody.message, 'captcha-native: the CAPTCHA provider is misconfigured (see cause)')
        assert.ok(!text.includes(fixture().refusedKey[Object.keys(fixture().refusedKey)[0]]))
        await plain.close()
      })
    }
  })
}

describe('fastify plugin', () => {
  it('config.captcha: true uses the plugin options; routes without config are not checked', async () => {
    const app = Fastify()
    await app.register(formbody)
    await app.register(captchaPlugin, { options: PROVIDERS.turnstile.options() })
    app.post('/guarded', { config: { captcha: true } }, async (request) => ({ code: request.captcha.code }))
    app.post('/open', async (request) => ({ captcha: request.captcha }))
    await app.ready()
    assert.deepEqual((await send(app, '/guarded', {})).slice(0, 2), [400, { error: 'token_missing' }])
    assert.deepEqual((await send(app, '/guarded', { 'cf-turnstile-response': PROVIDERS.turnstile.pass() })).slice(0, 2), [200, { code: 'verified' }])
    assert.deepEqual((await send(app, '/open', {})).slice(0, 2), [200, { captcha: null }])
    await app.close()
  })

  it('the hook runs before the route\'s own preHandlers; a requestProperty is honoured', async () => {
    const app = Fastify()
    await app.register(formbody)
    await app.register(captchaPlugin)
    const ran = []
    app.post('/r', { config: { captcha: { ...PROVIDERS.turnstile.options(), requestProperty: 'bot' } }, preHandler: async () => { ran.push('own') } },
      async (request) => ({ code: request.bot.code }))
    await app.ready()
    assert.deepEqual((await send(app, '/r', {})).slice(0, 2), [400, { error: 'token_missing' }])
    assert.deepEqual(ran, [])
    assert.deepEqual((await send(app, '/r', { 'cf-turnstile-response': PROVIDERS.turnstile.pass() })).slice(0, 2), [200, { code: 'verified' }])
    assert.deepEqual(ran, ['own'])
    await app.close()
  })

  it('wrong options fail at once: the hook factory throws, the route fails ready()', async () => {
    assert.throws(() => captchaPreHandler({ provider: 'nope' }), /provider must be one of/)
    const app = Fastify()
    await app.register(captchaPlugin)
    assert.throws(() => app.post('/x', { config: { captcha: { provider: 'turnstile', secret: 's', bogus: 1 } } }, async () => ({})), /unknown option/)
    await app.close()
  })

  it('a route prefix: the hook in an encapsulated scope guards only its routes', async () => {
    const app = Fastify()
    await app.register(formbody)
    await app.register(async (scope) => {
      scope.addHook('preHandler', captchaPreHandler(PROVIDERS.playtcha.options()))
      scope.post('/signup', async (request) => ({ code: request.captcha.code }))
    }, { prefix: '/forms' })
    app.post('/open', async () => ({ open: true }))
    await app.ready()
    assert.deepEqual((await send(app, '/forms/signup', {})).slice(0, 2), [400, { error: 'token_missing' }])
    assert.deepEqual((await send(app, '/forms/signup', { 'playtcha-token': PROVIDERS.playtcha.pass() })).slice(0, 2), [200, { code: 'verified' }])
    assert.deepEqual((await send(app, '/open', {})).slice(0, 2), [200, { open: true }])
    await app.close()
  })
})
