// captcha-native/hono against real Hono (a devDependency) on @hono/node-server's serve() over
// real HTTP, and the embedded emulator: each outcome of each provider, the bodies (form,
// multipart, JSON) the handler still reads after the check, the 64 KiB cap, the client address.
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { assertSubjectGiven, endlessBody, outcomeMatrix, outcomeView, readAnswer, useEmulator, webPost } from './adapter-fixtures.mjs'
import { captureServer } from './helpers.mjs'
import { issueTurnstile, startExample } from './example-process.mjs'

const require = createRequire(import.meta.url)
const { captcha, CaptchaConfigurationError } = require('captcha-native/hono')
const { Hono } = require('hono')
const { serve: honoServe } = require('@hono/node-server')

let emulator
let PROVIDERS
useEmulator((started) => ({ emulator, PROVIDERS } = started))

/** The handler's own reading of the body, by its type: what an app does after the check. */
async function bodyOf (c) {
  const type = c.req.header('content-type') ?? ''
  return type.includes('json') ? c.req.json() : c.req.parseBody()
}

/** Listens on a free port; resolves its URL and `close()`, called after the test `t` if given. */
async function listen (app, t) {
  const server = await new Promise((resolve) => {
    const made = honoServe({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(made))
  })
  const close = () => new Promise((resolve) => {
    server.closeAllConnections()
    server.close(resolve)
  })
  t?.after(close)
  return { url: `http://127.0.0.1:${server.address().port}`, close }
}

/** A Hono app whose errors reach an onError that records them and answers a bare 500. */
function recordingApp () {
  const app = new Hono()
  const errors = []
  app.onError((error, c) => {
    errors.push(error)
    return c.text('Internal Server Error', 500)
  })
  return { app, errors }
}

/** The protected handler: answers the outcome and the body's `email`, read after the check. */
async function answerOutcome (c) {
  const body = await bodyOf(c)
  return c.json({ ...outcomeView(c.get('captcha')), email: body.email ?? null })
}

/** `POST url` with `fields` as webPost sends them. */
const post = async (url, fields, kind) => readAnswer(await fetch(url, webPost(fields, kind)))

/** A Hono app with `POST /signup` behind captcha(options) (after `before`, if given). */
async function serve (options, t, { before: first } = {}) {
  const { app, errors } = recordingApp()
  if (first) app.use('/signup', first)
  app.post('/signup', captcha(options), answerOutcome)
  const { url } = await listen(app, t)
  return { send: (fields, kind) => post(`${url}/signup`, fields, kind), errors, url }
}

/** The matrix's app: `POST /${name}` behind captcha(options) for each entry of `routes`. */
async function serveRoutes (routes) {
  const { app, errors } = recordingApp()
  for (const [name, options] of Object.entries(routes)) app.post(`/${name}`, captcha(options), answerOutcome)
  const { url, close } = await listen(app)
  return { send: (path, fields, kind) => post(`${url}${path}`, fields, kind), errors, close }
}

outcomeMatrix({
  name: 'hono',
  where: "c.get('captcha')",
  emulator: () => emulator,
  serve: serveRoutes,
  // Hono's skip is given the Context.
  isTrusted: (c) => c.req.header('x-trusted') === 'yes',
  echoes: true,
  // The app's onError answers a bare 500.
  misconfigured: (answer) => assert.equal(answer.text, 'Internal Server Error')
})

describe('hono: bodies', () => {
  const turnstile = () => PROVIDERS.turnstile

  it('form, multipart and JSON bodies: the token is found, and the handler reads the body after', async (t) => {
    const { send } = await serve(turnstile().options(), t)
    for (const kind of [{}, { multipart: true }, { json: true }]) {
      const answer = await send({ 'cf-turnstile-response': turnstile().pass(), email: 'a@example.com' }, kind)
      assert.deepEqual([answer.status, answer.body.code, answer.body.email], [200, 'verified', 'a@example.com'], JSON.stringify(kind))
    }
  })

  it("JSON's `token` field is read; a form's `token` is not (it is often CSRF's)", async (t) => {
    const { send } = await serve(turnstile().options(), t)
    assert.equal((await send({ token: turnstile().pass() }, { json: true })).body.code, 'verified')
    assert.deepEqual((await send({ token: turnstile().pass() })).body, { error: 'token_missing' })
  })

  it('a body a middleware before already read through c.req is still checked, and still readable', async (t) => {
    const { send } = await serve(turnstile().options(), t, {
      before: async (c, next) => {
        await bodyOf(c)
        await next()
      }
    })
    for (const kind of [{}, { multipart: true }, { json: true }]) {
      const answer = await send({ 'cf-turnstile-response': turnstile().pass(), email: 'a@example.com' }, kind)
      assert.deepEqual([answer.status, answer.body.code, answer.body.email], [200, 'verified', 'a@example.com'], JSON.stringify(kind))
    }
  })

  it('a body a middleware before read from c.req.raw (no copy in Hono\'s cache) is a misconfiguration that says so', async (t) => {
    const { send, errors } = await serve(turnstile().options(), t, {
      before: async (c, next) => {
        await c.req.raw.text()
        await next()
      }
    })
    const answer = await send({ 'cf-turnstile-response': turnstile().pass() })
    assert.equal(answer.status, 500)
    assert.ok(errors[0] instanceof CaptchaConfigurationError)
    assert.match(errors[0].cause.message, /already read: check the CAPTCHA before reading it/)
  })

  it('a multipart form with a file over 64 KiB: refused body_too_large, unless a middleware before parsed it (c.req.parseBody()): then checked from what Hono cached', async (t) => {
    const fields = () => ({ 'cf-turnstile-response': turnstile().pass(), email: 'a@example.com', avatar: new File([new Uint8Array(100 * 1024)], 'avatar.png', { type: 'image/png' }) })
    const avatarSize = async (c) => {
      const body = await c.req.parseBody()
      return c.json({ code: c.get('captcha').code, email: body.email, avatar: body.avatar.size })
    }
    const { app } = recordingApp()
    app.post('/plain', captcha(turnstile().options()), avatarSize)
    // The workaround the README gives: the body parsed first, the token found in Hono's cache.
    app.post('/parsed', async (c, next) => {
      await c.req.parseBody()
      await next()
    }, captcha(turnstile().options()), avatarSize)
    const { url } = await listen(app, t)
    assert.deepEqual((await post(`${url}/plain`, fields(), { multipart: true })).body, { error: 'body_too_large' })
    const parsed = await post(`${url}/parsed`, fields(), { multipart: true })
    assert.deepEqual([parsed.status, parsed.body], [200, { code: 'verified', email: 'a@example.com', avatar: 100 * 1024 }])
    const refused = await post(`${url}/parsed`, { ...fields(), 'cf-turnstile-response': turnstile().fail() }, { multipart: true })
    assert.deepEqual([refused.status, refused.body], [400, { error: 'verification_failed' }])
  })

  it('a body of exactly 64 KiB is read; one byte more answers 400 body_too_large and closes the connection, the provider never asked', async (t) => {
    const { send } = await serve(turnstile().options(), t)
    const token = turnstile().pass()
    const prefix = `cf-turnstile-response=${token}&pad=`
    const exact = prefix + 'x'.repeat(64 * 1024 - prefix.length)
    const form = { 'content-type': 'application/x-www-form-urlencoded' }
    assert.equal((await send(null, { body: exact, headers: form })).body.code, 'verified')
    emulator.clearRequests()
    const over = await send(null, { body: `${exact}x`, headers: form })
    assert.deepEqual([over.status, over.body, over.headers.get('connection')], [400, { error: 'body_too_large' }, 'close'])
    assert.deepEqual(emulator.requests(), [])
  })

  it('a streamed body with no content-length is counted as it arrives: one that never ends is refused body_too_large after a few reads', async () => {
    // Given to the app itself, not over HTTP: what is pulled from the stream is then what the
    // adapter read, not what the client's socket buffers took.
    const app = new Hono()
    app.post('/signup', captcha(turnstile().options()), answerOutcome)
    emulator.clearRequests()
    const endless = endlessBody()
    const request = new Request('http://localhost/signup', webPost(null, { body: endless.body, headers: { 'content-type': 'application/x-www-form-urlencoded' } }))
    const answer = await readAnswer(await app.request(request))
    assert.deepEqual([answer.status, answer.body], [400, { error: 'body_too_large' }])
    assert.ok(endless.pulls() <= 8, `${endless.pulls()} pulls of 16 KiB`)
    assert.deepEqual(emulator.requests(), [])
  })

  it('a body that does not arrive within the deadline answers 400 token_missing', async (t) => {
    // The provider's timeout bounds reading the body too.
    const { send } = await serve({ ...turnstile().options(), timeoutMs: 200 }, t)
    let cancel
    const stream = new ReadableStream({
      start (controller) {
        controller.enqueue(new TextEncoder().encode('email=a'))
        cancel = () => controller.close()
      }
    })
    const answer = await send(null, { body: stream, headers: { 'content-type': 'application/x-www-form-urlencoded' } })
    cancel()
    assert.deepEqual([answer.status, answer.body], [400, { error: 'token_missing' }])
  })
})

describe('hono: options', () => {
  const turnstile = () => PROVIDERS.turnstile

  it('wrong options throw at once; requestProperty must be a string (c.set takes one)', () => {
    assert.throws(() => captcha({ provider: 'nope' }), /provider must be one of/)
    assert.throws(() => captcha({ ...turnstile().options(), bogus: 1 }), /unknown option/)
    assert.throws(() => captcha({ ...turnstile().options(), requestProperty: Symbol('captcha') }), /requestProperty must be a string/)
    assert.throws(() => captcha({ ...turnstile().options(), trustProxy: 'yes' }), /trustProxy must be/)
  })

  it('requestProperty names the context variable', async (t) => {
    const app = new Hono()
    app.post('/', captcha({ ...turnstile().options(), requestProperty: 'bot' }), (c) => c.json({ bot: c.get('bot').code, captcha: c.get('captcha') ?? null }))
    const { url } = await listen(app, t)
    const answer = await fetch(url, { method: 'POST', body: new URLSearchParams({ 'cf-turnstile-response': turnstile().pass() }) })
    assert.deepEqual(await answer.json(), { bot: 'verified', captcha: null })
  })

  it('skip, the secret resolver and the hooks are given the Context', async (t) => {
    await assertSubjectGiven({
      emulator,
      serve: (options) => serve(options, t),
      headerOf: (c, name) => c.req.header(name),
      pathOf: (c) => c.req.path,
      path: '/signup'
    })
  })

  it("the provider is sent the connection's address and never a forged X-Forwarded-For, unless trustProxy counts the proxies", async (t) => {
    const capture = await captureServer(() => ({ body: { success: false, 'error-codes': ['invalid-input-response'] } }))
    t.after(() => capture.close())
    const base = { ...turnstile().options(), siteverifyUrl: `${capture.url}/siteverify` }
    const forged = { 'x-forwarded-for': '198.51.100.1, 203.0.113.9' }
    for (const [options, expected] of [[base, '127.0.0.1'], [{ ...base, trustProxy: 1 }, '203.0.113.9'], [{ ...base, trustProxy: 2 }, '198.51.100.1'], [{ ...base, trustProxy: true }, '198.51.100.1']]) {
      const { send } = await serve(options, t)
      await send({ 'cf-turnstile-response': 't' }, { headers: forged })
      assert.equal(new URLSearchParams(capture.seen.at(-1).body).get('remoteip'), expected, JSON.stringify(options.trustProxy))
    }
  })

  it("reCAPTCHA Enterprise is sent the request's User-Agent", async (t) => {
    const capture = await captureServer(() => ({
      body: { name: 'projects/p/assessments/0123456789abcdef', tokenProperties: { valid: false, invalidReason: 'MALFORMED' }, riskAnalysis: {} }
    }))
    t.after(() => capture.close())
    const { send } = await serve({ ...PROVIDERS['recaptcha-enterprise'].options(), endpoint: capture.url }, t)
    await send({ 'g-recaptcha-response': 't' }, { headers: { 'user-agent': 'Browser/1.0' } })
    const { userIpAddress, userAgent } = JSON.parse(capture.seen[0].body).event
    assert.deepEqual([userIpAddress, userAgent], ['127.0.0.1', 'Browser/1.0'])
  })
})

describe('hono: the provider checks', () => {
  it("a check the provider's answer fails (Turnstile's expectedAction) is a 400 verification_failed", async (t) => {
    const { send } = await serve({ ...PROVIDERS.turnstile.options(), expectedAction: 'signup' }, t)
    const other = await send({ 'cf-turnstile-response': emulator.issue('turnstile', { action: 'login' }) })
    assert.deepEqual([other.status, other.body], [400, { error: 'verification_failed' }])
    const same = await send({ 'cf-turnstile-response': emulator.issue('turnstile', { action: 'signup' }) })
    assert.equal(same.body.code, 'verified')
  })
})

describe('hono: examples/hono/server.js', () => {
  it('serves POST /signup: 200 with the outcome for a verified token (form or JSON), 400 for a refused one; SIGINT exits 0', async (t) => {
    const { app: url, emulator: emulatorUrl, child, exited, kill } = await startExample('hono')
    t.after(kill)
    const issue = (claims) => issueTurnstile(emulatorUrl, claims)
    const post = async (body, headers) => {
      const answer = await fetch(`${url}/signup`, { method: 'POST', body, headers })
      return [answer.status, await answer.json()]
    }
    assert.deepEqual(await post(new URLSearchParams({ 'cf-turnstile-response': await issue(), email: 'a@example.com' })), [200, { outcome: 'verified', email: 'a@example.com' }])
    assert.deepEqual(await post(JSON.stringify({ token: await issue() }), { 'content-type': 'application/json' }), [200, { outcome: 'verified', email: null }])
    assert.deepEqual(await post(new URLSearchParams({ 'cf-turnstile-response': await issue({ success: false }) })), [400, { error: 'verification_failed' }])
    child.kill('SIGINT')
    assert.deepEqual(await exited, { code: 0, signal: null })
  })
})
