// The fault matrix: every way the provider or the network can fail, for every provider, with
// the outcome each one documents. `faults.test.mjs` runs it and checks the README's "What
// happens when" table is this table; `runMatrix` runs it all at once in a child process, whose
// output is scanned for secrets.
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { captureServer, closedPort } from './helpers.mjs'

const captcha = createRequire(import.meta.url)('../index.js')
const {
  Emulator, TrustCaptcha, validateToken, authorize, Playtcha, isProviderUnavailable,
  ServerUnreachableException, VerificationResultRetrievalLimitReachedException, FailoverException,
  RecaptchaError, RecaptchaUnavailableError, PlaytchaError, PlaytchaUnavailableError, Turnstile, TurnstileUnavailableError,
  TurnstileConfigurationError, HCaptcha, HCaptchaUnavailableError, HCaptchaConfigurationError, Recaptcha,
  FriendlyCaptchaClient, VerifyResult, RecaptchaEnterprise, RecaptchaEnterpriseUnavailableError,
  RecaptchaEnterpriseConfigurationError
} = captcha
const hcaptchaDropIn = createRequire(import.meta.url)('../subpath/hcaptcha.js')

/** Credentials no default shares, so a scan for them finds only a real leak. */
export const CREDENTIALS = {
  trustcaptchaApiKey: 'tc-key-7Hq2vX9pLm4K',
  swetrixSecret: 'swx-secret-R8dN3cWq1Zt6',
  recaptchaSecret: 'rc-secret-J5yB0uGe7Ns2',
  playtchaSecret: 'pt-secret-V4kF9hTa2Qw8',
  turnstileSecret: 'ts-secret-M3pW8rYc6Lf1',
  hcaptchaSecret: 'hc-secret-D9sK2nQv5Bx7',
  friendlyCaptchaApiKey: 'frc-key-W2hT7yUe3Qa9',
  recaptchaEnterpriseApiKey: 'AIza-ent-K5vN1xPz8Rb4'
}
export const SECRETS = Object.values(CREDENTIALS)

/** Every client's deadline: the timeout of one attempt. */
export const TIMEOUT_MS = 1000
const RECAPTCHA = { retries: 1, retryDelayMs: 100 }
/** The siteverify classes: one retry, 200 ms after the first attempt (their first delay). */
const SITEVERIFY = { retries: 1 }
const SITEVERIFY_FIRST_DELAY_MS = 200
const siteverifyDeadline = (fault) => (SITEVERIFY.retries + 1) * TIMEOUT_MS +
  SITEVERIFY.retries * Math.max(SITEVERIFY_FIRST_DELAY_MS, (fault.retryAfterSeconds ?? 0) * 1000)
const UNRESOLVABLE = 'captcha-native-fault-matrix.invalid'

/**
 * The world the matrix runs in: an emulator (and one serving HTTPS, which nobody here trusts),
 * a port nothing listens on, an address that never accepts, and another host a redirect points
 * to, which must never be asked anything.
 */
export async function startWorld () {
  const emulator = await Emulator.start(CREDENTIALS)
  const tlsEmulator = await Emulator.start({ ...CREDENTIALS, tls: true })
  const otherHost = await captureServer()
  return {
    emulator,
    tlsEmulator,
    otherHost,
    refusedUrl: `http://127.0.0.1:${await closedPort()}`,
    blackholeUrl: await emulator.blackholeUrl(),
    async close () {
      await Promise.all([emulator.close(), tlsEmulator.close(), otherHost.close()])
    }
  }
}

