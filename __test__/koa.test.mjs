// captcha-native/koa against real Koa (a devDependency) over node:http, and the embedded
// emulator: each outcome of each provider, with @koa/bodyparser and with the body unread.
import { describe, it, before, after, beforeEach } from 'node:test'
import assert from 'node:assert/strict'
import http from 'node:http'
import { createRequire } from 'node:module'
import { adapterProviders, outage } from './adapter-fixtures.mjs'

const require = createRequire(import.meta.url)
const { Emulator } = require('../index.js')
const { captcha, CaptchaConfigurationError } = require('captcha-native/koa')
const Koa = require('koa')
const { bodyParser } = require('@koa/bodyparser')

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

/**
 * A Koa app on a port: /parsed behind @koa/bodyparser, /raw with the body unread; the handler
 * answers the outcome it found on ctx.state. Errors Koa emits are collected, not printed.
 */
async function serve (options, t, { handle } = {}) {
  const app = new Koa()
  const errors = []
  app.on('error', (error) => errors.push(error))
  if (handle) app.use(handle)
  const guard = captcha(options)
  const parser = bodyParser()
  app.use(async (ctx, next) => {
    if (ctx.path === '/parsed') return parser(ctx, next)
    return next()
  })
  app.use(guard)
  app.use((ctx) => {
    const outcome = ctx.state.captcha
    ctx.body = { code: outcome.code, ok: outcome.ok, failedOpen: outcome.failedOpen, hasResult: outcome.result !== undefined }
  })
  const server = http.createServer(app.callback())
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.after(() => new Promise((resolve) => server.close(resolve)))
  const { port } = server.address()
  const send = async (path, fields, { json = false, headers = {} } = {}) => {
    const answer = await fetch(`http://127.0.0.1:${port}${path}`, {
      method: 'POST',
      headers: { 'content-type': json ? 'application/json' : 'application/x-www-form-urlencoded', ...headers },
      body: json ? JSON.stringify(fields) : new URLSearchParams(fields).toString()
    })
    const text = await answer.text()
    return { status: answer.status, text, body: answer.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text }
  }
  return { send, errors }
}

for (const provider of ['trustcaptcha', 'turnstile', 'playtcha']) {
  describe(`koa, ${provider}`, () => {
    const fixture = () => PROVIDERS[provider]
    for (const path of ['/parsed', '/raw']) {
      it(`${path}: a verified token passes, the outcome on ctx.state.captcha (form and JSON)`, async (t) => {
        const { send } = await serve(fixture().options(), t)
        const form = await send(path, { [fixture().field]: fixture().pass() })
        assert.deepEqual([form.status, form.body], [200, { code: 'verified', ok: true, failedOpen: false, hasResult: true }])
        const json = await send(path, { token: fixture().pass() }, { json: true })
        assert.deepEqual([json.status, json.body.code], [200, 'verified'])
      })

      it(`${path}: a refused token answers 400 verification_failed; no token 400 token_missing`, async (t) => {
        const { send } = await serve(fixture().options(), t)
        const refused = await send(path, { [fixture().field]: fixture().fail() })
        assert.deepEqual([refused.status, refused.body], [400, { error: 'verification_failed' }])
        const missing = await send(path, {})
        assert.deepEqual([missing.status, missing.body], [400, { error: 'token_missing' }])
      })

      it(`${path}: an outage answers 503 provider_unavailable with 'reject', passes with 'allow'; no upstream text`, async (t) => {
        const reject = await serve({ ...fixture().options(), onUnavailable: 'reject' }, t)
        outage(emulator, provider, fixture().secret)
        const refused = await reject.send(path, { [fixture().field]: fixture().pass() })
        assert.deepEqual([refused.status, refused.body], [503, { error: 'provider_unavailable' }])
        assert.doesNotMatch(refused.text, /UPSTREAM|status/)
        const allow = await serve({ ...fixture().options(), onUnavailable: 'allow' }, t)
        const passed = await allow.send(path, { [fixture().field]: fixture().pass() })
        assert.deepEqual([passed.status, passed.body.code, passed.body.failedOpen], [200, 'failed_open', true])
      })

      it(`${path}: skip passes with no token and no request to the provider`, async (t) => {
        const { send } = await serve({ ...fixture().options(), skip: (request) => request.get('x-trusted') === 'yes' && request.ctx.state !== undefined }, t)
        const skipped = await send(path, {}, { headers: { 'x-trusted': 'yes' } })
        assert.deepEqual([skipped.status, skipped.body.code], [200, 'skipped'])
        assert.equal(emulator.requests().length, 0)
      })

      it(`${path}: a refused key is a 500 with Koa's own text, no upstream detail; the error a CaptchaConfigurationError`, async (t) => {
        const { send, errors } = await serve({ ...fixture().options(), ...fixture().refusedKey }, t)
        const answer = await send(path, { [fixture().field]: fixture().pass() })
        assert.deepEqual([answer.status, answer.text], [500, 'Internal Server Error'])
        assert.equal(errors.length, 1)
        assert.ok(errors[0] instanceof CaptchaConfigurationError)
        assert.deepEqual([errors[0].status, errors[0].expose], [500, false])
        assert.ok(errors[0].cause instanceof Error)
        // An upstream middleware catching it sees the same error.
        const caught = await serve({ ...fixture().options(), ...fixture().refusedKey }, t, {
          handle: async (ctx, next) => {
            try {
              await next()
            } catch (error) {
              ctx.status = error.status
              ctx.body = { handled: error.name, expose: error.expose }
            }
          }
        })
        const handled = await caught.send(path, { [fixture().field]: fixture().pass() })
        assert.deepEqual([handled.status, handled.body], [500, { handled: 'CaptchaConfigurationError', expose: false }])
      })
    }
  })
}

describe('koa middleware', () => {
  it('wrong options throw at once', () => {
    assert.throws(() => captcha({ provider: 'nope' }), /provider must be one of/)
    assert.throws(() => captcha({ provider: 'turnstile', secret: 's', bogus: 1 }), /unknown option/)
    assert.throws(() => captcha({ provider: 'turnstile', secret: 's', requestProperty: 1 }), /requestProperty/)
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
