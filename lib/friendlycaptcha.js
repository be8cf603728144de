'use strict'
// Friendly Captcha v2: a drop-in for `@friendlycaptcha/server-sdk`'s (0.3.0) `FriendlyCaptchaClient`,
// `VerifyResult` and `RiskIntelligenceRetrieveResult`, on native code (crates/core/src/
// friendlycaptcha.rs). Native code makes the request and says which of the SDK's outcomes
// happened, as data; each result class reads it exactly as the SDK's does. docs/providers/friendly-captcha.md is the contract.

const nativeBinding = require('../binding.js')
const { callNative } = require('./errors.js')
const { bare, checkOptions, FRIENDLY_CAPTCHA_OPTIONS } = require('./options.js')
const { settle, parsedValue, mark, safeGet } = require('./outcome.js')

/** Failed to encode the captcha response: it was invalid and is never accepted. */
const FAILED_TO_ENCODE_ERROR_CODE = 'failed_to_encode_request'
/** The request could not be made (a network outage, DNS, the API unreachable). */
const REQUEST_FAILED_ERROR_CODE = 'request_failed'
/** The request did not finish within its timeout. */
const REQUEST_FAILED_TIMEOUT_ERROR_CODE = 'request_failed_due_to_timeout'
/** The API answered a 4xx: the configuration (API key, sitekey) is generally wrong. */
const FAILED_DUE_TO_CLIENT_ERROR_CODE = 'request_failed_due_to_client_error'
/** The API's answer could not be decoded. */
const FAILED_TO_DECODE_RESPONSE_ERROR_CODE = 'verification_response_could_not_be_decoded'

/** The failures a non-strict client accepts: none of them says the response was bad. */
const ACCEPTED_UNLESS_STRICT = new Set([
  REQUEST_FAILED_ERROR_CODE, REQUEST_FAILED_TIMEOUT_ERROR_CODE, FAILED_DUE_TO_CLIENT_ERROR_CODE,
  FAILED_TO_DECODE_RESPONSE_ERROR_CODE
])

/** The result of a siteverify request, as the SDK's: the same fields, in its order, and methods. */
class VerifyResult {
  constructor (strict) {
    /** The HTTP status of the answer; -1 when there was none. */
    this.status = -1
    /** The API's JSON object, or null when none was read. */
    this.response = null
    /** One of the `*_ERROR_CODE` constants, or null. */
    this.clientErrorType = null
    // Last, as the SDK's constructor sets it: `Object.keys` and `JSON.stringify` list the same.
    this.strict = strict
  }

  isStrict () {
    return this.strict
  }

  /** Whether to accept the captcha; not necessarily verified (see `wasAbleToVerify()`). */
  shouldAccept () {
    if (this.wasAbleToVerify()) {
      if (this.isEncodeError()) return false
      return this.response.success === true
    }
    if (this.clientErrorType !== null) {
      if (this.strict) return false
      return ACCEPTED_UNLESS_STRICT.has(this.clientErrorType)
    }
    // As the SDK: a result this package made never gets here (docs/providers/friendly-captcha.md).
    throw new Error('Implementation error in @friendlycaptcha/server-sdk shouldAccept: errorCode should never be undefined if success is false. ' +
      JSON.stringify(this))
  }

  shouldReject () {
    return !this.shouldAccept()
  }

  isEncodeError () {
    return this.clientErrorType === FAILED_TO_ENCODE_ERROR_CODE
  }

  isRequestOrTimeoutError () {
    return this.clientErrorType === REQUEST_FAILED_ERROR_CODE || this.clientErrorType === REQUEST_FAILED_TIMEOUT_ERROR_CODE
  }

  isDecodeError () {
    return this.clientErrorType === FAILED_TO_DECODE_RESPONSE_ERROR_CODE
  }

  isClientError () {
    return this.clientErrorType === FAILED_DUE_TO_CLIENT_ERROR_CODE
  }

  getResponse () {
    return this.response
  }

  /** The response's `error` field, or null. */
  getResponseError () {
    if (!this.response || this.response.success) return null
    return this.response.error
  }

  getErrorCode () {
    return this.clientErrorType
  }

  /** Whether the API answered 200 and it was read (an encode error counts as verified). */
  wasAbleToVerify () {
    if (this.isEncodeError()) return true
    return this.status === 200 && !this.isRequestOrTimeoutError() && !this.isDecodeError()
  }
}

/** The result of a risk intelligence retrieve request, as the SDK's: its fields, in its order, and methods. */
class RiskIntelligenceRetrieveResult {
  constructor () {
    /** The HTTP status of the answer; -1 when there was none. */
    this.status = -1
    /** The API's JSON object, or null when none was read. */
    this.response = null
    /** One of the `*_ERROR_CODE` constants, or null. */
    this.clientErrorType = null
  }

  getResponse () {
    return this.response
  }

  /** The response's `error` field, or null. */
  getResponseError () {
    if (!this.response || this.response.success) return null
    return this.response.error
  }

  /** The API answered a 4xx: the configuration (API key, sitekey) is generally wrong. */
  isClientError () {
    return this.clientErrorType === FAILED_DUE_TO_CLIENT_ERROR_CODE
  }