/** How each provider is called: `host` is the base URL, the token issued fresh. */
export const PROVIDERS = {
  trustcaptcha: {
    column: 'TrustCaptcha',
    deadlineMs: () => TIMEOUT_MS,
    call: (host, emulator) => new TrustCaptcha({
      apiKey: CREDENTIALS.trustcaptchaApiKey, apiHost: host, connectTimeoutMs: TIMEOUT_MS / 2, readTimeoutMs: TIMEOUT_MS
    }).getVerificationResult(emulator.issue('trustcaptcha'))
  },
  swetrix: {
    column: 'Swetrix `validateToken`',
    deadlineMs: () => TIMEOUT_MS,
    call: (host, emulator) => validateToken(emulator.issue('swetrix'), CREDENTIALS.swetrixSecret, `${host}/v1/captcha`,
      { timeoutMs: TIMEOUT_MS })
  },
  recaptcha: {
    column: 'reCAPTCHA `authorize`',
    // Every attempt may use its whole timeout; between them, the delay or Retry-After if longer.
    deadlineMs: (fault) => (RECAPTCHA.retries + 1) * TIMEOUT_MS +
      RECAPTCHA.retries * Math.max(RECAPTCHA.retryDelayMs, (fault.retryAfterSeconds ?? 0) * 1000),
    call: (host, emulator) => authorize(emulator.issue('recaptcha'), {
      secretKey: CREDENTIALS.recaptchaSecret, siteverifyUrl: `${host}/recaptcha/api/siteverify`, timeoutMs: TIMEOUT_MS, ...RECAPTCHA
    })
  },
  playtcha: {
    column: 'Playtcha `verify` (default: fail open)',
    deadlineMs: () => TIMEOUT_MS,
    call: (host, emulator) => new Playtcha({ secret: CREDENTIALS.playtchaSecret, apiHost: host, timeoutMs: TIMEOUT_MS })
      .verify(emulator.issue('playtcha'))
  },
  playtchaFailClosed: {
    deadlineMs: () => TIMEOUT_MS,
    call: (host, emulator) => new Playtcha({ secret: CREDENTIALS.playtchaSecret, apiHost: host, timeoutMs: TIMEOUT_MS, failClosed: true })
      .verify(emulator.issue('playtcha'))
  },
  turnstile: {
    column: '`Turnstile`',
    deadlineMs: siteverifyDeadline,
    call: (host, emulator) => new Turnstile({
      secret: CREDENTIALS.turnstileSecret, siteverifyUrl: `${host}/turnstile/v0/siteverify`, timeoutMs: TIMEOUT_MS, ...SITEVERIFY
    }).verify(emulator.issue('turnstile'))
  },
  hcaptcha: {
    column: '`HCaptcha`',
    deadlineMs: siteverifyDeadline,
    call: (host, emulator) => new HCaptcha({
      secret: CREDENTIALS.hcaptchaSecret, siteverifyUrl: `${host}/siteverify`, timeoutMs: TIMEOUT_MS, ...SITEVERIFY
    }).verify(emulator.issue('hcaptcha'))
  },
  hcaptchaDropIn: {
    column: '`hcaptcha` drop-in `verify`',
    deadlineMs: siteverifyDeadline,
    call: (host, emulator) => {
      // The client is taken when verify is called: cells running at once do not mix their hosts.
      hcaptchaDropIn.configureHcaptcha({ siteverifyUrl: `${host}/siteverify`, timeoutMs: TIMEOUT_MS, ...SITEVERIFY })
      return hcaptchaDropIn.verify(CREDENTIALS.hcaptchaSecret, emulator.issue('hcaptcha'))
    }
  },
  recaptchaClass: {
    column: '`Recaptcha`',
    deadlineMs: siteverifyDeadline,
    call: (host, emulator) => new Recaptcha({
      secret: CREDENTIALS.recaptchaSecret, siteverifyUrl: `${host}/recaptcha/api/siteverify`, timeoutMs: TIMEOUT_MS, ...SITEVERIFY
    }).verify(emulator.issue('recaptcha'))
  }
}

/** Friendly Captcha's client, as the SDK's users build it: `strict` or not. */
const friendlyCaptcha = (strict) => (host, emulator) => new FriendlyCaptchaClient({
  apiKey: CREDENTIALS.friendlyCaptchaApiKey, apiEndpoint: host, ...(strict && { strict })
}).verifyCaptchaResponse(emulator.issue('friendly-captcha'), { timeout: TIMEOUT_MS })

Object.assign(PROVIDERS, {
  friendlyCaptcha: {
    column: '`FriendlyCaptchaClient` (default)',
    deadlineMs: () => TIMEOUT_MS,
    call: friendlyCaptcha(false)
  },
  friendlyCaptchaStrict: {
    column: '`FriendlyCaptchaClient` with `strict: true`',
    deadlineMs: () => TIMEOUT_MS,
    call: friendlyCaptcha(true)
  },
  recaptchaEnterprise: {
    column: '`RecaptchaEnterprise` `assess`',
    deadlineMs: siteverifyDeadline,
    call: (host, emulator) => new RecaptchaEnterprise({
      apiKey: CREDENTIALS.recaptchaEnterpriseApiKey,
      projectId: emulator.credentials.recaptchaEnterpriseProjectId,
      siteKey: emulator.credentials.recaptchaEnterpriseSiteKey,
      endpoint: host,
      timeoutMs: TIMEOUT_MS,
      ...SITEVERIFY
    }).assess(emulator.issue('recaptcha-enterprise'))
  }
})

