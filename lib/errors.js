'use strict'
// Internal. The error classes of every provider, and the one place where an error that native
// code reported as data becomes one of them: `{ kind, message?, detail?, status?, fields? }`,
// where `kind` is one of native code's `errorKinds()`. A verification's error arrives in its
// outcome (lib/outcome.js); any other call (a constructor, the emulator) rejects or throws an
// Error of the main realm whose message is `captcha-native:` and the JSON of that data
// (crates/napi/src/errors.rs). That text is internal; no user code ever sees it, in any realm.

const nativeBinding = require('../binding.js')
const { isError, branded } = require('./realm.js')

/** Defines an exception class with the given name, default message and parent. */
function exceptionClass (name, defaultMessage, Parent = Error) {
  const Exception = class extends Parent {
    constructor (message = defaultMessage, options) {
      super(message, options)
      this.name = name
    }
  }
  Object.defineProperty(Exception, 'name', { value: name })
  return branded(Exception)
}

const ApiKeyInvalidException = exceptionClass('ApiKeyInvalidException',
  'The provided api key is invalid. Please verify the api key from your captcha settings.')
const VerificationTokenInvalidException = exceptionClass('VerificationTokenInvalidException',
  'The verification token is malformed or could not be parsed.')
const VerificationNotFoundException = exceptionClass('VerificationNotFoundException',
  'No verification could be found for the given verification token.')
const VerificationNotFinishedException = exceptionClass('VerificationNotFinishedException',
  'The verification is not yet completed. Please wait until the user has finished solving the captcha before requesting the result.')
const VerificationResultExpiredException = exceptionClass('VerificationResultExpiredException',
  'The verification result has expired and can no longer be retrieved.')
const VerificationResultRetrievalLimitReachedException = exceptionClass('VerificationResultRetrievalLimitReachedException',
  'The verification result has reached its maximum retrieval count and can no longer be retrieved.')
/** The abstract parent of the exceptions that mean "treat this as a provider outage". */
const FailoverException = exceptionClass('FailoverException', undefined)
const ServerUnreachableException = exceptionClass('ServerUnreachableException',
  'Could not reach the TrustCaptcha server. This is a high-trust failover signal — your backend was unable to contact our servers.',
  FailoverException)
const ClientReportedServerUnreachableException = exceptionClass('ClientReportedServerUnreachableException',
  'The client reported it could not reach the TrustCaptcha server, but the gateway has no record of a recent outage. Treat this with caution: a malicious client may be claiming a failover that did not happen.',
  FailoverException)

/** reCAPTCHA `authorize`: a verdict against the token (400) or a configuration refused (500). */
const RecaptchaError = exceptionClass('RecaptchaError', 'Request failed with status code 400')
/** reCAPTCHA `authorize`: siteverify gave no verdict, even after the retries (503). */
const RecaptchaUnavailableError = exceptionClass('RecaptchaUnavailableError',
  'Request failed with status code 503', FailoverException)
/** Playtcha: a 4xx answer, or a token refused before any request (fail closed). */
const PlaytchaError = exceptionClass('PlaytchaError', 'Playtcha refused the verification')
/** Playtcha: the verifier is unavailable and the policy is to fail closed. */
const PlaytchaUnavailableError = exceptionClass('PlaytchaUnavailableError', 'Playtcha is unavailable',
  FailoverException)

/** Turnstile: siteverify gave no verdict, even after the retries (safe: each carried the same idempotency key). */
const TurnstileUnavailableError = exceptionClass('TurnstileUnavailableError',
  'Turnstile siteverify gave no verdict', FailoverException)
/** Turnstile: siteverify refused the secret key (`missing-input-secret`, `invalid-input-secret`), or the URL answered no verdict. */
const TurnstileConfigurationError = exceptionClass('TurnstileConfigurationError',
  'Turnstile refused the configuration: check the secret key and siteverifyUrl')
/** hCaptcha: siteverify gave no verdict, even after the retries. */
const HCaptchaUnavailableError = exceptionClass('HCaptchaUnavailableError',
  'hCaptcha siteverify gave no verdict', FailoverException)
/** hCaptcha: siteverify refused the secret key or the sitekey, or the URL answered no verdict. */
const HCaptchaConfigurationError = exceptionClass('HCaptchaConfigurationError',
  'hCaptcha refused the configuration: check the secret key, the sitekey and siteverifyUrl')

/** reCAPTCHA Enterprise: no assessment came, even after the retries. */
const RecaptchaEnterpriseUnavailableError = exceptionClass('RecaptchaEnterpriseUnavailableError',
  'reCAPTCHA Enterprise gave no assessment', FailoverException)
/** reCAPTCHA Enterprise: Google refused the API key, the project or the site key (a 4xx), or the endpoint is wrong. */
const RecaptchaEnterpriseConfigurationError = exceptionClass('RecaptchaEnterpriseConfigurationError',
  'reCAPTCHA Enterprise refused the request: check apiKey, projectId, siteKey and endpoint')

