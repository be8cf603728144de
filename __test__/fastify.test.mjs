// captcha-native/fastify against real Fastify (a devDependency) over app.inject, and the
// embedded emulator: each outcome of each provider through the per-route hook and through the
// plugin (adapter-fixtures.mjs's matrix), then what is Fastify's own: the plugin's options,
// hook order, scopes, a custom error handler.
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { outcomeMatrix, outcomeView, postFields, useEmulator } from './adapter-fixtures.mjs'

const require = createRequire(import.meta.url)
const { captchaPlugin, captchaPreHandler, CaptchaConfigurationError } = require('captcha-native/fastify')
const Fastify = require('fastify')
const formbody = require('@fastify/formbody')

let emulator
let PROVIDERS
useEmulator((started) => ({ emulator, PROVIDERS } = started))

/**
 * A matrix app: one protected route per entry of `routes`, through the per-route hook or the
 * plugin's config.captcha. Errors reaching Fastify's error handling are recorded (onError), the
 * answer left to Fastify's default handler.
 */
async function serve (routes, { plugin }) {
  const app = Fastify()
  const errors = []
  app.addHook('onError', async (request, reply, error) => { errors.push(error) })
  await app.register(formbody)
  if (plugin) await app.register(captchaPlugin)
  for (const [name, options] of Object.entries(routes)) {
    const route = plugin ? { config: { captcha: options } } : { preHandler: captchaPreHandler(options) }
    app.post(`/${name}`, route, async (request) => outcomeView(request.captcha))
  }
  await app.ready()
  const send = (path, fields, options) => postFields(async ({ method, headers, body }) => {
    const answer = await app.inject({ method, url: path, headers, payload: body })
    return new Response(answer.body, { status: answer.statusCode, headers: { 'content-type': answer.headers['content-type'] ?? '' } })
  }, fields, options)
  return { send, errors, close: () => app.close() }
}

/** Fastify's default handler: a 500 with our message, never the provider's. */
function misconfigured (answer) {
  assert.deepEqual(answer.body, {
    statusCode: 500,
    error: 'Internal Server Error',
    message: 'captcha-native: the CAPTCHA provider is misconfigured (see cause)'
  })
}

for (const [wiring, plugin] of [['captchaPreHandler', false], ['captchaPlugin, config.captcha', true]]) {
  outcomeMatrix({
    name: `fastify (${wiring})`,
    where: 'request.captcha',
    emulator: () => emulator,
    serve: (routes) => serve(routes, { plugin }),
    misconfigured
  })
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

  it('routes given the same options (config.captcha: true, or one object) share one client', async (t) => {
    const captcha = require('../index.js')
    const Original = captcha.Turnstile
    let built = 0
    captcha.Turnstile = class extends Original {
      constructor (options) {
        super(options)
        built++
      }
    }
    t.after(() => { captcha.Turnstile = Original })
    const app = Fastify()
    await app.register(formbody)
    await app.register(captchaPlugin, { options: PROVIDERS.turnstile.options() })
    const own = PROVIDERS.turnstile.options()
    for (const path of ['/a', '/b']) app.post(path, { config: { captcha: true } }, async (request) => ({ code: request.captcha.code }))
    for (const path of ['/c', '/d']) app.post(path, { config: { captcha: own } }, async (request) => ({ code: request.captcha.code }))
    await app.ready()
    assert.equal(built, 2, 'one client for the plugin\'s options, one for the routes\' own object')
    for (const path of ['/a', '/b', '/c', '/d']) {
      assert.deepEqual((await send(app, path, { 'cf-turnstile-response': PROVIDERS.turnstile.pass() })).slice(0, 2), [200, { code: 'verified' }])
    }
    assert.equal(built, 2)
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

  it("a misconfiguration reaches the app's own error handler as a CaptchaConfigurationError (500, expose false, the cause kept)", async () => {
    const seen = []
    const app = Fastify()
    app.setErrorHandler((error, request, reply) => {
      seen.push(error)
      return reply.code(error.statusCode).send({ error: 'internal' })
    })
    await app.register(formbody)
    app.post('/signup', { preHandler: captchaPreHandler({ ...PROVIDERS.turnstile.options(), ...PROVIDERS.turnstile.refusedKey }) }, async () => ({}))
    await app.ready()
    assert.deepEqual((await send(app, '/signup', { 'cf-turnstile-response': PROVIDERS.turnstile.pass() })).slice(0, 2), [500, { error: 'internal' }])
    assert.equal(seen.length, 1)
    assert.ok(seen[0] instanceof CaptchaConfigurationError)
    assert.deepEqual([seen[0].statusCode, seen[0].expose, seen[0].cause.name], [500, false, 'TurnstileConfigurationError'])
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
