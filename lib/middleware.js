'use strict'
// CAPTCHA checks for HTTP servers: `requireCaptcha(options)`, an Express (connect-style)
// middleware, and `verifyRequest(request, options)`, the same check without a framework. Both
// find the token in the request (lib/body.js), ask the provider through the public API, and
// turn what happened into one outcome:
//
//   verified              200  the provider verified the token
//   failed_open           200  the provider was unavailable and `onUnavailable: 'allow'`
//   skipped               200  `skip(request)` resolved true: no token looked for, no provider asked
//   token_missing         400  no token in the body (no request is made), or no body in time
//   verification_failed   400  the provider refused the token
//   body_too_large        400  an unparsed body over 64 KiB
//   provider_unavailable  503  the provider was unavailable and `onUnavailable: 'reject'`
//
// A misconfiguration (a wrong option, a refused secret or API key, no reCAPTCHA secret, a `skip`
// or a secret resolver that throws, a resolver resolving no non-empty string) is not an
// outcome: `verifyRequest` rejects with it and the middleware hands it to `next(error)`.

const { isIP } = require('node:net')
const nativeBinding = require('../binding.js')
const captcha = require('../index.js')
const {
  PROVIDERS, PROVIDER_FACTS, checkOptions, authorizeOptions, swetrixOptions, markChecked,
  TRUSTCAPTCHA_OPTIONS, SWETRIX_OPTIONS, AUTHORIZE_OPTIONS, PLAYTCHA_OPTIONS
} = require('./options.js')
const { branded, isError } = require('./realm.js')
const { kindOf, mark, outcomeOf } = require('./outcome.js')
const { BODY_LIMIT, bodyOf, findToken } = require('./body.js')
const { SITEVERIFY_OPTIONS, VERIFY_OPTIONS, knownOptions } = require('./siteverify.js')
const { RECAPTCHA_ENTERPRISE_OPTIONS, ASSESS_OPTIONS } = require('./recaptcha-enterprise.js')
const { FRIENDLY_CAPTCHA_OPTIONS } = require('./options.js')

/** The form field each provider's widget fills in (native code's facts). */
const TOKEN_FIELDS = Object.freeze(Object.fromEntries(PROVIDERS.map((name) => [name, PROVIDER_FACTS[name].tokenField])))

/** `validateToken`'s arguments besides the token and its options. */
const SWETRIX_ARGUMENTS = Object.freeze({ secret: 'secret', apiURL: 'string' })

/** The client options of TrustCaptcha and Playtcha (lib/options.js): those a `client` excludes. */
const TRUSTCAPTCHA_CONFIG = Object.keys(TRUSTCAPTCHA_OPTIONS)
const PLAYTCHA_CONFIG = Object.keys(PLAYTCHA_OPTIONS)
/** The client options of Turnstile and hCaptcha (lib/siteverify.js): those a `client` excludes. */
const SITEVERIFY_CONFIG = Object.keys(SITEVERIFY_OPTIONS)
/** Each siteverify provider's checks, given once for every request (the visitor's address is the request's). */
const SITEVERIFY_CHECKS = Object.freeze({
  turnstile: ['expectedAction', 'expectedHostname'],
  hcaptcha: ['sitekey', 'expectedHostname', 'maxScore']
})

/** reCAPTCHA Enterprise's client options (those a `client` excludes) and its checks. */
const ENTERPRISE_CONFIG = Object.keys(RECAPTCHA_ENTERPRISE_OPTIONS)
const ENTERPRISE_CHECKS = ['expectedAction', 'minScore', 'expectedHostname']

/**
 * Friendly Captcha's client options (those a `client` excludes), without `strict`: here the
 * middleware's `onUnavailable` decides what an outage does, for every provider alike.
 */
const FRIENDLY_CAPTCHA_CONFIG = Object.keys(FRIENDLY_CAPTCHA_OPTIONS).filter((name) => name !== 'strict')
/**
 * Fields looked in after the provider's own when no `field` is given: Friendly Captcha v1's
 * widget named its field `frc-captcha-solution`, and pages still carry it.
 */
const OLDER_TOKEN_FIELDS = { 'friendly-captcha': ['frc-captcha-solution'] }

