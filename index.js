'use strict'
// The public face of captcha-native: the generated binding (binding.js) does the work; this file
// gives each provider its original SDK's shape. The error classes and the conversion of native
// errors are lib/errors.js; whatever native code returns is remade in the caller's realm
// (lib/realm.js), so it behaves the same in a test runner's VM context as in the main realm.

const nativeBinding = require('./binding.js')

const {
  ApiKeyInvalidException, VerificationTokenInvalidException, VerificationNotFoundException,
  VerificationNotFinishedException, VerificationResultExpiredException,
  VerificationResultRetrievalLimitReachedException, FailoverException, ServerUnreachableException,
  ClientReportedServerUnreachableException, RecaptchaError, RecaptchaUnavailableError, PlaytchaError,
  PlaytchaUnavailableError, fromNative, awaitNative, callNative
} = require('./lib/errors.js')
const { adopt, branded, isError } = require('./lib/realm.js')

// ---------------------------------------------------------------------------------------------
// Argument checks (lib/options.js, shared with middleware.js)

const {
  PROVIDERS, checkOptions, authorizeOptions, swetrixOptions, TRUSTCAPTCHA_OPTIONS, PLAYTCHA_OPTIONS
} = require('./lib/options.js')

// ---------------------------------------------------------------------------------------------
// TrustCaptcha

/** The result of a verification: its 20 fields, in the SDK's order. */
class VerificationResult {
  // One named write per field, not a loop over names: a write with a computed key is
  // megamorphic and cost more than the JSON.parse that produced `data` (callgrind).
  constructor (data = {}) {
    this.captchaId = data.captchaId
    this.verificationId = data.verificationId
    this.verificationPassed = data.verificationPassed
    this.score = data.score
    this.decisionType = data.decisionType
    this.decisionAction = data.decisionAction
    this.gatewayFailoverActive = data.gatewayFailoverActive
    this.riskScoringEnabled = data.riskScoringEnabled
    this.minimalDataModeEnabled = data.minimalDataModeEnabled
    this.origin = data.origin
    this.ipAddress = data.ipAddress
    this.countryCode = data.countryCode
    this.deviceFamily = data.deviceFamily
    this.operatingSystem = data.operatingSystem
    this.browser = data.browser
    this.verificationStartedAt = data.verificationStartedAt
    this.verificationFinishedAt = data.verificationFinishedAt
    this.resultExpiresAt = data.resultExpiresAt
    this.resultFirstFetchedAt = data.resultFirstFetchedAt
    this.resultLastFetchedAt = data.resultLastFetchedAt
  }
}
branded(VerificationResult)

/** The decoded content of a widget's verification token. */
class VerificationToken {
  constructor (verificationId, expiresAt, clientFailover = false) {
    this.verificationId = verificationId
    this.expiresAt = expiresAt
    this.clientFailover = clientFailover
  }
}
branded(VerificationToken)

// Immutable by construction: the configuration lives in a private native object that nothing can
// reach or change. The instance itself is not frozen, so test doubles (sinon, jest.spyOn) work.
class TrustCaptcha {
  #native

  constructor (options) {
    const checked = checkOptions(TRUSTCAPTCHA_OPTIONS, options)
    this.#native = callNative(() => new nativeBinding.NativeTrustCaptcha(checked))
  }

  /** Fetches a verification result with the default options; throws at once for an empty key. */
  static getVerificationResult (apiKey, token) {
    return new TrustCaptcha({ apiKey }).getVerificationResult(token)
  }

