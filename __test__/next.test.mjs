// captcha-native/next: route handlers driven with real NextRequest objects (next/server) and
// server actions with real FormData, for each outcome of each provider, against the embedded
// emulator; then the minimal app of examples/next built with `next build` and served by Next's
// own server, once for this file: a real POST to its route handler and a real server-action
// form submission, passing and refused.
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import Module, { createRequire } from 'node:module'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { assertSubjectGiven, endlessBody, outcomeMatrix, outcomeView, readAnswer, useEmulator, webPost } from './adapter-fixtures.mjs'
import { captureServer } from './helpers.mjs'
import { issueTurnstile, startExample } from './example-process.mjs'

const require = createRequire(import.meta.url)
const { withCaptcha, verifyCaptcha, verifyCaptchaForm, CaptchaConfigurationError } = require('captcha-native/next')
const { NextRequest } = require('next/server')

let emulator
let PROVIDERS
useEmulator((started) => ({ emulator, PROVIDERS } = started))

/** A NextRequest as Next hands a route handler: a form, multipart, JSON or a raw body (webPost). */
function nextRequest (fields, kind) {
  return new NextRequest('http://localhost:3000/api/signup', webPost(fields, kind))
}

/** What Next does with a route handler's rejection: logs it, answers a bare 500. */
async function answered (run, errors) {
  let response
  try {
    response = await run()
  } catch (error) {
    errors.push(error)
    response = new Response('Internal Server Error', { status: 500 })
  }
  return readAnswer(response)
}

/** The handler's own reading of the body, by its type: what a route does after the check. */
async function bodyOf (request) {
  if ((request.headers.get('content-type') ?? '').includes('json')) return request.json()
  return Object.fromEntries(await request.formData())
}

/** A route handler wrapped in withCaptcha, answering the outcome and the body's email. */
function routeOf (options) {
  return withCaptcha(options, async (request, context, captcha) => {
    const body = await bodyOf(request)
    return Response.json({ ...outcomeView(captcha), email: body.email ?? null })
  })
}

/** A route handler for `options`; `send(fields, kind)` calls it as Next would. */
async function serveRoute (options, { errors = [] } = {}) {
  const POST = routeOf(options)
  const send = (fields, kind = {}) => answered(() => POST(nextRequest(fields, kind), { params: Promise.resolve({}) }), errors)
  return { send, errors, POST }
}

/**
 * A server action as an app writes one: the outcome decides the answer; here a Response. The
 * request's `headers` are those `next/headers` would tell it.
 */
async function serveAction (options, { errors = [] } = {}) {
  const action = async (formData, headers) => {
    const captcha = await verifyCaptchaForm(formData, options, { headers: new Headers({ 'user-agent': 'Browser/1.0', ...headers }) })
    if (!captcha.ok) return Response.json({ error: captcha.code }, { status: captcha.status })
    return Response.json({ ...outcomeView(captcha), email: formData.get('email') })
  }
  const send = (fields, { headers } = {}) => {
    const formData = new FormData()
    for (const [name, value] of Object.entries(fields)) formData.append(name, value)
    return answered(() => action(formData, headers), errors)
  }
  return { send, errors }
}

/** The matrix's app: `serveOne(options)` for each entry of `routes`, found by the path sent to. */
async function serveRoutes (routes, serveOne) {
  const errors = []
  const served = new Map()
  for (const [name, options] of Object.entries(routes)) served.set(`/${name}`, await serveOne(options, { errors }))
  return { send: (path, fields, kind) => served.get(path).send(fields, kind), errors, close () {} }
}

/** What answered() answers for a route handler's rejection. */
const misconfigured = (answer) => assert.equal(answer.text, 'Internal Server Error')

outcomeMatrix({
  name: 'next route handler (withCaptcha)',
  where: "the handler's third argument",
  emulator: () => emulator,
  serve: (routes) => serveRoutes(routes, serveRoute),
  echoes: true,
  misconfigured
})