/** The options each provider takes, besides the common ones. */
const PROVIDER_OPTIONS = {
  trustcaptcha: [...TRUSTCAPTCHA_CONFIG, 'client', 'maxScore'],
  swetrix: [...Object.keys(SWETRIX_ARGUMENTS), ...Object.keys(SWETRIX_OPTIONS)],
  recaptcha: Object.keys(AUTHORIZE_OPTIONS),
  playtcha: [...PLAYTCHA_CONFIG, 'client'],
  turnstile: [...SITEVERIFY_CONFIG, 'client', 'remoteip', ...SITEVERIFY_CHECKS.turnstile],
  hcaptcha: [...SITEVERIFY_CONFIG, 'client', 'remoteip', ...SITEVERIFY_CHECKS.hcaptcha],
  'recaptcha-enterprise': [...ENTERPRISE_CONFIG, 'client', 'userIpAddress', 'userAgent', ...ENTERPRISE_CHECKS],
  'friendly-captcha': [...FRIENDLY_CAPTCHA_CONFIG, 'client', 'timeout']
}
/** The hooks, each told an outcome and the request before the answer (never awaited). */
// (`onUnavailable` is the outage policy, 'reject' or 'allow': an outage's hook is `onOutage`.)
const HOOKS = ['onVerified', 'onRefused', 'onOutage']
const COMMON_OPTIONS = ['provider', 'field', 'onUnavailable', 'log', 'requestProperty', 'skip', ...HOOKS]
/** Where each provider takes its secret or API key: a string, or a function of the request. */
const SECRET_OPTIONS = Object.freeze({
  trustcaptcha: 'apiKey',
  swetrix: 'secret',
  recaptcha: 'secretKey',
  playtcha: 'secret',
  turnstile: 'secret',
  hcaptcha: 'secret',
  'recaptcha-enterprise': 'apiKey',
  'friendly-captcha': 'apiKey'
})
/** Stands for a resolved secret when the options are checked at setup; never sent. */
const STAND_IN_SECRET = 'captcha-native-secret-resolved-per-request'
/** How many resolved secrets' clients a middleware keeps. */
const SECRET_CACHE_SIZE = 64

const BODY_TIMEOUT_CAP_MS = 10_000
const LOG_TEXT_LIMIT = 512

const STATUS = {
  verified: 200,
  failed_open: 200,
  skipped: 200,
  token_missing: 400,
  verification_failed: 400,
  body_too_large: 400,
  provider_unavailable: 503
}

// ---------------------------------------------------------------------------------------------
// Options

/** Copies the options in `names` that are set, own properties only (as `checkOptions` reads them). */
function pick (options, names) {
  const picked = {}
  for (const name of names) {
    if (Object.hasOwn(options, name) && options[name] !== undefined) picked[name] = options[name]
  }
  return picked
}

/** A client option given together with the options that would configure one is an error. */
function clientOrOptions (options, methodName, className, configNames) {
  if (options.client === undefined || options.client === null) return undefined
  if (typeof options.client !== 'object' || typeof options.client[methodName] !== 'function') {
    throw new TypeError(`client must be a ${className} instance`)
  }
  const clash = configNames.filter((name) => options[name] !== undefined)
  if (clash.length > 0) {
    throw new TypeError(`give either client or ${clash.join(', ')}: the client is already configured`)
  }
  return options.client
}