/**
 * The columns of the README's three tables: the drop-ins of the first four, the siteverify
 * providers, then Friendly Captcha (never rejects; strict or not) and reCAPTCHA Enterprise.
 */
const TABLES = [
  ['trustcaptcha', 'swetrix', 'recaptcha', 'playtcha'],
  ['turnstile', 'hcaptcha', 'hcaptchaDropIn', 'recaptchaClass'],
  ['friendlyCaptcha', 'friendlyCaptchaStrict', 'recaptchaEnterprise']
]

// Outcomes: each is `{ doc, unavailable, check(outcome, world) }`, where `outcome` is
// `{ value }` or `{ error }`, `doc` its README cell, and `unavailable` what
// `isProviderUnavailable` must answer.

function rejects (Class, doc, unavailable, fields = {}) {
  return {
    doc,
    unavailable,
    check ({ error, value }) {
      assert.ok(error, `resolved ${JSON.stringify(value)} where ${Class.name} was documented`)
      assert.equal(error.constructor, Class, `${error.name}: ${error.message}`)
      for (const [name, expected] of Object.entries(fields)) assert.deepEqual(error[name], expected, name)
    }
  }
}

const tcUnreachable = rejects(ServerUnreachableException, 'rejects `ServerUnreachableException`', true)

/** Swetrix never rejects: `[false, text]`. `text` may be a function of the world. */
function swetrixFalse (text, doc, unavailable) {
  return {
    doc: doc ?? `\`[false, '${text}']\``,
    unavailable,
    check ({ error, value }, world) {
      assert.equal(error, undefined, `validateToken rejected: ${error}`)
      assert.deepEqual(value, [false, typeof text === 'function' ? text(world) : text])
    }
  }
}
const swetrixNoAnswer = (errorText, doc) => swetrixFalse(typeof errorText === 'function'
  ? (world) => `Unable to make API request, error: ${errorText(world)}`
  : `Unable to make API request, error: ${errorText}`, doc, true)

const swetrixTimeout = swetrixNoAnswer(`Error: timeout of ${TIMEOUT_MS}ms exceeded`,
  "`[false, 'Unable to make API request, error: Error: timeout of <timeoutMs>ms exceeded']`")

const recaptchaUnavailable = (doc = 'rejects `RecaptchaUnavailableError` (503) after the retries') =>
  rejects(RecaptchaUnavailableError, doc, true,
    { statusCode: 503, errorCodes: ['siteverify-unavailable'], attempts: RECAPTCHA.retries + 1 })

/** The siteverify providers' outage: each its `FailoverException`, after the retries. */
function siteverifyUnavailable (doc = 'after the retries') {
  const unavailable = (Class, fields = {}) => rejects(Class, `rejects \`${Class.name}\` ${doc}`, true, { attempts: SITEVERIFY.retries + 1, ...fields })
  return {
    turnstile: unavailable(TurnstileUnavailableError),
    hcaptcha: unavailable(HCaptchaUnavailableError),
    hcaptchaDropIn: unavailable(HCaptchaUnavailableError),
    recaptchaClass: unavailable(RecaptchaUnavailableError, { statusCode: 503, errorCodes: ['siteverify-unavailable'] })
  }
}

/** A siteverify answer that says the configuration is wrong: the classes reject, the drop-in resolves it. */
function siteverifyMisconfigured (code, note) {
  const fields = { errorCodes: [code] }
  return {
    turnstile: rejects(TurnstileConfigurationError, `rejects \`TurnstileConfigurationError\` (\`errorCodes: ['${code}']\`)${note}`, false, fields),
    hcaptcha: rejects(HCaptchaConfigurationError, `rejects \`HCaptchaConfigurationError\` (\`errorCodes: ['${code}']\`)${note}`, false, fields),
    hcaptchaDropIn: {
      doc: `resolves \`{ success: false, 'error-codes': ['${code}'] }\`${note}`,
      unavailable: false,
      check ({ error, value }) {
        assert.equal(error, undefined, `verify rejected: ${error}`)
        assert.deepEqual(value, { success: false, 'error-codes': [code] })
      }
    },
    recaptchaClass: rejects(RecaptchaError, `rejects \`RecaptchaError\` (500, \`errorCodes: ['${code}']\`)${note}`, false, { statusCode: 500, ...fields })
  }
}

