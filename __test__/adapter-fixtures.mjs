// The providers every framework adapter's tests (express, fastify, koa, hono, nestjs, next) run
// against the embedded emulator: options, the widget's field, tokens that pass and fail, a key
// the provider refuses (a misconfiguration, where the provider has one) and the secret to look
// for in anything a browser or a log could see. Then what every such test file shares: its emulator
// (useEmulator), and the one outcome matrix (outcomeMatrix) each framework runs.
import { Emulator } from '../index.js'
import { describe, it, before, after, beforeEach } from 'node:test'
import assert from 'node:assert/strict'
import http from 'node:http'
import { createRequire } from 'node:module'

const { CaptchaConfigurationError } = createRequire(import.meta.url)('captcha-native/middleware')

/** Every provider the middleware serves, in the order of the README's table. */
export const ADAPTER_PROVIDERS = ['trustcaptcha', 'swetrix', 'recaptcha', 'playtcha', 'turnstile', 'hcaptcha', 'recaptcha-enterprise', 'friendly-captcha']

export function adapterProviders (emulator) {
  const credentials = emulator.credentials
  const log = () => {}
  return {
    trustcaptcha: {
      field: 'tc-verification-token',
      options: () => ({ provider: 'trustcaptcha', apiKey: credentials.trustcaptchaApiKey, apiHost: emulator.url, readTimeoutMs: 2000, log }),
      refusedKey: { apiKey: Emulator.identities.trustcaptcha.invalidApiKey.apiKey },
      secret: credentials.trustcaptchaApiKey,
      pass: () => emulator.issue('trustcaptcha', { score: 0.2, countryCode: 'FR' }),
      fail: () => emulator.issue('trustcaptcha', { verificationPassed: false })
    },
    swetrix: {
      field: 'swetrix-captcha-response',
      options: () => ({ provider: 'swetrix', secret: credentials.swetrixSecret, apiURL: `${emulator.url}/v1/captcha`, timeoutMs: 2000, log }),
      // Swetrix's validator never throws: a wrong secret is a refused token, not a misconfiguration.
      refusedKey: undefined,
      secret: credentials.swetrixSecret,
      pass: () => emulator.issue('swetrix', { pid: 'AP00000000042' }),
      fail: () => 'a-token-no-server-issued'
    },
    recaptcha: {
      field: 'g-recaptcha-response',
      options: () => ({ provider: 'recaptcha', secretKey: credentials.recaptchaSecret, siteverifyUrl: `${emulator.url}/recaptcha/api/siteverify`, timeoutMs: 2000, retries: 0, log }),
      refusedKey: { secretKey: 'not-the-secret' },
      secret: credentials.recaptchaSecret,
      pass: () => emulator.issue('recaptcha'),
      fail: () => emulator.issue('recaptcha', { success: false })
    },
    playtcha: {
      field: 'playtcha-token',
      options: () => ({ provider: 'playtcha', secret: credentials.playtchaSecret, apiHost: emulator.url, timeoutMs: 2000, log }),
      refusedKey: { secret: 'wrong-secret' },
      secret: credentials.playtchaSecret,
      pass: () => emulator.issue('playtcha', { hostname: 'shop.example.com' }),
      fail: () => 'a-token-no-server-issued'
    },
    turnstile: {
      field: 'cf-turnstile-response',
      options: () => ({ provider: 'turnstile', secret: credentials.turnstileSecret, siteverifyUrl: `${emulator.url}/turnstile/v0/siteverify`, timeoutMs: 2000, retries: 0, log }),
      refusedKey: { secret: 'not-the-secret' },
      secret: credentials.turnstileSecret,
      pass: () => emulator.issue('turnstile', { action: 'login', hostname: 'example.com' }),
      fail: () => emulator.issue('turnstile', { success: false })
    },
    hcaptcha: {
      field: 'h-captcha-response',
      options: () => ({ provider: 'hcaptcha', secret: credentials.hcaptchaSecret, siteverifyUrl: `${emulator.url}/siteverify`, timeoutMs: 2000, retries: 0, log }),
      refusedKey: { secret: 'not-the-secret' },
      secret: credentials.hcaptchaSecret,
      pass: () => emulator.issue('hcaptcha', { hostname: 'example.com', score: 0.1 }),
      fail: () => emulator.issue('hcaptcha', { success: false })
    },
    'recaptcha-enterprise': {
      field: 'g-recaptcha-response',
      options: () => ({
        provider: 'recaptcha-enterprise',
        apiKey: credentials.recaptchaEnterpriseApiKey,
        projectId: credentials.recaptchaEnterpriseProjectId,
        siteKey: credentials.recaptchaEnterpriseSiteKey,
        endpoint: emulator.url,
        timeoutMs: 2000,
        retries: 0,
        log
      }),
      refusedKey: { apiKey: 'not-the-api-key' },
      secret: credentials.recaptchaEnterpriseApiKey,
      pass: () => emulator.issue('recaptcha-enterprise', { action: 'signup', hostname: 'example.com', score: 0.8 }),
      fail: () => emulator.issue('recaptcha-enterprise', { invalidReason: 'BROWSER_ERROR' })
    },
    'friendly-captcha': {
      field: 'frc-captcha-response',
      options: () => ({
        provider: 'friendly-captcha',
        apiKey: credentials.friendlyCaptchaApiKey,
        sitekey: credentials.friendlyCaptchaSitekey,
        apiEndpoint: emulator.url,
        timeout: 2000,
        log
      }),
      refusedKey: { apiKey: 'frc-not-the-key-0002' },
      secret: credentials.friendlyCaptchaApiKey,
      pass: () => emulator.issue('friendly-captcha', { origin: 'https://shop.example' }),
      fail: () => 'a-response-no-server-issued'
    }
  }
}