/** Checks the options and builds the provider's client: once per options object. */
function createVerifier (options) {
  if (options === null || typeof options !== 'object') throw new TypeError('options must be an object')
  const { provider } = options
  if (!PROVIDERS.includes(provider)) {
    throw new TypeError(`provider must be one of ${PROVIDERS.map((p) => `'${p}'`).join(', ')}`)
  }
  if (provider === 'friendly-captcha' && options.strict !== undefined) {
    throw new TypeError("give onUnavailable ('reject' or 'allow') instead of strict: it decides what an outage does for every provider")
  }
  if (provider === 'trustcaptcha' && options.minScore !== undefined) {
    throw new TypeError("TrustCaptcha's score is a bot score (higher is more likely a bot): use maxScore")
  }
  const known = new Set([...COMMON_OPTIONS, ...PROVIDER_OPTIONS[provider]])
  for (const name of Object.keys(options)) {
    if (!known.has(name)) throw new TypeError(`unknown option for provider '${provider}': ${name}`)
  }
  if (options.field !== undefined && (typeof options.field !== 'string' || options.field === '')) {
    throw new TypeError('field must be a non-empty string')
  }
  const onUnavailable = options.onUnavailable ?? 'reject'
  if (onUnavailable !== 'reject' && onUnavailable !== 'allow') {
    throw new TypeError("onUnavailable must be 'reject' or 'allow'")
  }
  if (options.log !== undefined && typeof options.log !== 'function') throw new TypeError('log must be a function')
  // Where an adapter puts the outcome: req.captcha (Express, Fastify), ctx.state.captcha (Koa).
  const property = options.requestProperty ?? 'captcha'
  if (typeof property !== 'string' && typeof property !== 'symbol') {
    throw new TypeError('requestProperty must be a string or a symbol')
  }
  const log = options.log ?? ((message, details) => console.warn(message, details))
  for (const name of ['skip', ...HOOKS]) {
    if (options[name] !== undefined && typeof options[name] !== 'function') throw new TypeError(`${name} must be a function`)
  }

  // A function in place of the secret (or API key) resolves it per request: a client is built
  // for each secret it resolves, kept among the most recent SECRET_CACHE_SIZE.
  const secretName = SECRET_OPTIONS[provider]
  const resolver = typeof options[secretName] === 'function' ? options[secretName] : undefined
  // Checked here, at once, with a stand-in for the secret: a wrong option throws now, not per request.
  const built = buildProvider(provider, resolver ? { ...options, [secretName]: STAND_IN_SECRET } : options)
  const bodyTimeoutMs = Math.min(
    BODY_TIMEOUT_CAP_MS,
    // The provider's own request deadline when none is given: it also bounds reading the body.
    typeof built.timeoutMs === 'number' && built.timeoutMs > 0 ? built.timeoutMs : PROVIDER_FACTS[provider].defaultTimeoutMs
  )
  const fixed = { check: built.check, secrets: built.secrets.filter((s) => typeof s === 'string' && s !== '') }
  return {
    provider,
    // A list: the provider's field, then any older name of it.
    field: options.field ?? [TOKEN_FIELDS[provider], ...(OLDER_TOKEN_FIELDS[provider] ?? [])],
    onUnavailable,
    log,
    property,
    bodyTimeoutMs,
    skip: options.skip,
    hooks: Object.fromEntries(HOOKS.map((name) => [name, options[name]])),
    // What checks a request, and the secrets kept out of its logs.
    checkerFor: resolver ? secretCache(provider, options, secretName, resolver) : () => fixed
  }
}

/**
 * The checker of each secret `resolver` resolves, built once per secret and kept among the most
 * recent SECRET_CACHE_SIZE (least recently used first out). A resolver that throws, or resolves
 * anything but a non-empty string, is a misconfiguration: the rejection goes to next(error).
 */
function secretCache (provider, options, secretName, resolver) {
  const cache = new Map()
  return async (request) => {
    const secret = await resolver(request)
    if (typeof secret !== 'string' || secret.trim() === '') {
      throw new TypeError(`the ${secretName} resolver must resolve a non-empty string`)
    }
    // From here on synchronous: two requests resolving the same new secret build one client.
    let checker = cache.get(secret)
    if (checker) {
      cache.delete(secret)
    } else {
      const built = buildProvider(provider, { ...options, [secretName]: secret })
      checker = { check: built.check, secrets: [secret] }
      if (cache.size >= SECRET_CACHE_SIZE) cache.delete(cache.keys().next().value)
    }
    cache.set(secret, checker)
    return checker
  }
}