outcomeMatrix({
  name: 'next server action (verifyCaptchaForm)',
  where: "verifyCaptchaForm's outcome",
  emulator: () => emulator,
  serve: (routes) => serveRoutes(routes, serveAction),
  // A server action's skip is given the FormData: the form says it is trusted.
  isTrusted: (formData) => formData.get('trusted') === 'yes',
  trusted: { fields: { trusted: 'yes' }, headers: {} },
  echoes: true,
  // A server action is given a FormData, never JSON.
  json: false,
  misconfigured
})

describe('next: route handlers', () => {
  const turnstile = () => PROVIDERS.turnstile
  const field = 'cf-turnstile-response'

  it('form, multipart and JSON bodies: the token is found, and the handler reads the body after', async () => {
    const { send } = await serveRoute(turnstile().options())
    for (const kind of [{}, { multipart: true }, { json: true }]) {
      const answer = await send({ [field]: turnstile().pass(), email: 'a@example.com' }, kind)
      assert.deepEqual([answer.status, answer.body.code, answer.body.email], [200, 'verified', 'a@example.com'], JSON.stringify(kind))
    }
  })

  it("withCaptcha hands the handler Next's context (params) and the outcome", async () => {
    const seen = []
    const POST = withCaptcha(turnstile().options(), async (request, context, captcha) => {
      seen.push([request instanceof NextRequest, (await context.params).slug, captcha.code])
      return new Response(null, { status: 204 })
    })
    const response = await POST(nextRequest({ [field]: turnstile().pass() }), { params: Promise.resolve({ slug: 'spring' }) })
    assert.equal(response.status, 204)
    assert.deepEqual(seen, [[true, 'spring', 'verified']])
  })

  it('verifyCaptcha resolves the outcome and leaves the body to the handler; refusals are outcomes', async () => {
    const options = turnstile().options()
    const token = turnstile().pass()
    const request = nextRequest({ [field]: token, email: 'a@example.com' }, { json: true })
    const outcome = await verifyCaptcha(request, options)
    assert.deepEqual([outcome.ok, outcome.status, outcome.code, outcome.result.success], [true, 200, 'verified', true])
    assert.deepEqual(await request.json(), { [field]: token, email: 'a@example.com' })
    const refused = await verifyCaptcha(nextRequest({ [field]: turnstile().fail() }), options)
    assert.deepEqual([refused.ok, refused.status, refused.code], [false, 400, 'verification_failed'])
    const missing = await verifyCaptcha(nextRequest({}), options)
    assert.deepEqual([missing.status, missing.code], [400, 'token_missing'])
  })

  it('a body already read is a misconfiguration, said plainly', async () => {
    const request = nextRequest({ [field]: turnstile().pass() })
    await request.formData()
    const error = await verifyCaptcha(request, turnstile().options()).then(() => undefined, (thrown) => thrown)
    assert.ok(error instanceof CaptchaConfigurationError)
    assert.match(error.cause.message, /already read: check the CAPTCHA before reading it/)
  })

  it('a body of exactly 64 KiB is read; one byte more answers 400 body_too_large, the provider never asked', async () => {
    const { send } = await serveRoute(turnstile().options())
    const prefix = `${field}=${turnstile().pass()}&pad=`
    const exact = prefix + 'x'.repeat(64 * 1024 - prefix.length)
    const form = { 'content-type': 'application/x-www-form-urlencoded' }
    assert.equal((await send(null, { body: exact, headers: form })).body.code, 'verified')
    emulator.clearRequests()
    const over = await send(null, { body: `${exact}x`, headers: form })
    assert.deepEqual([over.status, over.body], [400, { error: 'body_too_large' }])
    // Streamed, with no content-length: counted as it arrives. One that never ends is refused
    // after a few reads (read whole first, it would be pulled forever).
    const endless = endlessBody()
    const streamed = await send(null, { body: endless.body, headers: form })
    assert.deepEqual([streamed.status, streamed.body], [400, { error: 'body_too_large' }])
    assert.ok(endless.pulls() <= 8, `${endless.pulls()} pulls of 16 KiB`)
    assert.deepEqual(emulator.requests(), [])
  })

  it('a multipart form with a file over 64 KiB: withCaptcha refuses it body_too_large; verifyCaptchaForm on the FormData the handler read verifies it', async () => {
    const fields = () => ({ [field]: turnstile().pass(), email: 'a@example.com', avatar: new File([new Uint8Array(100 * 1024)], 'avatar.png', { type: 'image/png' }) })
    const { send } = await serveRoute(turnstile().options())
    assert.deepEqual((await send(fields(), { multipart: true })).body, { error: 'body_too_large' })
    // The workaround the README gives: the handler reads the form, then checks it.
    const options = turnstile().options()
    const POST = async (request) => {
      const formData = await request.formData()
      const captcha = await verifyCaptchaForm(formData, options, { headers: request.headers })
      if (!captcha.ok) return Response.json({ error: captcha.code }, { status: captcha.status })
      return Response.json({ code: captcha.code, email: formData.get('email'), avatar: formData.get('avatar').size })
    }
    const answer = await answered(() => POST(nextRequest(fields(), { multipart: true })), [])
    assert.deepEqual([answer.status, answer.body], [200, { code: 'verified', email: 'a@example.com', avatar: 100 * 1024 }])
    const refused = await answered(() => POST(nextRequest({ ...fields(), [field]: turnstile().fail() }, { multipart: true })), [])
    assert.deepEqual([refused.status, refused.body], [400, { error: 'verification_failed' }])
  })

  it('options given as a function are read at the first request, once; wrong ones are a misconfiguration then', async () => {
    let reads = 0
    const POST = routeOf(() => {
      reads++
      return turnstile().options()
    })
    for (let i = 0; i < 2; i++) {
      const response = await POST(nextRequest({ [field]: turnstile().pass() }), { params: Promise.resolve({}) })
      assert.equal(response.status, 200)
    }
    assert.equal(reads, 1)
    const wrong = routeOf(() => ({ provider: 'turnstile' }))
    const error = await wrong(nextRequest({ [field]: 't' }), {}).then(() => undefined, (thrown) => thrown)
    assert.ok(error instanceof CaptchaConfigurationError)
    assert.match(error.cause.message, /secret/)
  })

  it('wrong options given as an object throw at once; requestProperty has no use here', () => {
    assert.throws(() => withCaptcha({ provider: 'nope' }, () => {}), /provider must be one of/)
    assert.throws(() => withCaptcha({ ...turnstile().options(), requestProperty: 'bot' }, () => {}), /requestProperty has no use/)
    assert.throws(() => withCaptcha(turnstile().options()), /handler must be a function/)
    assert.throws(() => withCaptcha({ ...turnstile().options(), trustProxy: -1 }, () => {}), /trustProxy must be/)
  })

  it('skip, the secret resolver and the hooks are given the request', async () => {
    await assertSubjectGiven({
      emulator,
      serve: serveRoute,
      headerOf: (request, name) => request.headers.get(name),
      pathOf: (request) => request.nextUrl.pathname,
      path: '/api/signup'
    })
  })

  it('no address is sent unless trustProxy counts the proxies in front: X-Forwarded-For is anyone\'s to forge', async (t) => {
    const capture = await captureServer(() => ({ body: { success: false, 'error-codes': ['invalid-input-response'] } }))
    t.after(() => capture.close())
    const base = { ...turnstile().options(), siteverifyUrl: `${capture.url}/siteverify` }
    const forged = { headers: { 'x-forwarded-for': '198.51.100.1, 203.0.113.9' } }
    for (const [options, expected] of [[base, null], [{ ...base, trustProxy: 1 }, '203.0.113.9'], [{ ...base, trustProxy: 2 }, '198.51.100.1'], [{ ...base, trustProxy: true }, '198.51.100.1']]) {
      await (await serveRoute(options)).send({ [field]: 't' }, forged)
      assert.equal(new URLSearchParams(capture.seen.at(-1).body).get('remoteip'), expected, JSON.stringify(options.trustProxy))
    }
    // An entry that is no address sends none.
    await (await serveRoute({ ...base, trustProxy: 1 })).send({ [field]: 't' }, { headers: { 'x-forwarded-for': 'not-an-ip' } })
    assert.equal(new URLSearchParams(capture.seen.at(-1).body).get('remoteip'), null)
  })
})

