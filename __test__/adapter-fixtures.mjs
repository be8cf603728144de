// The providers every framework adapter's tests (express, fastify, koa, hono, nestjs, next) run
// against the embedded emulator: options, the widget's field, tokens that pass and fail, a key
// the provider refuses (a misconfiguration, where the provider has one) and the secret to look
// for in anything a browser or a log could see.
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
      pass: () => emulator.issue('trustcaptcha', { score: 0.2 }),
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
      pass: () => emulator.issue('turnstile', { action: 'login' }),
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

// ---------------------------------------------------------------------------------------------
// The outcome matrix: each provider's every outcome through one framework adapter, one test each.

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

/**
 * The protected routes a matrix app serves, one options object each: `/${name}` for each name.
 * `misconfigured` where the provider refuses a key; `wrong-secret` where it never does (Swetrix).
 * `isTrusted(request)` is the `skip` of `/skip`, for an adapter whose `skip` is given another shape.
 */
export function matrixRoutes (fixture, { isTrusted = sentTrusted } = {}) {
  const options = fixture.options()
  const routes = {
    verify: options,
    reject: { ...options, onUnavailable: 'reject' },
    allow: { ...options, onUnavailable: 'allow' },
    skip: { ...options, skip: isTrusted }
  }
  if (fixture.refusedKey) routes.misconfigured = { ...options, ...fixture.refusedKey }
  // Swetrix's validator never throws: its wrong secret is one more refused token.
  else routes['wrong-secret'] = { ...options, secret: 'not-the-secret' }
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
  const answer = await request({
    method: 'POST',
    headers: { 'content-type': json ? 'application/json' : 'application/x-www-form-urlencoded', ...headers },
    body: json ? JSON.stringify(fields) : new URLSearchParams(fields).toString()
  })
  const text = await answer.text()
  return { status: answer.status, text, body: answer.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text }
}

/**
 * Declares, for each provider, a describe of one test per outcome of an adapter: a verified
 * token (form field and JSON `token`), a refused token, no token, an outage under each policy,
 * `skip`, and a refused key. Test names start with `name` and the provider, so a failure says
 * which framework and provider broke.
 *
 * - `name`: the framework and how it is wired, e.g. 'koa (@koa/bodyparser)'.
 * - `where`: where the handler reads the outcome, e.g. 'ctx.state.captcha'.
 * - `emulator()`: the test file's emulator, started in its own `before`.
 * - `serve(routes)`: starts an app with a protected POST `/${name}` for each entry of `routes`
 *   (options), whose handler answers 200 JSON `outcomeView(outcome)`. Resolves `{ send(path,
 *   fields, { json, headers }) -> { status, text, body }, errors, close() }`, `errors` (optional)
 *   collecting what reached the framework's error handling, then checked to be one
 *   CaptchaConfigurationError for a misconfiguration.
 * - `misconfigured(answer)`: the framework's own answer for a misconfiguration (its 500).
 * - `isTrusted(request)`: `/skip`'s skip, if the adapter's `skip` is given neither Node's request
 *   nor a web Request (default `sentTrusted`).
 */