/** A status the provider answers during an outage, its body holding text that must never reach the browser. */
export function outage (emulator, provider, secret) {
  emulator.fault({ provider, kind: 'status', status: 503, body: `UPSTREAM-DETAIL ${secret}` })
}

/**
 * The test file's emulator: started in its `before` (then `started({ emulator, PROVIDERS })`,
 * PROVIDERS being `adapterProviders(emulator)`), closed in its `after`, its faults and recorded
 * requests cleared before each test.
 */
export function useEmulator (started) {
  let emulator
  before(async () => {
    emulator = await Emulator.start()
    started({ emulator, PROVIDERS: adapterProviders(emulator) })
  })
  after(() => emulator?.close())
  beforeEach(() => {
    emulator.clearFaults()
    emulator.clearRequests()
  })
}

// ---------------------------------------------------------------------------------------------
// The outcome matrix: each provider's every outcome through one framework adapter, one test each,
// the one matrix every framework's tests run.

/** What a matrix app's handler answers (200 JSON): the outcome the adapter left for it. */
export function outcomeView (outcome) {
  return { code: outcome.code, ok: outcome.ok, failedOpen: outcome.failedOpen, provider: outcome.provider, hasResult: outcome.result !== undefined }
}

/**
 * Whether the request `skip` is given carries `x-trusted: yes`: Node's headers object (Express,
 * Fastify, Koa) or a fetch `Headers` (a web Request).
 */
export function sentTrusted (request) {
  const headers = request?.headers
  const value = typeof headers?.get === 'function' ? headers.get('x-trusted') : headers?.['x-trusted']
  return value === 'yes'
}

/** Swetrix refuses no key (a wrong secret is a refused token): its misconfiguration is a secret resolver resolving none. */
const RESOLVES_NO_SECRET = { secret: () => '' }

/**
 * The protected routes a matrix app serves, one options object each: `/${name}` for each name.
 * `misconfigured` has a key the provider refuses, or (Swetrix) a resolver resolving no secret;
 * `wrong-secret`, where the provider never refuses a key, a secret it refuses each token for.
 * `isTrusted(request)` is the `skip` of `/skip`; `log` every route's.
 */
export function matrixRoutes (fixture, { isTrusted = sentTrusted, log } = {}) {
  const options = { ...fixture.options(), ...(log && { log }) }
  const routes = {
    verify: options,
    reject: { ...options, onUnavailable: 'reject' },
    allow: { ...options, onUnavailable: 'allow' },
    skip: { ...options, skip: isTrusted },
    misconfigured: { ...options, ...(fixture.refusedKey ?? RESOLVES_NO_SECRET) }
  }
  if (!fixture.refusedKey) routes['wrong-secret'] = { ...options, secret: 'not-the-secret' }
  return routes
}

/**
 * Starts a node:http server for `listener` (an Express app, Koa's `app.callback()`) on loopback.
 * Resolves `{ send, close }`, `send` as a matrix `serve` needs it.
 */
export async function httpApp (listener) {
  const server = http.createServer(listener)
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const base = `http://127.0.0.1:${server.address().port}`
  return {
    send: (path, fields, options) => postFields((init) => fetch(`${base}${path}`, init), fields, options),
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve) })
  }
}