  async getVerificationResult (token) {
    // The result crosses as JSON text: one JSON.parse is far cheaper than 20 N-API writes.
    const json = await awaitNative(this.#native.getVerificationResult(typeof token === 'string' ? token : null))
    return new VerificationResult(JSON.parse(json))
  }
}

// ---------------------------------------------------------------------------------------------
// Swetrix: `validateToken`, a drop-in for @swetrix/captcha-validator. It never rejects.

const SWETRIX_DEFAULT_URL = 'https://api.swetrixcaptcha.com/v1/captcha'

/** `String(error)`, for an error that may not even convert. */
function errorText (error) {
  try {
    return String(error)
  } catch {
    return 'Error'
  }
}

/**
 * Validates a Swetrix CAPTCHA token. Resolves `[true, data]` or `[false, message]`; never
 * rejects. `options` is ours: `{ timeoutMs = 10000, proxy, ca }`.
 */
async function validateToken (token, secret, apiURL, options) {
  let outcome
  try {
    const value = typeof token === 'string' ? token : token?.token
    if (!value) return [false, 'CAPTCHA token is missing']
    const url = `${apiURL || SWETRIX_DEFAULT_URL}/validate`
    // The package's own serialisation: an undefined secret is left out, key order kept.
    const body = JSON.stringify({ token: value, secret })
    const { timeoutMs, proxy, ca } = swetrixOptions(options)
    // The secret goes along (when a string) only to be cut out of any server text quoted back.
    outcome = await nativeBinding.swetrixValidate(url, body, typeof secret === 'string' ? secret : undefined, timeoutMs, proxy, ca)
  } catch (error) {
    return [false, `Unable to make API request, error: ${errorText(fromNative(error))}`]
  }
  if (!outcome.ok) return [false, outcome.message]
  return [true, outcome.dataJson === undefined ? undefined : JSON.parse(outcome.dataJson)]
}

// ---------------------------------------------------------------------------------------------
// reCAPTCHA: `authorize`, a drop-in for Wix's wix-captcha-backend.

let recaptchaDefaults = Object.freeze({})

/**
 * Sets process-wide defaults for `authorize` (the secret key above all), as Wix's site
 * settings did. Options given to `authorize` win; `RECAPTCHA_SECRET_KEY` is the last resort.
 * Each call replaces the previous configuration; `configureRecaptcha()` clears it.
 */
function configureRecaptcha (options) {
  recaptchaDefaults = Object.freeze(authorizeOptions(options, 'configureRecaptcha options'))
}

/**
 * Checks a reCAPTCHA token with Google. Resolves `{ success: true }`; otherwise rejects with a
 * `RecaptchaError` (or, when no verdict came, a `RecaptchaUnavailableError`) whose `message` is
 * `Request failed with status code <N>`.
 */
async function authorize (token, options) {
  const merged = { ...recaptchaDefaults, ...authorizeOptions(options, 'options') }
  if (merged.secretKey === undefined && process.env.RECAPTCHA_SECRET_KEY !== undefined) {
    merged.secretKey = process.env.RECAPTCHA_SECRET_KEY
  }
  // null: not a string at all (invalid-input-response); '': nothing (missing-input-response).
  const tokenArgument = typeof token === 'string' ? token : token === undefined || token === null ? '' : null
  await awaitNative(nativeBinding.recaptchaAuthorize(tokenArgument, merged))
  return { success: true }
}

// ---------------------------------------------------------------------------------------------
// Playtcha: its server contract, as a class of the TrustCaptcha class's shape.

class Playtcha {
  #native

  constructor (options) {
    const checked = checkOptions(PLAYTCHA_OPTIONS, options)
    checked.failClosed ??= process.env.PLAYTCHA_FAIL_CLOSED === '1'
    this.#native = callNative(() => new nativeBinding.NativePlaytcha(checked))
  }

  /** Verifies a token with the default options; throws at once for an empty secret. */
  static verify (secret, token) {
    return new Playtcha({ secret }).verify(token)
  }

  /** Verifies the `playtcha-token` form field. */
  async verify (token) {
    return JSON.parse(await awaitNative(this.#native.verify(typeof token === 'string' ? token : null)))
  }
}

// ---------------------------------------------------------------------------------------------
// One question for every provider: was the provider unavailable?

// A TypeError is ours (bad options, an unusable apiURL): a configuration mistake, not an outage.
const SWETRIX_UNAVAILABLE = /^(Unable to make API request, error: (?!TypeError)|Unable to parse JSON response: |Request failed with status code (429|5\d\d): )/

/**
 * True when `outcome` means "the provider could not be asked", whichever provider it came from:
 * any `FailoverException` (TrustCaptcha, reCAPTCHA, Playtcha with failClosed), an error for a
 * provider's 5xx (TrustCaptcha keeps its SDK's plain `Error` there), a Playtcha result that failed
 * open, or a Swetrix `[false, message]` that got no verdict.
 */
function isProviderUnavailable (outcome) {
  // Both hold in any realm and for any installed copy of this package (lib/realm.js).
  if (outcome instanceof FailoverException) return true
  if (isError(outcome)) return typeof outcome.status === 'number' && outcome.status >= 500
  if (Array.isArray(outcome)) {
    return outcome.length === 2 && outcome[0] === false && typeof outcome[1] === 'string' &&
      SWETRIX_UNAVAILABLE.test(outcome[1])
  }
  return typeof outcome === 'object' && outcome !== null && outcome.failedOpen === true
}

// ---------------------------------------------------------------------------------------------
// Emulator

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|::1|\[::1\])$/i
const CONSTRUCT = Symbol('Emulator.start')

/**
 * The JSON of the emulator's options, claims and fault rules. `JSON.stringify` alone would turn
 * NaN and the infinities into null and leave functions and symbols out, so a value of the wrong
 * type would pass for one not given (`{ port: NaN }` as any free port, `{ times: NaN }` as every
 * request): those are TypeErrors, as native code gives for any other wrong type.
 */
function emulatorJson (value, subject) {
  return JSON.stringify(value, (key, item) => {
    const type = typeof item
    if ((type === 'number' && !Number.isFinite(item)) || type === 'function' || type === 'symbol' || type === 'bigint') {
      const kind = type === 'number' ? String(item) : `a ${type}`
      const name = key.length > 64 ? `${key.slice(0, 64)}...` : key
      throw new TypeError(key === '' ? `${subject} cannot be ${kind}` : `invalid ${subject}: \`${name}\` cannot be ${kind}`)
    }
    return item
  })
}

/** A local emulator of the providers' verification APIs, with fault injection. */
class Emulator {
  #native