export function outcomeMatrix ({ name, where, emulator: emulatorOf, serve, misconfigured, isTrusted, providers = ADAPTER_PROVIDERS }) {
  for (const provider of providers) {
    describe(`${name}, ${provider}`, () => {
      let emulator
      let fixture
      let app
      before(async () => {
        emulator = emulatorOf()
        fixture = adapterProviders(emulator)[provider]
        app = await serve(matrixRoutes(fixture, { isTrusted }))
      })
      after(() => app?.close())
      beforeEach(() => {
        emulator.clearFaults()
        emulator.clearRequests()
        if (app.errors) app.errors.length = 0
      })
      const title = (text) => `${name}, ${provider}: ${text}`
      const asked = () => emulator.requests().filter((request) => request.provider === provider).length
      const view = (code) => ({ code, ok: true, failedOpen: false, provider, hasResult: code === 'verified' })

      it(title(`a verified token passes: 200, the outcome on ${where} with its result (form field and JSON token)`), async () => {
        const form = await app.send('/verify', { [fixture.field]: fixture.pass(), email: 'a@example.com' })
        assert.deepEqual([form.status, form.body], [200, view('verified')])
        const json = await app.send('/verify', { token: fixture.pass() }, { json: true })
        assert.deepEqual([json.status, json.body], [200, view('verified')])
        assert.equal(asked(), 2)
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

      it(title("an outage with onUnavailable 'reject': 503 { error: \"provider_unavailable\" }, no upstream text or secret"), async () => {
        outage(emulator, provider, fixture.secret)
        const answer = await app.send('/reject', { [fixture.field]: fixture.pass() })
        assert.deepEqual([answer.status, answer.body], [503, { error: 'provider_unavailable' }])
        assert.ok(asked() >= 1, 'the provider was asked')
        for (const hidden of ['UPSTREAM-DETAIL', fixture.secret]) assert.ok(!answer.text.includes(hidden), `the answer holds ${hidden}`)
      })

      it(title(`an outage with onUnavailable 'allow': the handler runs, failed_open on ${where}`), async () => {
        outage(emulator, provider, fixture.secret)
        const answer = await app.send('/allow', { [fixture.field]: fixture.pass() })
        // Whether an outage leaves a result depends on the provider's client: not compared.
        const { hasResult, ...seen } = answer.body
        assert.deepEqual([answer.status, seen], [200, { code: 'failed_open', ok: true, failedOpen: true, provider }])
        assert.ok(asked() >= 1, 'the provider was asked')
      })

      it(title(`skip true: the handler runs, skipped on ${where}, and no request reaches the provider`), async () => {
        // A token that would pass is there: skipped, not verified, says it was never checked.
        const skipped = await app.send('/skip', { [fixture.field]: fixture.pass() }, { headers: { 'x-trusted': 'yes' } })
        assert.deepEqual([skipped.status, skipped.body], [200, view('skipped')])
        assert.deepEqual(emulator.requests(), [])
        // The same route without the header checks the token as usual.
        const checked = await app.send('/skip', { email: 'a@example.com' })
        assert.deepEqual([checked.status, checked.body], [400, { error: 'token_missing' }])
      })

      // Which providers refuse a key is a static fact of the fixtures: known before the emulator starts.
      const refusesKeys = adapterProviders({ credentials: {}, url: '' })[provider].refusedKey !== undefined
      if (refusesKeys) {
        it(title('a refused key: 500, a CaptchaConfigurationError to the error handling, no secret or upstream text in the answer'), async () => {
          const answer = await app.send('/misconfigured', { [fixture.field]: fixture.pass() })
          assert.equal(answer.status, 500)
          const hidden = [fixture.secret, ...Object.values(fixture.refusedKey)]
          if (app.errors) {
            assert.equal(app.errors.length, 1)
            const [error] = app.errors
            assert.ok(error instanceof CaptchaConfigurationError, `${error?.name}: ${error?.message}`)
            assert.deepEqual([error.status, error.expose], [500, false])
            assert.ok(error.cause instanceof Error, 'the provider\'s error is the cause')
            hidden.push(error.cause.message)
          }
          for (const text of hidden) assert.ok(!answer.text.includes(text), `the answer holds ${text}`)
          misconfigured?.(answer)
        })
      } else {
        it(title('a wrong secret: 400 { error: "verification_failed" }, a refused token (the provider never refuses a key)'), async () => {
          const answer = await app.send('/wrong-secret', { [fixture.field]: fixture.pass() })
          assert.deepEqual([answer.status, answer.body], [400, { error: 'verification_failed' }])
          assert.equal(asked(), 1)
          assert.deepEqual(app.errors ?? [], [])
          assert.ok(!answer.text.includes(fixture.secret))
        })
      }
    })
  }
}