  /** Whether the API answered 200 and it was read (an encode error counts too: it needs no alert). */
  wasAbleToRetrieve () {
    if (this.clientErrorType === FAILED_TO_ENCODE_ERROR_CODE) return true
    return this.status === 200 &&
      this.clientErrorType !== REQUEST_FAILED_ERROR_CODE &&
      this.clientErrorType !== REQUEST_FAILED_TIMEOUT_ERROR_CODE &&
      this.clientErrorType !== FAILED_TO_DECODE_RESPONSE_ERROR_CODE
  }

  /** Whether the risk intelligence was retrieved: the API answered `success: true`. */
  isValid () {
    if (this.wasAbleToRetrieve()) {
      if (this.clientErrorType === FAILED_TO_ENCODE_ERROR_CODE) return false
      return this.response?.success === true
    }
    return false
  }
}

/**
 * A call's options as native code takes them, never throwing: a non-string sitekey is left out,
 * a timeout that is not a positive finite number gives the default (as `timeout || 20_000`).
 */
function callOptions (opts) {
  const call = Object.create(null)
  if ((typeof opts !== 'object' && typeof opts !== 'function') || opts === null) return call
  const sitekey = safeGet(opts, 'sitekey')
  if (typeof sitekey === 'string' && sitekey !== '') call.sitekey = sitekey
  const timeout = safeGet(opts, 'timeout')
  if (typeof timeout === 'number' && Number.isFinite(timeout) && timeout > 0) call.timeout = timeout
  return call
}

/** A client for the Friendly Captcha v2 API. Create one and share it. */
class FriendlyCaptchaClient {
  #native
  #strict

  constructor (opts) {
    if (opts === null || typeof opts !== 'object') throw new TypeError('options must be an object')
    if (Object.hasOwn(opts, 'fetch') && opts.fetch !== undefined && opts.fetch !== null) {
      throw new TypeError('the fetch option cannot be honoured: requests are made natively. To test without the network, ' +
        'point apiEndpoint at the emulator (Emulator.start(), docs/providers/friendly-captcha.md)')
    }
    // The SDK's own check and message: `if (!opts.apiKey) throw new Error("api key is required")`.
    if (!Object.hasOwn(opts, 'apiKey') || !opts.apiKey) throw new Error('api key is required')
    const checked = checkOptions(FRIENDLY_CAPTCHA_OPTIONS, opts)
    this.#strict = checked.strict === true
    this.#native = callNative(() => new nativeBinding.NativeFriendlyCaptcha(bare(checked)))
  }

  /** The siteverify URL this client posts to (the SDK's, for its tests). */
  getSiteverifyEndpoint () {
    return this.#native.siteverifyEndpoint
  }

  /**
   * Verifies a captcha response (the `frc-captcha-response` field). Always resolves a
   * `VerifyResult`; never rejects, never throws. A missing, empty or non-string response is
   * refused without a request.
   */
  verifyCaptchaResponse (response, opts) {
    const strict = this.#strict
    return resolved(() => this.#native.verify(typeof response === 'string' ? response : null, callOptions(opts)),
      () => new VerifyResult(strict))
  }

  /**
   * Retrieves the risk intelligence of a token made in the browser. Always resolves a
   * `RiskIntelligenceRetrieveResult`; never rejects, never throws. A missing, empty or
   * non-string token is refused without a request.
   */
  retrieveRiskIntelligence (token, opts) {
    return resolved(() => this.#native.retrieve(typeof token === 'string' ? token : null, callOptions(opts)),
      () => new RiskIntelligenceRetrieveResult())
  }
}

/**
 * What a call resolves: `make()`'s new result filled from the outcome `start()` resolves. Never
 * rejects, never throws: whatever goes wrong, in native code or in reading its outcome, resolves
 * a failed request (the SDK's own catch-all), which is why `.catch` comes after `.then`.
 */
function resolved (start, make) {
  try {
    return start().then((outcome) => settle(outcome, (settled) => filled(make(), settled)))
      .catch(() => failedRequest(make()))
  } catch {
    return Promise.resolve(failedRequest(make()))
  }
}

/** `result` (a new `VerifyResult` or `RiskIntelligenceRetrieveResult`) filled from an outcome's value. */
function filled (result, outcome) {
  const { status, response, clientErrorType } = parsedValue(outcome)
  result.status = status
  result.response = response
  result.clientErrorType = clientErrorType
  return result
}

/**
 * `result` (a new one) as a failed request, when native code itself failed (a panic): what the
 * SDK's catch-all gives.
 */
function failedRequest (result) {
  result.clientErrorType = REQUEST_FAILED_ERROR_CODE
  return mark(result, 'unavailable', 'network_error')
}

// Every name here is public: index.js re-exports this object whole.
module.exports = {
  FriendlyCaptchaClient,
  VerifyResult,
  RiskIntelligenceRetrieveResult,
  FAILED_TO_ENCODE_ERROR_CODE,
  REQUEST_FAILED_ERROR_CODE,
  REQUEST_FAILED_TIMEOUT_ERROR_CODE,
  FAILED_DUE_TO_CLIENT_ERROR_CODE,
  FAILED_TO_DECODE_RESPONSE_ERROR_CODE
}