/**
 * POSTs `fields` as a form (or JSON with `json: true`) through `request(init)`, a fetch;
 * resolves `{ status, text, body }`, `body` parsed when the answer is JSON.
 */
export async function postFields (request, fields, { json = false, headers = {} } = {}) {
  return readAnswer(await request({
    method: 'POST',
    headers: { 'content-type': json ? 'application/json' : 'application/x-www-form-urlencoded', ...headers },
    body: json ? JSON.stringify(fields) : new URLSearchParams(fields).toString()
  }))
}

/**
 * A web Request's init POSTing `fields` as a browser would: a form (URLSearchParams), multipart
 * (FormData) with `multipart`, JSON with `json`, or `body` as it is; for fetch or a NextRequest.
 */
export function webPost (fields, { json = false, multipart = false, headers = {}, body } = {}) {
  let sent = body
  if (sent === undefined) {
    if (json) sent = JSON.stringify(fields)
    else if (multipart) {
      sent = new FormData()
      for (const [name, value] of Object.entries(fields)) sent.append(name, value)
    } else sent = new URLSearchParams(fields)
  }
  return {
    method: 'POST',
    headers: { ...(json && { 'content-type': 'application/json' }), ...headers },
    body: sent,
    duplex: 'half'
  }
}

/** A fetch Response as the tests read it: `{ status, text, headers, body }`, `body` parsed when JSON. */
export async function readAnswer (response) {
  const text = await response.text()
  return { status: response.status, text, headers: response.headers, body: response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text }
}

/** How a matrix sends the request its `/skip` route's `skip` trusts, unless told otherwise. */
const TRUSTED = { headers: { 'x-trusted': 'yes' }, fields: {} }

/**
 * Declares, for each provider, a describe of one test per outcome of an adapter: a verified
 * token (form field and JSON `token`), a refused token, no token, an outage under each policy,
 * `skip`, a misconfiguration, and for a provider refusing no key (Swetrix) a wrong secret. Test
 * names start with `name` and the provider, so a failure says which framework and provider
 * broke. Every framework's tests (express, fastify, koa, hono, next, nestjs) run this one matrix,
 * each giving only what differs:
 *
 * - `name`: the framework and how it is wired, e.g. 'koa (@koa/bodyparser)'.
 * - `where`: where the handler reads the outcome, e.g. 'ctx.state.captcha'.
 * - `emulator()`: the test file's emulator (useEmulator).
 * - `serve(routes)`: starts an app with a protected POST `/${name}` for each entry of `routes`
 *   (options), whose handler answers 200 JSON `outcomeView(outcome)` (and what `answers` and
 *   `echoes` add). Resolves `{ send(path, fields, { json, headers }) -> { status, text, body },
 *   errors, close() }`, `errors` collecting the errors that reached the framework's error
 *   handling (or its error log), checked to be one CaptchaConfigurationError for a
 *   misconfiguration.
 * - `misconfigured(answer)`: checks the framework's own answer for a misconfiguration (its 500).
 * - `isTrusted(request)`: `/skip`'s skip, if the adapter's `skip` is given neither Node's request
 *   nor a web Request (default `sentTrusted`); `trusted`: how a request it trusts is sent,
 *   `{ headers, fields }` (default the header `x-trusted: yes`).
 * - `echoes`: the handler reads the body after the check and answers its `email` too.
 * - `answers`: what else the handler answers for each request it is reached by (NestJS:
 *   `{ onRequest: true }`, the outcome its decorator gave being the request's).
 * - `json`: false for an adapter given no JSON body (a server action's FormData).
 */