/** Playtcha's default policy: resolve, let the user through, say why. */
function failsOpen (unavailableReason, status) {
  const doc = `fails open: \`unavailableReason: '${unavailableReason}'\`${status ? `, \`status: ${status}\`` : ''}`
  const closed = rejects(PlaytchaUnavailableError, doc, true, { reason: unavailableReason, status })
  return {
    doc,
    unavailable: true,
    check ({ error, value }) {
      assert.equal(error, undefined, `verify rejected: ${error}`)
      assert.deepEqual(value, { success: true, failedOpen: true, unavailableReason, ...(status ? { status } : {}) })
    },
    /** With `failClosed`: the same reason and status, rejected as an outage. */
    closed: {
      ...closed,
      check (outcome, world) {
        closed.check(outcome, world)
        assert.ok(outcome.error instanceof FailoverException)
      }
    }
  }
}

/**
 * Friendly Captcha never rejects: a `VerifyResult` with the SDK's error code and status, which
 * the default client accepts (its fail-open policy) and a strict one does not. `unavailable`:
 * what `isProviderUnavailable` answers (native code's kind: a 4xx but 429 is a misconfiguration).
 */
function friendlyResult (errorCode, status = -1, { note = '', unavailable = true, response } = {}) {
  const cell = (strict) => ({
    doc: `resolves \`${errorCode}\`${status === -1 ? '' : ` (status ${status})`}: ${strict ? 'rejected' : 'accepted'}${note}`,
    unavailable,
    check ({ error, value }) {
      assert.equal(error, undefined, `verifyCaptchaResponse rejected: ${error}`)
      assert.ok(value instanceof VerifyResult)
      assert.deepEqual([value.getErrorCode(), value.status, value.wasAbleToVerify(), value.shouldAccept()], [errorCode, status, false, !strict])
      if (response) response(value.getResponse())
    }
  })
  return { friendlyCaptcha: cell(false), friendlyCaptchaStrict: cell(true) }
}

/** reCAPTCHA Enterprise's outage: `RecaptchaEnterpriseUnavailableError`, after the retries. */
const enterpriseUnavailable = (doc = 'after the retries') =>
  rejects(RecaptchaEnterpriseUnavailableError, `rejects \`RecaptchaEnterpriseUnavailableError\` ${doc}`, true, { attempts: SITEVERIFY.retries + 1 })

/**
 * The matrix. `host(world)` is where the clients go (default: the emulator), `rule(provider)`
 * the fault the emulator injects for that provider (the emulator's name: both Playtcha clients are 'playtcha').
 */