/** Builds the provider's client and its check: { check, secrets, timeoutMs }. */
function buildProvider (provider, options) {
  const secrets = []
  let check
  let timeoutMs
  if (provider === 'trustcaptcha') {
    let client = clientOrOptions(options, 'getVerificationResult', 'TrustCaptcha', TRUSTCAPTCHA_CONFIG)
    const { maxScore } = checkOptions({ maxScore: 'number' }, options)
    // NaN (say `Number(process.env.MAX_SCORE)` unset) would refuse every result without a word.
    if (Number.isNaN(maxScore)) throw new TypeError('maxScore must be a number')
    if (!client) {
      client = new captcha.TrustCaptcha(pick(options, TRUSTCAPTCHA_CONFIG))
      secrets.push(options.apiKey)
      timeoutMs = options.readTimeoutMs
    }
    check = trustCaptchaCheck(client, maxScore)
  } else if (provider === 'swetrix') {
    // Checked here, once: validateToken takes the checked options as they are.
    const { secret, apiURL } = checkOptions(SWETRIX_ARGUMENTS, options)
    const checked = markChecked(swetrixOptions(options, ''))
    secrets.push(secret)
    timeoutMs = checked.timeoutMs
    check = swetrixCheck(secret, apiURL, checked)
  } else if (provider === 'recaptcha') {
    // One retry by default, not authorize's ten: a request should not wait out a long outage.
    // Checked here, once: authorize takes the checked options as they are.
    const checked = markChecked(authorizeOptions({ retries: 1, ...pick(options, PROVIDER_OPTIONS.recaptcha) }, 'options'))
    // The secret authorize will use, wherever it comes from, is kept out of the logs.
    for (const secret of [options.secretKey, process.env.RECAPTCHA_SECRET_KEY]) {
      if (typeof secret === 'string') secrets.push(secret)
    }
    timeoutMs = checked.timeoutMs
    // `remoteIp: null` sends no address; left out, the request's is sent.
    check = recaptchaCheck(checked, options.remoteIp === undefined)
  } else if (provider === 'turnstile' || provider === 'hcaptcha') {
    const Client = provider === 'turnstile' ? captcha.Turnstile : captcha.HCaptcha
    let client = clientOrOptions(options, 'verify', Client.name, SITEVERIFY_CONFIG)
    // Checked here, once; the same checks go with every request.
    const checks = markChecked(knownOptions(VERIFY_OPTIONS[provider], pick(options, SITEVERIFY_CHECKS[provider]), 'options'))
    if (options.remoteip !== undefined && options.remoteip !== null && typeof options.remoteip !== 'string') {
      throw new TypeError('remoteip must be a string, or null to send none')
    }
    if (!client) {
      client = new Client(pick(options, SITEVERIFY_CONFIG))
      secrets.push(options.secret)
      timeoutMs = options.timeoutMs
    }
    // `remoteip: null` sends no address; left out, the request's is sent.
    check = siteverifyCheck(client, checks, options.remoteip)
  } else if (provider === 'recaptcha-enterprise') {
    let client = clientOrOptions(options, 'assess', 'RecaptchaEnterprise', ENTERPRISE_CONFIG)
    // Checked here, once; the same checks go with every request.
    const checks = markChecked(knownOptions(ASSESS_OPTIONS, pick(options, ENTERPRISE_CHECKS), 'options'))
    for (const name of ['userIpAddress', 'userAgent']) {
      if (options[name] !== undefined && options[name] !== null && typeof options[name] !== 'string') {
        throw new TypeError(`${name} must be a string, or null to send none`)
      }
    }
    if (!client) {
      client = new captcha.RecaptchaEnterprise(pick(options, ENTERPRISE_CONFIG))
      secrets.push(options.apiKey)
      timeoutMs = options.timeoutMs
    }
    // Left out, the request's address and User-Agent are sent; `null` sends none.
    check = enterpriseCheck(client, checks, options.userIpAddress, options.userAgent)
  } else if (provider === 'friendly-captcha') {
    let client = clientOrOptions(options, 'verifyCaptchaResponse', 'FriendlyCaptchaClient', FRIENDLY_CAPTCHA_CONFIG)
    const { timeout } = checkOptions({ timeout: 'ms' }, options)
    // The SDK's `timeout || 20_000` would make 0 or NaN the default without a word.
    if (timeout !== undefined && !(Number.isFinite(timeout) && timeout > 0)) throw new TypeError('timeout must be a positive number of milliseconds')
    if (!client) {
      client = new captcha.FriendlyCaptchaClient(pick(options, FRIENDLY_CAPTCHA_CONFIG))
      secrets.push(options.apiKey)
    }
    timeoutMs = timeout
    check = friendlyCaptchaCheck(client, timeout === undefined ? undefined : { timeout })
  } else {
    let client = clientOrOptions(options, 'verify', 'Playtcha', PLAYTCHA_CONFIG)
    if (!client) {
      client = new captcha.Playtcha(pick(options, PLAYTCHA_CONFIG))
      secrets.push(options.secret)
      timeoutMs = options.timeoutMs
    }
    check = playtchaCheck(client)
  }

  return { check, secrets, timeoutMs }
}

// ---------------------------------------------------------------------------------------------
// Providers: each check resolves a verdict { kind: 'verified' | 'failed' | 'unavailable',
// result?, error?, text? }, or rejects with a configuration error. What a provider's answer
// means is its outcome's kind, decided by native code (lib/outcome.js); the checks read it.