export function outcomeMatrix ({
  name, where, emulator: emulatorOf, serve, misconfigured, isTrusted, trusted = TRUSTED,
  echoes = false, answers = {}, json = true, providers = ADAPTER_PROVIDERS
}) {
  for (const provider of providers) {
    describe(`${name}, ${provider}`, () => {
      let emulator
      let fixture
      let app
      const logged = []
      before(async () => {
        emulator = emulatorOf()
        fixture = adapterProviders(emulator)[provider]
        const log = (message, details) => logged.push({ message, details })
        app = await serve(matrixRoutes(fixture, { isTrusted, log }))
      })
      after(() => app?.close())
      beforeEach(() => {
        emulator.clearFaults()
        emulator.clearRequests()
        app.errors.length = 0
        logged.length = 0
      })
      const title = (text) => `${name}, ${provider}: ${text}`
      const asked = () => emulator.requests().filter((request) => request.provider === provider).length
      /** What the handler answers for outcome `code`, given a body whose email is `email`. */
      const view = (code, email) => ({
        code, ok: true, failedOpen: code === 'failed_open', provider, hasResult: code === 'verified', ...answers, ...(echoes && { email })
      })
      /** The log says why the provider was unavailable, with the secret scrubbed out. */
      const assertLoggedOnce = () => {
        assert.equal(logged.length, 1, 'one line logged')
        const [{ message, details }] = logged
        assert.equal(details.provider, provider)
        const line = `${message} ${details.reason} ${JSON.stringify(details)}`
        assert.ok(!line.includes(fixture.secret), `the log holds the secret: ${line}`)
      }

      it(title(`a verified token passes: 200, the outcome on ${where} with its result (form field${json ? ' and JSON token' : ''})${echoes ? ', the body still read after' : ''}`), async () => {
        const form = await app.send('/verify', { [fixture.field]: fixture.pass(), email: 'a@example.com' })
        assert.deepEqual([form.status, form.body], [200, view('verified', 'a@example.com')])
        if (json) {
          const sent = await app.send('/verify', { token: fixture.pass(), email: 'j@example.com' }, { json: true })
          assert.deepEqual([sent.status, sent.body], [200, view('verified', 'j@example.com')])
        }
        assert.equal(asked(), json ? 2 : 1)
      })

      it(title('a refused token: 400 { error: "verification_failed" }'), async () => {
        const answer = await app.send('/verify', { [fixture.field]: fixture.fail() })
        assert.deepEqual([answer.status, answer.body], [400, { error: 'verification_failed' }])
        assert.equal(asked(), 1)
      })

      it(title('no token: 400 { error: "token_missing" }, the provider never asked'), async () => {
        const answer = await app.send('/verify', { email: 'a@example.com' })
        assert.deepEqual([answer.status, answer.body], [400, { error: 'token_missing' }])
        assert.equal(asked(), 0)
      })

      it(title("an outage with onUnavailable 'reject': 503 { error: \"provider_unavailable\" }, no upstream text or secret; the log scrubbed"), async () => {
        outage(emulator, provider, fixture.secret)
        const answer = await app.send('/reject', { [fixture.field]: fixture.pass() })
        assert.deepEqual([answer.status, answer.body], [503, { error: 'provider_unavailable' }])
        assert.ok(asked() >= 1, 'the provider was asked')
        assert.doesNotMatch(answer.text, /UPSTREAM|status/)
        assert.ok(!answer.text.includes(fixture.secret), 'the answer holds the secret')
        assertLoggedOnce()
      })

      it(title(`an outage with onUnavailable 'allow': the handler runs, failed_open on ${where}; the log scrubbed`), async () => {
        outage(emulator, provider, fixture.secret)
        const answer = await app.send('/allow', { [fixture.field]: fixture.pass(), email: 'b@example.com' })
        // Whether an outage leaves a result depends on the provider's client: not compared.
        const { hasResult, ...seen } = answer.body
        const { hasResult: unknown, ...expected } = view('failed_open', 'b@example.com')
        assert.deepEqual([answer.status, seen], [200, expected])
        assert.ok(asked() >= 1, 'the provider was asked')
        assertLoggedOnce()
      })

      it(title(`skip true: the handler runs, skipped on ${where}, with or without a token, and no request reaches the provider`), async () => {
        // A token that would pass is there: skipped, not verified, says it was never checked.
        const skipped = await app.send('/skip', { [fixture.field]: fixture.pass(), email: 'c@example.com', ...trusted.fields }, { headers: trusted.headers })
        assert.deepEqual([skipped.status, skipped.body], [200, view('skipped', 'c@example.com')])
        // With no token at all: skipped too, not token_missing.
        const tokenless = await app.send('/skip', { email: 'd@example.com', ...trusted.fields }, { headers: trusted.headers })
        assert.deepEqual([tokenless.status, tokenless.body], [200, view('skipped', 'd@example.com')])
        assert.deepEqual(emulator.requests(), [])
        // The same route, not trusted, checks the token as usual.
        const checked = await app.send('/skip', { email: 'c@example.com' })
        assert.deepEqual([checked.status, checked.body], [400, { error: 'token_missing' }])
      })

      // Which providers refuse a key is a static fact of the fixtures: known before the emulator starts.
      const refusesKeys = adapterProviders({ credentials: {}, url: '' })[provider].refusedKey !== undefined
      const misconfiguration = refusesKeys ? 'a key the provider refuses' : 'a secret resolver resolving no secret'
      it(title(`a misconfiguration (${misconfiguration}): 500, a CaptchaConfigurationError to the error handling, no secret or upstream text in the answer`), async () => {
        const answer = await app.send('/misconfigured', { [fixture.field]: fixture.pass() })
        assert.equal(answer.status, 500)
        assert.equal(app.errors.length, 1, 'one error reached the error handling')
        const [error] = app.errors
        assert.ok(error instanceof CaptchaConfigurationError, `${error?.name}: ${error?.message}`)
        assert.deepEqual([error.status, error.expose], [500, false])
        assert.ok(error.cause instanceof Error, 'the provider\'s error is the cause')
        const hidden = [fixture.secret, 'UPSTREAM', error.cause.message, ...Object.values(fixture.refusedKey ?? {})]
        for (const text of hidden) assert.ok(!answer.text.includes(text), `the answer holds ${text}`)
        misconfigured(answer)
      })

      if (!refusesKeys) {
        it(title('a wrong secret: 400 { error: "verification_failed" }, a refused token (the provider never refuses a key)'), async () => {
          const answer = await app.send('/wrong-secret', { [fixture.field]: fixture.pass() })
          assert.deepEqual([answer.status, answer.body], [400, { error: 'verification_failed' }])
          assert.equal(asked(), 1)
          assert.deepEqual(app.errors, [])
          assert.ok(!answer.text.includes(fixture.secret))
        })
      }
    })
  }
}