describe('next: server actions', () => {
  const turnstile = () => PROVIDERS.turnstile
  const field = 'cf-turnstile-response'

  it("the User-Agent and, with trustProxy, the address come from the request's headers", async (t) => {
    const capture = await captureServer(() => ({
      body: { name: 'projects/p/assessments/0123456789abcdef', tokenProperties: { valid: false, invalidReason: 'MALFORMED' }, riskAnalysis: {} }
    }))
    t.after(() => capture.close())
    const options = { ...PROVIDERS['recaptcha-enterprise'].options(), endpoint: capture.url, trustProxy: 1 }
    const formData = new FormData()
    formData.append('g-recaptcha-response', 't')
    const headers = new Headers({ 'user-agent': 'Browser/1.0', 'x-forwarded-for': '203.0.113.9' })
    const outcome = await verifyCaptchaForm(formData, options, { headers })
    assert.equal(outcome.code, 'verification_failed')
    const { userIpAddress, userAgent } = JSON.parse(capture.seen[0].body).event
    assert.deepEqual([userIpAddress, userAgent], ['203.0.113.9', 'Browser/1.0'])
  })

  it("outside a Next request, with no headers given, Next's own error says why", async () => {
    const formData = new FormData()
    formData.append(field, turnstile().pass())
    await assert.rejects(verifyCaptchaForm(formData, turnstile().options()), /outside a request scope/)
  })

  /** Resolves `next/headers` with `resolveAs(...)` for the test `t`: a require hook, removed after it. */
  function hookNextHeaders (t, resolveAs) {
    const resolve = Module._resolveFilename
    Module._resolveFilename = function (request, ...rest) {
      return request === 'next/headers' ? resolveAs() : resolve.call(this, request, ...rest)
    }
    t.after(() => { Module._resolveFilename = resolve })
  }

  it('without next/headers installed (not running in Next), the check runs with no headers', async (t) => {
    hookNextHeaders(t, () => {
      throw Object.assign(new Error("Cannot find module 'next/headers'"), { code: 'MODULE_NOT_FOUND' })
    })
    const formData = new FormData()
    formData.append(field, turnstile().pass())
    assert.equal((await verifyCaptchaForm(formData, turnstile().options())).code, 'verified')
  })

  it('next/headers found but failing to load (a dependency of its own missing) is a misconfiguration, not no headers', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'captcha-native-next-'))
    t.after(() => rmSync(dir, { recursive: true, force: true }))
    const broken = join(dir, 'headers.js')
    writeFileSync(broken, "require('a-dependency-that-is-not-installed')\n")
    hookNextHeaders(t, () => broken)
    const formData = new FormData()
    formData.append(field, turnstile().pass())
    const error = await verifyCaptchaForm(formData, turnstile().options()).then(() => undefined, (thrown) => thrown)
    assert.ok(error instanceof CaptchaConfigurationError)
    assert.equal(error.cause.code, 'MODULE_NOT_FOUND')
    assert.match(error.cause.message, /a-dependency-that-is-not-installed/)
  })

  it('a file in the field is no token; wrong arguments are a misconfiguration', async () => {
    const formData = new FormData()
    formData.append(field, new Blob(['x']), 'token.txt')
    const outcome = await verifyCaptchaForm(formData, turnstile().options(), { headers: new Headers() })
    assert.equal(outcome.code, 'token_missing')
    await assert.rejects(verifyCaptchaForm({ [field]: 't' }, turnstile().options(), { headers: new Headers() }), CaptchaConfigurationError)
  })
})