/** A rejection's verdict, or the rejection itself when it means a misconfiguration. */
function rejectionVerdict (error) {
  const kind = kindOf(error) ?? 'misconfigured'
  if (kind === 'refused') return { kind: 'failed', error }
  if (kind === 'unavailable') return { kind: 'unavailable', error }
  throw error // a key or secret refused, an unusable option, a TypeError
}

/**
 * A resolved value's verdict by its kind (lib/outcome.js). A value no verification marked (a
 * test double's client resolved it) and that did not fail open passes when the SDK's own field
 * says so: `passed(result)`.
 */
function resolvedVerdict (result, passed = () => false) {
  const kind = kindOf(result) ?? (result !== null && typeof result === 'object' && passed(result) ? 'verified' : 'refused')
  return verdictOf(kind, result)
}

/** The verdict of a resolved value of kind `kind` (lib/outcome.js): any kind but these two failed. */
function verdictOf (kind, result) {
  if (kind === 'verified') return { kind: 'verified', result }
  if (kind === 'unavailable') return { kind: 'unavailable', result }
  return { kind: 'failed', result }
}

/** An unmarked TrustCaptcha result passes when it says so. */
const trustCaptchaPassed = (result) => result.verificationPassed === true
/** An unmarked Playtcha result passes on success. */
const playtchaPassed = (result) => result.success === true

function trustCaptchaCheck (client, maxScore) {
  return async (token) => {
    let result
    try {
      result = await client.getVerificationResult(token)
    } catch (error) {
      return rejectionVerdict(error)
    }
    const verdict = resolvedVerdict(result, trustCaptchaPassed)
    // Our own check, on a verified result: TrustCaptcha's score is a bot score.
    if (verdict.kind === 'verified' && maxScore !== undefined && !(typeof result.score === 'number' && result.score <= maxScore)) {
      return { kind: 'failed', result }
    }
    return verdict
  }
}

function swetrixCheck (secret, apiURL, checkedOptions) {
  return async (token) => {
    const tuple = await captcha.validateToken(token, secret, apiURL, checkedOptions)
    const [ok, data] = tuple
    if (ok === true) return { kind: 'verified', result: data }
    const text = typeof data === 'string' ? data : 'CAPTCHA validation failed'
    const marked = outcomeOf(tuple)
    const kind = marked?.kind
    if (kind === 'unavailable') return { kind: 'unavailable', text, marked }
    // The options' types are checked at setup; what only native code checks, per request (an
    // unusable apiURL, a timeout of 0, a proxy port out of range), validateToken resolves as text.
    if (kind === 'misconfigured') throw new TypeError(text)
    return { kind: 'failed', text, marked }
  }
}

function recaptchaCheck (checkedOptions, sendsRequestIp) {
  return async (token, request) => {
    let options = checkedOptions
    if (sendsRequestIp) {
      const ip = remoteIp(request)
      if (ip !== undefined) options = markChecked({ ...checkedOptions, remoteIp: ip })
    }
    try {
      return resolvedVerdict(await captcha.authorize(token, options))
    } catch (error) {
      return rejectionVerdict(error) // 500: no secret or a refused one, a wrong siteverifyUrl; a TypeError
    }
  }
}

/** An unmarked siteverify verdict passes on success. */
const siteverifyPassed = (result) => result.success === true

function siteverifyCheck (client, checks, remoteip) {
  return async (token, request) => {
    const ip = remoteip === undefined ? remoteIp(request) : remoteip ?? undefined
    try {
      // Marked as checked (the checks were, and the address is a string): not checked again.
      const call = typeof ip === 'string' ? markChecked({ ...checks, remoteip: ip }) : checks
      return resolvedVerdict(await client.verify(token, call), siteverifyPassed)
    } catch (error) {
      return rejectionVerdict(error) // a refused secret, a wrong siteverifyUrl, a TypeError
    }
  }
}

/** An unmarked assessment verdict passes when it says so. */
const enterprisePassed = (result) => result.passed === true

/**
 * The longest User-Agent sent with an assessment: the client refuses an event field over 8 KiB
 * as a bad option, and a visitor's header must never turn into a misconfiguration.
 */
const MAX_SENT_USER_AGENT = 1024