export const FAULTS = [
  {
    key: 'refused',
    title: 'the connection is refused',
    host: (world) => world.refusedUrl,
    outcomes: {
      trustcaptcha: tcUnreachable,
      swetrix: swetrixNoAnswer((world) => `Error: connect ECONNREFUSED ${new URL(world.refusedUrl).host}`,
        "`[false, 'Unable to make API request, error: Error: connect ECONNREFUSED <address>']`"),
      recaptcha: recaptchaUnavailable(),
      playtcha: failsOpen('network_error'),
      ...siteverifyUnavailable(),
      ...friendlyResult('request_failed'),
      recaptchaEnterprise: enterpriseUnavailable()
    }
  },
  {
    key: 'dns',
    title: 'the host name does not resolve',
    host: () => `http://${UNRESOLVABLE}`,
    outcomes: {
      trustcaptcha: tcUnreachable,
      swetrix: swetrixNoAnswer(`Error: getaddrinfo ENOTFOUND ${UNRESOLVABLE}`,
        "`[false, 'Unable to make API request, error: Error: getaddrinfo ENOTFOUND <host>']`"),
      recaptcha: recaptchaUnavailable(),
      playtcha: failsOpen('network_error'),
      ...siteverifyUnavailable(),
      ...friendlyResult('request_failed'),
      recaptchaEnterprise: enterpriseUnavailable()
    }
  },
  {
    key: 'connectTimeout',
    title: 'connecting times out',
    host: (world) => world.blackholeUrl,
    outcomes: {
      trustcaptcha: rejects(ServerUnreachableException, 'rejects `ServerUnreachableException` after `connectTimeoutMs`', true),
      swetrix: swetrixTimeout,
      recaptcha: recaptchaUnavailable(),
      playtcha: failsOpen('timeout'),
      ...siteverifyUnavailable('after `timeoutMs` per attempt'),
      ...friendlyResult('request_failed_due_to_timeout', -1, { note: ', at `timeout`' }),
      recaptchaEnterprise: enterpriseUnavailable('after `timeoutMs` per attempt')
    }
  },
  {
    key: 'hang',
    title: 'the server accepts and never answers',
    rule: () => ({ kind: 'hang' }),
    outcomes: {
      trustcaptcha: rejects(ServerUnreachableException, 'rejects `ServerUnreachableException` after `readTimeoutMs`', true),
      swetrix: swetrixTimeout,
      recaptcha: recaptchaUnavailable('rejects `RecaptchaUnavailableError` (503) after `timeoutMs` per attempt'),
      playtcha: failsOpen('timeout'),
      ...siteverifyUnavailable('after `timeoutMs` per attempt'),
      ...friendlyResult('request_failed_due_to_timeout', -1, { note: ', at `timeout`' }),
      recaptchaEnterprise: enterpriseUnavailable('after `timeoutMs` per attempt')
    }
  },
  {
    key: 'slowHeaders',
    title: 'the headers trickle in, a byte every 50 ms',
    rule: () => ({ kind: 'trickle', ms: 50 }),
    outcomes: {
      trustcaptcha: rejects(ServerUnreachableException, 'rejects `ServerUnreachableException` at `readTimeoutMs`', true),
      swetrix: swetrixTimeout,
      recaptcha: recaptchaUnavailable('rejects `RecaptchaUnavailableError` (503) at `timeoutMs` per attempt'),
      playtcha: failsOpen('timeout'),
      ...siteverifyUnavailable('at `timeoutMs` per attempt'),
      ...friendlyResult('request_failed_due_to_timeout', -1, { note: ', at `timeout`' }),
      recaptchaEnterprise: enterpriseUnavailable('at `timeoutMs` per attempt')
    }
  },
  {
    key: 'reset',
    title: 'the connection is reset mid-body',
    rule: () => ({ kind: 'reset' }),
    outcomes: {
      trustcaptcha: tcUnreachable,
      swetrix: swetrixNoAnswer('Error: socket hang up'),
      recaptcha: recaptchaUnavailable(),
      playtcha: failsOpen('network_error'),
      ...siteverifyUnavailable(),
      ...friendlyResult('request_failed'),
      recaptchaEnterprise: enterpriseUnavailable()
    }
  },
  {
    key: '5xx',
    title: 'a 503',
    rule: () => ({ kind: 'status', status: 503, body: 'upstream unavailable' }),
    outcomes: {
      trustcaptcha: rejects(Error, "rejects `Error('Failed to retrieve verification result, response code: 503')` with `status: 503` (as the SDK: not a `FailoverException`)", true,
        { message: 'Failed to retrieve verification result, response code: 503', status: 503 }),
      swetrix: swetrixFalse('Request failed with status code 503: upstream unavailable', "`[false, 'Request failed with status code 503: <body>']`", true),
      recaptcha: recaptchaUnavailable(),
      playtcha: failsOpen('server_error', 503),
      ...siteverifyUnavailable(),
      ...friendlyResult('verification_response_could_not_be_decoded', 503),
      recaptchaEnterprise: enterpriseUnavailable()
    }
  },
  {
    key: '429',
    title: 'a 429 with `Retry-After: 1`',
    retryAfterSeconds: 1,
    rule: (provider) => ({
      kind: 'status',
      status: 429,
      headers: { 'retry-after': '1' },
      body: provider === 'playtcha'
        ? '{"error":{"code":"rate_limited_ip","message":"Too many requests from this IP","request_id":"req_429"}}'
        : '{"statusCode":429,"message":"Too many requests, please try again later"}'
    }),
    outcomes: {
      trustcaptcha: rejects(VerificationResultRetrievalLimitReachedException,
        'rejects `VerificationResultRetrievalLimitReachedException` (the SDK\'s reading of 429)', false, { status: 429 }),
      swetrix: swetrixFalse('Request failed with status code 429: {"statusCode":429,"message":"Too many requests, please try again later"}',
        "`[false, 'Request failed with status code 429: <body>']`", true),
      recaptcha: recaptchaUnavailable('retries after `Retry-After` (never sooner than `retryDelayMs`), then rejects `RecaptchaUnavailableError` (503)'),
      playtcha: rejects(PlaytchaError, 'fails closed: rejects `PlaytchaError` with `code: \'rate_limited_ip\'`, `retryAfter: 1`', false,
        { code: 'rate_limited_ip', status: 429, retryAfter: 1, requestId: 'req_429' }),
      ...siteverifyUnavailable('after `Retry-After`'),
      ...friendlyResult('request_failed_due_to_client_error', 429, {
        note: ' (the SDK counts every 4xx a client error)',
        response: (response) => assert.equal(response.statusCode, 429)
      }),
      recaptchaEnterprise: enterpriseUnavailable('after `Retry-After`')
    }
  },
  {
    key: 'nonJson',
    title: 'a 200 that is not JSON (an HTML page)',
    rule: () => ({ kind: 'nonJson' }),
    outcomes: {
      trustcaptcha: tcUnreachable,
      swetrix: swetrixFalse('Unable to parse JSON response: <html><body><h1>502 Bad Gateway</h1><p>nginx</p></body></html>',
        "`[false, 'Unable to parse JSON response: <body>']`", true),
      recaptcha: recaptchaUnavailable(),
      playtcha: failsOpen('malformed_response', 200),
      ...siteverifyUnavailable(),
      ...friendlyResult('verification_response_could_not_be_decoded', 200),
      recaptchaEnterprise: enterpriseUnavailable()
    }
  },
  {
    key: 'empty',
    title: 'a 200 with an empty body',
    rule: () => ({ kind: 'status', status: 200, body: '' }),
    outcomes: {
      trustcaptcha: tcUnreachable,
      swetrix: swetrixFalse('Unable to parse JSON response: ', undefined, true),
      recaptcha: recaptchaUnavailable(),
      playtcha: failsOpen('malformed_response', 200),
      ...siteverifyUnavailable(),
      ...friendlyResult('verification_response_could_not_be_decoded', 200),
      recaptchaEnterprise: enterpriseUnavailable()
    }
  },
  {
    key: 'null',
    title: 'a 200 whose body is JSON `null`',
    rule: () => ({ kind: 'status', status: 200, body: 'null' }),
    outcomes: {
      trustcaptcha: tcUnreachable,
      swetrix: swetrixFalse('CAPTCHA validation failed', undefined, false),
      recaptcha: recaptchaUnavailable(),
      playtcha: failsOpen('malformed_response', 200),
      ...siteverifyUnavailable(),
      ...friendlyResult('verification_response_could_not_be_decoded', 200),
      recaptchaEnterprise: enterpriseUnavailable()
    }
  },
  {
    key: 'huge',
    title: 'a 100 MiB body',
    rule: () => ({ kind: 'hugeBody', mib: 100 }),
    outcomes: {
      trustcaptcha: rejects(ServerUnreachableException, 'rejects `ServerUnreachableException`: no more than 1 MiB is read', true),
      swetrix: swetrixNoAnswer('Error: maxContentLength size of 1048576 exceeded'),
      recaptcha: recaptchaUnavailable(),
      playtcha: failsOpen('malformed_response'),
      ...siteverifyUnavailable('(no more than 1 MiB is read)'),
      ...friendlyResult('verification_response_could_not_be_decoded', -1, { note: '; no more than 1 MiB is read' }),
      recaptchaEnterprise: enterpriseUnavailable('(no more than 1 MiB is read)')
    }
  },
  {
    key: 'redirect',
    title: 'a 302 to another host',
    rule: (provider, world) => ({
      kind: 'status', status: 302, body: '', headers: { location: `${world.otherHost.url.replace('127.0.0.1', 'localhost')}/elsewhere` }
    }),
    afterwards: (world) => assert.equal(world.otherHost.seen.length, 0, 'a redirect was followed'),
    outcomes: {
      trustcaptcha: rejects(Error, "rejects `Error('Failed to retrieve verification result, response code: 302')` with `status: 302`", false,
        { message: 'Failed to retrieve verification result, response code: 302', status: 302 }),
      swetrix: swetrixFalse('Unable to parse JSON response: ', "`[false, 'Unable to parse JSON response: <body>']` (a 3xx body is read like a 200's)", true),
      recaptcha: rejects(RecaptchaError, "rejects `RecaptchaError` (500, `errorCodes: ['siteverify-unexpected-status']`), no retry: check `siteverifyUrl`", false,
        { statusCode: 500, errorCodes: ['siteverify-unexpected-status'] }),
      playtcha: rejects(PlaytchaError, "fails closed: rejects `PlaytchaError` with `code: 'unexpected_redirect'`: check `apiHost`", false,
        { code: 'unexpected_redirect', status: 302 }),
      ...siteverifyMisconfigured('siteverify-unexpected-status', ', no retry: check `siteverifyUrl`'),
      ...friendlyResult('verification_response_could_not_be_decoded', 302, { note: '; never followed' }),
      recaptchaEnterprise: rejects(RecaptchaEnterpriseConfigurationError,
        'rejects `RecaptchaEnterpriseConfigurationError` (`status: 302`), no retry: check `endpoint`', false, { status: 302 })
    }
  },
  {
    key: 'untrustedTls',
    title: 'HTTPS with a certificate nobody trusts',
    host: (world) => world.tlsEmulator.url,
    outcomes: {
      trustcaptcha: tcUnreachable,
      swetrix: swetrixNoAnswer('Error: invalid peer certificate: UnknownIssuer'),
      recaptcha: recaptchaUnavailable(),
      playtcha: failsOpen('network_error'),
      ...siteverifyUnavailable(),
      ...friendlyResult('request_failed'),
      recaptchaEnterprise: enterpriseUnavailable()
    }
  },
  {
    key: 'echo',
    title: 'an answer that repeats the secret back',
    rule: (provider) => ({
      trustcaptcha: { kind: 'status', status: 500, body: `Bearer ${CREDENTIALS.trustcaptchaApiKey}` },
      swetrix: { kind: 'status', status: 500, body: `<pre>{"secret":"${CREDENTIALS.swetrixSecret}"}</pre>` },
      recaptcha: { kind: 'status', status: 200, body: JSON.stringify({ success: false, 'error-codes': ['invalid-input-secret', CREDENTIALS.recaptchaSecret] }) },
      playtcha: { kind: 'status', status: 401, body: JSON.stringify({ error: { code: 'bad_secret', message: `secret ${CREDENTIALS.playtchaSecret} is wrong`, request_id: 'req_401' } }) },
      turnstile: { kind: 'status', status: 200, body: JSON.stringify({ success: false, 'error-codes': ['invalid-input-secret', CREDENTIALS.turnstileSecret] }) },
      hcaptcha: { kind: 'status', status: 200, body: JSON.stringify({ success: false, 'error-codes': ['invalid-input-secret', CREDENTIALS.hcaptchaSecret] }) },
      'friendly-captcha': {
        kind: 'status',
        status: 401,
        body: JSON.stringify({ success: false, error: { error_code: 'auth_invalid', detail: `API key ${CREDENTIALS.friendlyCaptchaApiKey} is not valid` } })
      },
      'recaptcha-enterprise': {
        kind: 'status',
        status: 400,
        body: JSON.stringify({
          error: {
            code: 400,
            message: `API key not valid: ${CREDENTIALS.recaptchaEnterpriseApiKey}. Please pass a valid API key.`,
            status: 'INVALID_ARGUMENT',
            details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID', domain: 'googleapis.com' }]
          }
        })
      }
    })[provider],
    outcomes: {
      trustcaptcha: rejects(Error, "rejects `Error` with `status: 500`; the body is never read", true, { status: 500 }),
      swetrix: swetrixFalse('Request failed with status code 500: <pre>{"secret":"[redacted]"}</pre>', "`[false, 'Request failed with status code 500: <body>']`, the secret in it `[redacted]`", true),
      recaptcha: rejects(RecaptchaError, 'rejects `RecaptchaError` (500); a code holding the secret is dropped from `errorCodes`', false,
        { statusCode: 500, errorCodes: ['invalid-input-secret'] }),
      playtcha: rejects(PlaytchaError, "rejects `PlaytchaError` with `code: 'bad_secret'`; the secret is cut from the upstream text", false,
        { code: 'bad_secret', status: 401 }),
      ...siteverifyMisconfigured('invalid-input-secret', '; a code holding the secret is dropped'),
      ...friendlyResult('request_failed_due_to_client_error', 401, {
        note: '; the key is cut from the answer',
        unavailable: false,
        response: (response) => assert.deepEqual(response.error.error_code, 'auth_invalid')
      }),
      recaptchaEnterprise: rejects(RecaptchaEnterpriseConfigurationError,
        "rejects `RecaptchaEnterpriseConfigurationError` (`status: 400`, `reason: 'API_KEY_INVALID'`); the key is cut from Google's message", false,
        { status: 400, reason: 'API_KEY_INVALID' })
    }
  }
]