describe('next: loading', () => {
  const root = fileURLToPath(new URL('..', import.meta.url))

  it('captcha-native/next loads without Next: next/headers is required only when a server action asks', () => {
    const loaded = spawnSync(process.execPath, ['-e', "require('captcha-native/next'); console.log(Object.keys(require.cache).filter((file) => file.includes('/node_modules/next/')).length)"], { cwd: root, encoding: 'utf8' })
    assert.deepEqual([loaded.status, loaded.stdout.trim()], [0, '0'])
  })

  it('on the Edge runtime it fails at once, saying the Node.js runtime is needed', () => {
    const loaded = spawnSync(process.execPath, ['-e', "globalThis.EdgeRuntime = 'edge-runtime'; require('captcha-native/next')"], { cwd: root, encoding: 'utf8' })
    assert.notEqual(loaded.status, 0)
    assert.match(loaded.stderr, /runs on Next's Node\.js runtime only \(the addon is native\)/)
  })
})

describe('next: the example app, built and served by Next', () => {
  let example
  let child
  let url
  let emulatorUrl
  let exited
  before(async () => {
    const started = Date.now()
    example = await startExample('next', { env: { NEXT_TELEMETRY_DISABLED: '1' } })
    ;({ app: url, emulator: emulatorUrl, child, exited } = example)
    // Build (when the sources changed) and start: reported, never asserted.
    console.log(`examples/next built (when its sources changed) and started in ${Date.now() - started} ms`)
  })
  after(() => example?.kill())

  /** A token the example's emulator issued, as the widget would get one. */
  const issue = (claims) => issueTurnstile(emulatorUrl, claims)

  for (const path of ['/api/signup', '/signup']) {
    it(`a POST to the route handler (${path}) passes with a verified token (form, multipart or JSON) and is refused 400 otherwise`, async () => {
      const post = async (body, headers = {}) => {
        const answer = await fetch(`${url}${path}`, { method: 'POST', body, headers })
        return [answer.status, await answer.json()]
      }
      const multipart = new FormData()
      multipart.append('cf-turnstile-response', await issue())
      assert.deepEqual(await post(new URLSearchParams({ 'cf-turnstile-response': await issue() })), [200, { outcome: 'verified' }])
      assert.deepEqual(await post(multipart), [200, { outcome: 'verified' }])
      assert.deepEqual(await post(JSON.stringify({ token: await issue() }), { 'content-type': 'application/json' }), [200, { outcome: 'verified' }])
      assert.deepEqual(await post(new URLSearchParams({ 'cf-turnstile-response': await issue({ success: false }) })), [400, { error: 'verification_failed' }])
      assert.deepEqual(await post(new URLSearchParams({ email: 'a@example.com' })), [400, { error: 'token_missing' }])
    })
  }

  it("the page's form submits to its server action, which passes a verified token and refuses another", async () => {
    const page = await (await fetch(url)).text()
    // The form as Next renders it for browsers without JavaScript: the action's id in a hidden field.
    const actionField = /name="(\$ACTION_ID_[0-9a-f]+)"/.exec(page)?.[1]
    assert.ok(actionField, 'the page renders the server action form')
    const submit = async (token) => {
      const form = new FormData()
      form.append(actionField, '')
      form.append('email', 'a@example.com')
      form.append('cf-turnstile-response', token)
      const answer = await fetch(url, { method: 'POST', body: form, headers: { origin: url }, redirect: 'manual' })
      return [answer.status, answer.headers.get('location')]
    }
    assert.deepEqual(await submit(await issue()), [303, '/?outcome=verified'])
    assert.deepEqual(await submit(await issue({ success: false })), [303, '/?outcome=verification_failed'])
    assert.match(await (await fetch(`${url}/?outcome=verified`)).text(), /<p id="outcome">verified<\/p>/)
  })

  it('SIGTERM stops it, exit code 0', async () => {
    child.kill('SIGTERM')
    assert.deepEqual(await exited, { code: 0, signal: null })
  })
})

describe('next: the provider checks', () => {
  it("a check the provider's answer fails (Turnstile's expectedAction) is a 400 verification_failed", async () => {
    const { send } = await serveRoute({ ...PROVIDERS.turnstile.options(), expectedAction: 'signup' })
    const other = await send({ 'cf-turnstile-response': emulator.issue('turnstile', { action: 'login' }) })
    assert.deepEqual([other.status, other.body], [400, { error: 'verification_failed' }])
    const same = await send({ 'cf-turnstile-response': emulator.issue('turnstile', { action: 'signup' }) })
    assert.equal(same.body.code, 'verified')
  })
})