function enterpriseCheck (client, checks, userIpAddress, userAgent) {
  return async (token, request) => {
    // The request's own address and User-Agent are the visitor's to send: an address that is no
    // IP (a forged X-Forwarded-For behind `trust proxy`) is left out, a long User-Agent cut.
    let ip = userIpAddress === undefined ? remoteIp(request) : userIpAddress ?? undefined
    if (userIpAddress === undefined && ip !== undefined && isIP(ip) === 0) ip = undefined
    let agent = userAgent === undefined ? userAgentOf(request) : userAgent ?? undefined
    if (userAgent === undefined && agent !== undefined && agent.length > MAX_SENT_USER_AGENT) agent = agent.slice(0, MAX_SENT_USER_AGENT)
    try {
      // Marked as checked (the checks were; the address and the agent are strings): not checked again.
      const call = ip === undefined && agent === undefined
        ? checks
        : markChecked({ ...checks, ...(ip !== undefined && { userIpAddress: ip }), ...(agent !== undefined && { userAgent: agent }) })
      return resolvedVerdict(await client.assess(token, call), enterprisePassed)
    } catch (error) {
      return rejectionVerdict(error) // a refused key or project, a TypeError
    }
  }
}

/**
 * What a Friendly Captcha result means here. Ours carry their kind from native code; a result
 * of another implementation (the SDK's own client, passed as `client`) is read by its methods:
 * answered means a verdict, a 4xx a misconfiguration, anything else no answer.
 */
function friendlyCaptchaKind (result) {
  const kind = kindOf(result)
  if (kind !== undefined) return kind
  if (result === null || typeof result !== 'object' || typeof result.wasAbleToVerify !== 'function') return 'refused'
  if (result.wasAbleToVerify()) return result.shouldAccept() ? 'verified' : 'refused'
  // The SDK counts every 4xx a client error, 429 (too many requests) included: that one is an outage.
  return result.isClientError() && result.status !== 429 ? 'misconfigured' : 'unavailable'
}

/** A Friendly Captcha answer that says the configuration is wrong, as the Error `next()` gets. */
class FriendlyCaptchaConfigurationError extends Error {
  constructor (result) {
    const code = result.getResponseError?.()?.error_code
    // Only a code of the API's form is quoted: its `detail` is upstream text.
    const named = typeof code === 'string' && /^[a-z_]{1,64}$/.test(code) ? ` ${code}` : ''
    super(`Friendly Captcha refused the request:${named} (status ${result.status}); check apiKey and sitekey`)
    this.name = 'FriendlyCaptchaConfigurationError'
    this.status = result.status
    if (named) this.code = code
    mark(this, 'misconfigured', named ? code : 'client_error')
  }
}
branded(FriendlyCaptchaConfigurationError)

function friendlyCaptchaCheck (client, callOptions) {
  return async (token) => {
    // Never rejects (the SDK's promise); a misconfiguration is thrown for next(error).
    const result = await client.verifyCaptchaResponse(token, callOptions)
    const kind = friendlyCaptchaKind(result)
    if (kind === 'misconfigured') throw new FriendlyCaptchaConfigurationError(result)
    return verdictOf(kind, result)
  }
}

function playtchaCheck (client) {
  return async (token) => {
    try {
      return resolvedVerdict(await client.verify(token), playtchaPassed)
    } catch (error) {
      return rejectionVerdict(error)
    }
  }
}

/** The request's User-Agent header, if it has one. */
function userAgentOf (request) {
  const agent = request.headers?.['user-agent']
  return typeof agent === 'string' && agent !== '' ? agent : undefined
}

/** The client's address: Express's, Koa's or Fastify's `ip`, else the socket's. */
function remoteIp (request) {
  if (typeof request.ip === 'string' && request.ip !== '') return request.ip
  const address = request.socket?.remoteAddress ?? request.req?.socket?.remoteAddress
  return typeof address === 'string' && address !== '' ? address : undefined
}

// ---------------------------------------------------------------------------------------------
// Outcomes

function outcome (verifier, code, { result, error } = {}) {
  const made = {
    ok: STATUS[code] === 200,
    status: STATUS[code],
    code,
    provider: verifier.provider,
    failedOpen: code === 'failed_open'
  }
  if (result !== undefined) made.result = result
  if (error !== undefined) made.error = error
  return made
}

/** Removes the credentials and the token from a text meant for logs (native code's scrub), and cuts it. */
function scrub (text, checker, token) {
  const secrets = [...checker.secrets, token].filter((secret) => typeof secret === 'string' && secret !== '')
  const clean = nativeBinding.scrubSecrets(String(text), secrets)
  return clean.length > LOG_TEXT_LIMIT ? `${clean.slice(0, LOG_TEXT_LIMIT)}...` : clean
}