/**
 * What `playtchaFailClosed` must give: the default's outcome, except that failing open becomes
 * rejecting `PlaytchaUnavailableError` with the same reason and status.
 */
export function outcomeOf (fault, provider) {
  if (provider !== 'playtchaFailClosed') return fault.outcomes[provider]
  return fault.outcomes.playtcha.closed ?? fault.outcomes.playtcha
}

/** The emulator's name of the provider a client calls. */
const EMULATOR_NAMES = {
  playtchaFailClosed: 'playtcha',
  hcaptchaDropIn: 'hcaptcha',
  recaptchaClass: 'recaptcha',
  friendlyCaptcha: 'friendly-captcha',
  friendlyCaptchaStrict: 'friendly-captcha',
  recaptchaEnterprise: 'recaptcha-enterprise'
}
const emulatorProvider = (provider) => EMULATOR_NAMES[provider] ?? provider

/** Runs one cell: injects the fault, calls, and returns the outcome and the milliseconds. */
export async function runCell (fault, provider, world) {
  const emulator = world.emulator
  const target = emulatorProvider(provider)
  const rule = fault.rule?.(target, world)
  if (rule) {
    // Every attempt meets the fault: authorize and the siteverify classes retry where no verdict came.
    const times = provider === 'recaptcha' ? RECAPTCHA.retries + 1 : PROVIDERS[provider].deadlineMs === siteverifyDeadline ? SITEVERIFY.retries + 1 : 1
    emulator.fault({ ...rule, provider: target, times })
  }
  const host = fault.host?.(world) ?? emulator.url
  const started = performance.now()
  const outcome = await PROVIDERS[provider].call(host, emulator).then((value) => ({ value }), (error) => ({ error }))
  return { outcome, ms: performance.now() - started }
}