/** Native error kinds (`errorKinds()`) and the classes they become. */
const ERROR_CLASSES = {
  ApiKeyInvalid: ApiKeyInvalidException,
  VerificationTokenInvalid: VerificationTokenInvalidException,
  VerificationNotFound: VerificationNotFoundException,
  VerificationNotFinished: VerificationNotFinishedException,
  VerificationResultExpired: VerificationResultExpiredException,
  VerificationResultRetrievalLimitReached: VerificationResultRetrievalLimitReachedException,
  ClientReportedServerUnreachable: ClientReportedServerUnreachableException,
  ServerUnreachable: ServerUnreachableException,
  UnexpectedStatus: Error,
  InvalidArgument: TypeError,
  OperationFailed: Error,
  RecaptchaRejected: RecaptchaError,
  RecaptchaUnavailable: RecaptchaUnavailableError,
  PlaytchaRejected: PlaytchaError,
  PlaytchaUnavailable: PlaytchaUnavailableError,
  TurnstileMisconfigured: TurnstileConfigurationError,
  TurnstileUnavailable: TurnstileUnavailableError,
  HcaptchaMisconfigured: HCaptchaConfigurationError,
  HcaptchaUnavailable: HCaptchaUnavailableError,
  RecaptchaEnterpriseMisconfigured: RecaptchaEnterpriseConfigurationError,
  RecaptchaEnterpriseUnavailable: RecaptchaEnterpriseUnavailableError
}
// A kind native code reports with no class here would surface as a bare Error: refuse to load.
for (const kind of nativeBinding.errorKinds()) {
  if (!Object.hasOwn(ERROR_CLASSES, kind)) throw new Error(`captcha-native: native error kind ${kind} has no class (lib/errors.js)`)
}
const NATIVE_ERROR_MARKER = 'captcha-native:'

/** The standard classes an error of another realm is remade as, by its name. */
const STANDARD_CLASSES = { Error, TypeError, RangeError, SyntaxError, ReferenceError }

/** The data of an error native code reported, or undefined for any other value. */
function nativeErrorData (error) {
  if (!isError(error)) return undefined
  const { message } = error
  if (typeof message !== 'string' || !message.startsWith(NATIVE_ERROR_MARKER)) return undefined
  try {
    return JSON.parse(message.slice(NATIVE_ERROR_MARKER.length))
  } catch {
    return { kind: 'OperationFailed', message: 'captcha-native reported an error it could not describe' }
  }
}

/**
 * Turns an error that native code reported into its JavaScript class, made in this realm. Any
 * other error of another realm (one napi made itself) is remade in this one, by its name.
 */
function fromNative (error) {
  const data = nativeErrorData(error)
  if (data === undefined) {
    if (!isError(error) || error instanceof Error) return error
    const Standard = Object.hasOwn(STANDARD_CLASSES, error.name) ? STANDARD_CLASSES[error.name] : Error
    const remade = new Standard(String(error.message), error.cause === undefined ? undefined : { cause: fromNative(error.cause) })
    if (error.code !== undefined) remade.code = error.code
    Error.captureStackTrace(remade, fromNative)
    return remade
  }
  return fromData(data, fromNative)
}

/**
 * The error of its class for native code's data, made in this realm; `fields` is an object or
 * its JSON text. `caller` is left out of the stack.
 */
function fromData (data, caller = fromData) {
  const Class = Object.hasOwn(ERROR_CLASSES, data.kind) ? ERROR_CLASSES[data.kind] : Error
  const options = data.detail ? { cause: new Error(data.detail) } : undefined
  const converted = new Class(data.message ?? undefined, options)
  if (data.status !== undefined && data.status !== null) converted.status = data.status
  const fields = typeof data.fields === 'string' ? JSON.parse(data.fields) : data.fields
  // Names are chosen by native code (statusCode, errorCodes, requestId...), never by a server.
  for (const [name, value] of Object.entries(fields || {})) {
    if (name !== '__proto__') converted[name] = value
  }
  Error.captureStackTrace(converted, caller)
  return converted
}

/**
 * A native Promise, rejecting with its error's class: one reaction (`then`), not an async
 * function of its own, on every verification's path.
 */
function awaitNative (promise) {
  return promise.then(undefined, rethrowNative)
}

function rethrowNative (error) {
  throw fromNative(error)
}

/** Runs a synchronous native call, rethrowing its errors as their classes. */
function callNative (call) {
  try {
    return call()
  } catch (error) {
    throw fromNative(error)
  }
}

module.exports = {
  ApiKeyInvalidException,
  VerificationTokenInvalidException,
  VerificationNotFoundException,
  VerificationNotFinishedException,
  VerificationResultExpiredException,
  VerificationResultRetrievalLimitReachedException,
  FailoverException,
  ServerUnreachableException,
  ClientReportedServerUnreachableException,
  RecaptchaError,
  RecaptchaUnavailableError,
  PlaytchaError,
  PlaytchaUnavailableError,
  TurnstileUnavailableError,
  TurnstileConfigurationError,
  HCaptchaUnavailableError,
  HCaptchaConfigurationError,
  RecaptchaEnterpriseUnavailableError,
  RecaptchaEnterpriseConfigurationError,
  fromNative,
  fromData,
  awaitNative,
  callNative
}