/**
 * Checks that a Web adapter gives `skip`, the secret resolver and the hooks its own subject (Hono's
 * Context, Next's request): a tenant's secret verifies and another's, refused by the provider, is
 * a misconfiguration; a trusted request is skipped; each hook hears its outcome once. `serve(options)`
 * resolves `{ send, errors }` of a Turnstile route at `path`; `headerOf(subject, name)` reads a
 * request header of the subject, `pathOf(subject)` its path.
 */
export async function assertSubjectGiven ({ emulator, serve, headerOf, pathOf, path }) {
  const turnstile = adapterProviders(emulator).turnstile
  const field = turnstile.field
  const heard = []
  const options = {
    ...turnstile.options(),
    skip: (subject) => headerOf(subject, 'x-trusted') === 'yes',
    secret: (subject) => (headerOf(subject, 'x-tenant') === 'a' ? emulator.credentials.turnstileSecret : 'not-the-secret'),
    onVerified: (outcome, subject) => heard.push(['verified', outcome.code, pathOf(subject)]),
    onRefused: (outcome, subject) => heard.push(['refused', outcome.code, pathOf(subject)]),
    onOutage: (outcome, subject) => heard.push(['outage', outcome.code, pathOf(subject)])
  }
  const { send, errors } = await serve(options)
  const tenant = { headers: { 'x-tenant': 'a' } }
  assert.equal((await send({ [field]: turnstile.pass() }, tenant)).body.code, 'verified')
  assert.equal((await send({ [field]: turnstile.fail() }, tenant)).status, 400)
  emulator.fault({ provider: 'turnstile', kind: 'status', status: 503, times: 1 })
  assert.equal((await send({ [field]: turnstile.pass() }, tenant)).status, 503)
  assert.equal((await send({}, { headers: { 'x-trusted': 'yes' } })).body.code, 'skipped')
  // Another tenant's secret, refused by the provider: a misconfiguration.
  assert.equal((await send({ [field]: turnstile.pass() }, { headers: { 'x-tenant': 'b' } })).status, 500)
  assert.ok(errors[0] instanceof CaptchaConfigurationError)
  assert.deepEqual(heard, [['verified', 'verified', path], ['refused', 'verification_failed', path], ['outage', 'provider_unavailable', path]])
}

/**
 * A request body that never ends: 16 KiB of form bytes at each pull. `pulls()` counts them, so a
 * test can tell a body counted as it arrives (a few pulls, then refused) from one read whole
 * first (which would pull forever).
 */
export function endlessBody () {
  let pulls = 0
  const chunk = new TextEncoder().encode('x'.repeat(16 * 1024))
  const body = new ReadableStream({
    // Each chunk a turn of the event loop later, as a network's arrive: a reader that wanted it
    // all would run into its deadline (and this test's), not starve every timer of the process.
    async pull (controller) {
      await new Promise((resolve) => setImmediate(resolve))
      pulls++
      controller.enqueue(chunk)
    }
  })
  return { body, pulls: () => pulls }
}