/** Checks a cell's outcome, its `isProviderUnavailable` answer, and that no secret is in it. */
export function checkCell (fault, provider, outcome, world) {
  const expected = outcomeOf(fault, provider)
  expected.check(outcome, world)
  assert.equal(isProviderUnavailable(outcome.error ?? outcome.value), expected.unavailable, 'isProviderUnavailable')
  fault.afterwards?.(world)
}

/** The README's "What happens when" tables, from the matrix. */
export function readmeTable () {
  return TABLES.map((columns) => {
    const lines = [
      `| when | ${columns.map((c) => PROVIDERS[c].column).join(' | ')} |`,
      `|---|${columns.map(() => '---').join('|')}|`
    ]
    for (const fault of FAULTS) {
      lines.push(`| ${fault.title} | ${columns.map((c) => fault.outcomes[c].doc).join(' | ')} |`)
    }
    return lines.join('\n')
  }).join('\n\n')
}

/** Every cell at once (for the child process whose output is scanned for secrets). */
export async function runMatrix () {
  const world = await startWorld()
  try {
    const outcomes = []
    for (const fault of FAULTS) {
      const cells = await Promise.all(Object.keys(PROVIDERS).map((provider) => runCell(fault, provider, world)))
      world.emulator.clearFaults()
      outcomes.push(...cells.map((cell) => cell.outcome))
    }
    return outcomes
  } finally {
    await world.close()
  }
}