/** An Error for a verdict's text, scrubbed, marked with the kind of the value it came from. */
function errorOfText (verdict, checker, token) {
  const error = new Error(scrub(verdict.text, checker, token))
  return verdict.marked ? mark(error, verdict.marked.kind, verdict.marked.code) : error
}

/** One line saying why the provider counted as unavailable. */
function describe (verdict) {
  if (verdict.text !== undefined) return verdict.text
  const { error, result } = verdict
  if (isError(error)) {
    let text = `${error.name}: ${error.message}`
    if (error.status !== undefined) text += ` (status ${error.status})`
    if (isError(error.cause)) text += `; cause: ${error.cause.message}`
    return text
  }
  if (result && typeof result === 'object' && typeof result.getErrorCode === 'function') {
    // A Friendly Captcha result: its client error code (request_failed...) and status.
    return `${result.getErrorCode()}${result.status > 0 ? ` (status ${result.status})` : ''}`
  }
  if (result && typeof result === 'object') {
    return `failed open: ${result.unavailableReason}${result.status !== undefined ? ` (status ${result.status})` : ''}`
  }
  return 'unavailable'
}

function logSafely (verifier, message, details) {
  try {
    verifier.log(message, details)
  } catch {
    // A broken logger must not decide the request.
  }
}

/** Which hook hears of each outcome (none for `skipped`: `skip` decided it). */
const HOOK_OF = {
  verified: 'onVerified',
  failed_open: 'onOutage',
  provider_unavailable: 'onOutage',
  token_missing: 'onRefused',
  verification_failed: 'onRefused',
  body_too_large: 'onRefused'
}

/** Tells the outcome's hook, if any; a hook that throws or rejects must not decide the request. */
function tellHook (verifier, made, request) {
  const hook = verifier.hooks[HOOK_OF[made.code]]
  if (hook === undefined) return made
  try {
    const returned = hook(made, request)
    // Not awaited; a rejection is swallowed, never an unhandled one.
    if (returned !== null && typeof returned === 'object' && typeof returned.then === 'function') returned.then(undefined, () => {})
  } catch {
    // As with `log`: metrics must not decide the request.
  }
  return made
}

/**
 * Checks `request`. `source`, for a request that is no Node one (lib/web.js: a Web Request, a
 * FormData), reads it once `skip` has not: `(timeoutMs) => Promise<{ read, client }>`, `read` as
 * bodyOf's and `client` the `{ headers, ip }` the provider's check sends; `request` is still what
 * `skip`, the secret resolver and the hooks are given.
 */
async function verifyWith (verifier, request, source) {
  if (request === null || typeof request !== 'object') throw new TypeError('request must be an object')
  // Only `true` skips: a truthy value returned by mistake still checks. A throwing skip rejects.
  if (verifier.skip !== undefined && await verifier.skip(request) === true) return outcome(verifier, 'skipped')
  if (source === undefined) return tellHook(verifier, await decide(verifier, request), request)
  const { read, client } = await source(verifier.bodyTimeoutMs)
  return tellHook(verifier, await decide(verifier, client, read, request), request)
}

/** `client` is what the provider's check reads the address and User-Agent of; `subject`, the resolver's. */
async function decide (verifier, client, read, subject = client) {
  read ??= await bodyOf(client, verifier.bodyTimeoutMs)
  if (read.tooLarge) {
    return outcome(verifier, 'body_too_large', { error: new Error(`the request body is over ${BODY_LIMIT} bytes`) })
  }
  const token = findToken(read.fields, verifier.field, read.type)
  if (token === undefined) return outcome(verifier, 'token_missing', read.error ? { error: read.error } : undefined)

  // The check and the secrets to scrub: fixed, or those of the secret resolved for this request.
  const checker = await verifier.checkerFor(subject)
  const verdict = await checker.check(token, client)
  // Upstream text can hold anything, the secret or the token included: it is scrubbed first.
  // The Error made of a text keeps the kind of the value the text came from (lib/outcome.js).
  const error = verdict.text !== undefined ? errorOfText(verdict, checker, token) : verdict.error
  if (verdict.kind === 'verified') return outcome(verifier, 'verified', { result: verdict.result })
  if (verdict.kind === 'failed') return outcome(verifier, 'verification_failed', { result: verdict.result, error })

  const allow = verifier.onUnavailable === 'allow'
  logSafely(verifier, allow
    ? `captcha-native: ${verifier.provider} is unavailable; the request was let through (onUnavailable: 'allow')`
    : `captcha-native: ${verifier.provider} is unavailable; the request was refused with 503 (onUnavailable: 'reject')`,
  { provider: verifier.provider, onUnavailable: verifier.onUnavailable, reason: scrub(describe(verdict), checker, token) })
  return outcome(verifier, allow ? 'failed_open' : 'provider_unavailable', { result: verdict.result, error })
}

