// captcha-native/koa against real Koa (a devDependency) over node:http, and the embedded
// emulator: each outcome of each provider, with @koa/bodyparser and with the body unread
// (adapter-fixtures.mjs's matrix), then what is Koa's own: options, ctx.state, the request
// `skip` is given, an upstream middleware catching a misconfiguration.
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import http from 'node:http'
import { createRequire } from 'node:module'
import { httpApp, outcomeMatrix, outcomeView, useEmulator } from './adapter-fixtures.mjs'

const require = createRequire(import.meta.url)
const { captcha, CaptchaConfigurationError } = require('captcha-native/koa')
const Koa = require('koa')
const { bodyParser } = require('@koa/bodyparser')

let emulator
let PROVIDERS
useEmulator((started) => ({ emulator, PROVIDERS } = started))

/**
 * A matrix app: one protected route per entry of `routes` (by ctx.path), behind @koa/bodyparser
 * or with the body unread; the handler answers the outcome it found on ctx.state. Errors Koa
 * emits are recorded, not printed; the answer is Koa's own.
 */
async function serve (routes, { parse }) {
  const app = new Koa()
  const errors = []
  app.on('error', (error) => errors.push(error))
  if (parse) app.use(bodyParser())
  const guards = new Map(Object.entries(routes).map(([name, options]) => [`/${name}`, captcha(options)]))
  app.use((ctx, next) => guards.get(ctx.path)(ctx, next))
  app.use((ctx) => { ctx.body = outcomeView(ctx.state.captcha) })
  return { ...await httpApp(app.callback()), errors }
}

/** Koa's answer for an error with expose false: its status text, nothing else. */
function misconfigured (answer) {
  assert.equal(answer.text, 'Internal Server Error')
}

for (const [wiring, parse] of [['@koa/bodyparser', true], ['body unread', false]]) {
  outcomeMatrix({
    name: `koa (${wiring})`,
    where: 'ctx.state.captcha',
    emulator: () => emulator,
    serve: (routes) => serve(routes, { parse }),
    misconfigured
  })
}

describe('koa middleware', () => {
  it('wrong options throw at once', () => {
    assert.throws(() => captcha({ provider: 'nope' }), /provider must be one of/)
    assert.throws(() => captcha({ provider: 'turnstile', secret: 's', bogus: 1 }), /unknown option/)
    assert.throws(() => captcha({ provider: 'turnstile', secret: 's', requestProperty: 1 }), /requestProperty/)
  })

  it('skip is given ctx.request, whose ctx is the context: it can read what earlier middleware put on ctx.state', async (t) => {
    const app = new Koa()
    app.use((ctx, next) => { ctx.state.trusted = ctx.get('x-trusted') === 'yes'; return next() })
    app.use(captcha({ ...PROVIDERS.turnstile.options(), skip: (request) => request.ctx.request === request && request.ctx.state.trusted }))
    app.use((ctx) => { ctx.body = outcomeView(ctx.state.captcha) })
    const { send, close } = await httpApp(app.callback())
    t.after(close)
    const skipped = await send('/', {}, { headers: { 'x-trusted': 'yes' } })
    assert.deepEqual([skipped.status, skipped.body.code], [200, 'skipped'])
    const checked = await send('/', {})
    assert.deepEqual([checked.status, checked.body], [400, { error: 'token_missing' }])
  })

  it('a misconfiguration thrown to an upstream middleware that catches it: a CaptchaConfigurationError, expose false, the cause kept', async (t) => {
    const app = new Koa()
    app.use(async (ctx, next) => {
      try {
        await next()
      } catch (error) {
        ctx.status = error.status
        ctx.body = { handled: error.name, expose: error.expose, cause: error.cause.name, isClass: error instanceof CaptchaConfigurationError }
      }
    })
    app.use(captcha({ ...PROVIDERS.turnstile.options(), ...PROVIDERS.turnstile.refusedKey }))
    app.use((ctx) => { ctx.body = {} })
    const { send, close } = await httpApp(app.callback())
    t.after(close)
    const answer = await send('/', { 'cf-turnstile-response': PROVIDERS.turnstile.pass() })
    assert.deepEqual([answer.status, answer.body], [500, { handled: 'CaptchaConfigurationError', expose: false, cause: 'TurnstileConfigurationError', isClass: true }])
  })

  it('a requestProperty names the ctx.state property; a refused request does not reach the next middleware', async (t) => {
    const app = new Koa()
    const reached = []
    app.use(bodyParser())
    app.use(captcha({ ...PROVIDERS.turnstile.options(), requestProperty: 'bot' }))
    app.use((ctx) => { reached.push(ctx.state.bot.code); ctx.body = { code: ctx.state.bot.code } })
    const server = http.createServer(app.callback())
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
    t.after(() => new Promise((resolve) => server.close(resolve)))
    const url = `http://127.0.0.1:${server.address().port}/`
    const post = (body) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(async (r) => [r.status, await r.json()])
    assert.deepEqual(await post({}), [400, { error: 'token_missing' }])
    assert.deepEqual(reached, [])
    assert.deepEqual(await post({ 'cf-turnstile-response': PROVIDERS.turnstile.pass() }), [200, { code: 'verified' }])
    assert.deepEqual(reached, ['verified'])
  })
})