  constructor (key, nativeEmulator) {
    if (key !== CONSTRUCT) throw new TypeError('use Emulator.start() to start an emulator')
    this.#native = nativeEmulator
  }

  static async start (options = {}) {
    if (options === null || typeof options !== 'object') throw new TypeError('options must be an object')
    const nativeEmulator = await awaitNative(nativeBinding.startEmulator(emulatorJson(options, 'emulator options')))
    // Only a string can have been accepted as a host (null is the default, loopback).
    if (typeof options.host === 'string' && !LOOPBACK.test(options.host)) {
      process.emitWarning(`the captcha-native emulator listens on ${nativeEmulator.url}, which other machines may reach`)
    }
    return new Emulator(CONSTRUCT, nativeEmulator)
  }

  /** The base URL, e.g. `http://127.0.0.1:41234`: use it as the provider's API host. */
  get url () { return this.#native.url }

  /** The credentials the emulator accepts. */
  get credentials () { return adopt(this.#native.credentials) }

  /**
   * With `tls: true`, the PEM certificate of the authority that signed the emulator's own (made
   * at start): pass it as a provider's `ca` option to trust it. `undefined` without TLS.
   */
  get certificate () { return this.#native.certificate ?? undefined }

  /** A fresh valid token for `provider`, carrying `claims`. */
  issue (provider, claims) {
    if (typeof provider !== 'string') throw new TypeError('provider must be a string')
    // The provider is named only when it is one (native code refuses any other).
    const subject = PROVIDERS.includes(provider) ? `${provider} claims` : 'claims'
    return callNative(() => this.#native.issue(provider, claims === undefined ? null : emulatorJson(claims, subject)))
  }

  /** Injects a failure: `{ provider?, times?, kind, ... }`. */
  fault (rule) {
    if (rule === null || typeof rule !== 'object') throw new TypeError('a fault rule must be an object')
    callNative(() => this.#native.fault(emulatorJson(rule, 'fault rule')))
  }

  clearFaults () { this.#native.clearFaults() }

  /** Moves the emulator's clock forward (expiry) without sleeping. */
  advanceTime (ms) {
    if (typeof ms !== 'number') throw new TypeError('ms must be a number')
    callNative(() => this.#native.advanceTime(ms))
  }

  stats () { return adopt(this.#native.stats()) }

  requests () { return adopt(this.#native.requests()) }

  clearRequests () { this.#native.clearRequests() }

  /** A URL on this machine where connecting never succeeds: for connect timeouts. */
  async blackholeUrl () { return awaitNative(this.#native.blackholeUrl()) }

  async close () { return awaitNative(this.#native.close()) }
}

module.exports = {
  TrustCaptcha,
  VerificationResult,
  VerificationToken,
  ApiKeyInvalidException,
  VerificationTokenInvalidException,
  VerificationNotFoundException,
  VerificationNotFinishedException,
  VerificationResultExpiredException,
  VerificationResultRetrievalLimitReachedException,
  FailoverException,
  ServerUnreachableException,
  ClientReportedServerUnreachableException,
  validateToken,
  authorize,
  configureRecaptcha,
  RecaptchaError,
  RecaptchaUnavailableError,
  Playtcha,
  PlaytchaError,
  PlaytchaUnavailableError,
  isProviderUnavailable,
  Emulator
}
// `import wixCaptcha from 'captcha-native'; wixCaptcha.authorize(token)`, from TypeScript too.
Object.defineProperty(module.exports, 'default', { value: module.exports })