// ---------------------------------------------------------------------------------------------
// The public API

/**
 * `make(options)`, remembered per options object (a WeakMap), so that a reused object builds its
 * client once. Anything but an object is not remembered: `make` throws for it.
 */
function oncePerOptions (make) {
  const made = new WeakMap()
  return (options) => {
    if (options === null || typeof options !== 'object') return make(options)
    if (!made.has(options)) made.set(options, make(options))
    return made.get(options)
  }
}

/** The verifier of an options object, built once for it. */
const verifierOf = oncePerOptions(createVerifier)

/**
 * Checks the CAPTCHA token of `request`: an Express, Fastify or Koa request (`.body`), a plain
 * `{ body, headers, ip }`, or a Node `IncomingMessage` whose body is still unread. Resolves an
 * outcome; rejects only for a misconfiguration. The client is built once per `options` object.
 */
async function verifyRequest (request, options) {
  return verifyWith(verifierOf(options), request)
}

/**
 * Whether the outcome left the request body unread (too large, or not arrived whole): then the
 * connection is closed after the answer. Only a body that did not arrive gives token_missing an error.
 */
function leftBodyUnread (made) {
  return made.code === 'body_too_large' || (made.code === 'token_missing' && made.error !== undefined)
}

/** Answers a refused request: `{ error: code }` and nothing from upstream. */
function respond (res, made) {
  const body = { error: made.code }
  if (leftBodyUnread(made) && typeof res.setHeader === 'function' && !res.headersSent) {
    res.setHeader('connection', 'close')
  }
  if (typeof res.status === 'function' && typeof res.json === 'function') {
    res.status(made.status)
    res.json(body)
    return
  }
  res.statusCode = made.status
  res.setHeader('content-type', 'application/json')
  res.end(JSON.stringify(body))
}

/**
 * What the middleware hands to `next()` for a misconfiguration: status 500 and `expose: false`,
 * so no error handler shows the browser the provider's status or text; the provider's error is
 * the `cause`, for logs.
 */
class CaptchaConfigurationError extends Error {
  constructor (cause) {
    super('captcha-native: the CAPTCHA provider is misconfigured (see cause)', { cause })
    this.name = 'CaptchaConfigurationError'
    this.status = 500
    this.statusCode = 500
    this.expose = false
  }
}
branded(CaptchaConfigurationError)

/**
 * An Express (connect-style) middleware: on success it sets `req.captcha` (or
 * `req[options.requestProperty]`) to the outcome and calls `next()`; otherwise it answers
 * `status` with `{ error: code }`. A misconfiguration goes to `next(error)`.
 * @throws for wrong options, at once: the client is built here, once.
 */
function requireCaptcha (options) {
  const verifier = createVerifier(options)
  const { property } = verifier
  return function captchaMiddleware (req, res, next) {
    return verifyOrThrow(verifier, req).then((made) => {
      if (made.ok) {
        req[property] = made
        next()
        return
      }
      try {
        respond(res, made)
      } catch (error) {
        next(error)
      }
    }, next)
  }
}

/**
 * `verifyWith`, as every adapter calls it: what it rejects with (a misconfiguration) is rejected
 * as a CaptchaConfigurationError, the framework's error handling's to answer (500, nothing shown).
 */
async function verifyOrThrow (verifier, request, source) {
  try {
    return await verifyWith(verifier, request, source)
  } catch (error) {
    throw new CaptchaConfigurationError(error)
  }
}

module.exports = {
  requireCaptcha, verifyRequest, TOKEN_FIELDS, CaptchaConfigurationError, FriendlyCaptchaConfigurationError,
  // For the framework adapters (lib/fastify.js, koa.js, hono.js, nestjs.js, next.js): not
  // re-exported by any subpath.
  createVerifier, verifyWith, verifyOrThrow, oncePerOptions, leftBodyUnread
}
