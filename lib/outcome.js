'use strict'
// Internal. The one place where a verification's native outcome becomes its SDK's shape, and
// the one question every provider answers the same way: was the provider unavailable?
//
// Native code resolves `{ kind, code?, value?, error? }` for every provider (crates/napi/src/
// outcome.rs): the kind (`verified`, `refused`, `unavailable`, `misconfigured`) is decided there,
// once. What the SDK resolves (built from `value`) or throws (made from `error`) carries that
// kind under a `Symbol.for` key, so `isProviderUnavailable`, the middleware and any other copy of
// this package in any realm read the kind, never a message. The property is not enumerable:
// `deepStrictEqual`, `toStrictEqual`, `JSON.stringify` and `util.inspect` do not see it.

const nativeBinding = require('../binding.js')
const {
  FailoverException, ClientReportedServerUnreachableException, VerificationTokenInvalidException,
  VerificationNotFoundException, VerificationNotFinishedException, VerificationResultExpiredException,
  VerificationResultRetrievalLimitReachedException, RecaptchaError, PlaytchaError, TurnstileConfigurationError,
  HCaptchaConfigurationError, RecaptchaEnterpriseConfigurationError, fromData
} = require('./errors.js')
const { isError } = require('./realm.js')

const OUTCOME = Symbol.for('captcha-native.outcome')
/** The four kinds, as native code names them. */
const KINDS = new Set(Object.values(nativeBinding.OutcomeKind))
/** TrustCaptcha's exceptions that are a verdict against the token. */
const REFUSALS = [
  VerificationTokenInvalidException, VerificationNotFoundException, VerificationNotFinishedException,
  VerificationResultExpiredException, VerificationResultRetrievalLimitReachedException,
  // The browser claims an outage the gateway never saw: anyone can claim that, so it is a refusal.
  ClientReportedServerUnreachableException
]
/** The errors that say the configuration was refused (the secret, the key, the endpoint). */
const MISCONFIGURATIONS = [TurnstileConfigurationError, HCaptchaConfigurationError, RecaptchaEnterpriseConfigurationError]
/** Playtcha's codes that say our request or secret is wrong, not the token (native code's list). */
const PLAYTCHA_MISCONFIGURED = new Set(nativeBinding.playtchaMisconfiguredCodes())

/**
 * The property descriptor of each kind and code seen, with its frozen `{ kind, code? }`, made
 * once: verifications repeat a few dozen of them, and the hot path allocates nothing for it.
 */
const descriptors = new Map()

function descriptorOf (kind, code) {
  const key = code === undefined || code === null ? kind : `${kind}:${code}`
  let made = descriptors.get(key)
  if (made === undefined) {
    const value = Object.freeze(code === undefined || code === null ? { kind } : { kind, code })
    made = Object.freeze({ value, configurable: true })
    // Codes are native code's words; the bound only guards against a surprise.
    if (descriptors.size < 1024) descriptors.set(key, made)
  }
  return made
}

/** Gives `value` (an object) its outcome, `{ kind, code? }`, under the non-enumerable key. */
function mark (value, kind, code) {
  Object.defineProperty(value, OUTCOME, descriptorOf(kind, code))
  return value
}

/**
 * The outcome `value` carries, `{ kind, code? }`, or undefined for a value no verification of
 * this package (any copy, any realm) produced. Never throws, even for a hostile Proxy.
 */
function outcomeOf (value) {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return undefined
  try {
    const outcome = Object.getOwnPropertyDescriptor(value, OUTCOME)?.value
    return outcome !== null && typeof outcome === 'object' && KINDS.has(outcome.kind) ? outcome : undefined
  } catch {
    return undefined
  }
}

/**
 * The SDK's shape of a native outcome: `build(outcome)` when it resolves, else its error thrown;
 * either way marked with its kind.
 */
function settle (outcome, build) {
  // A verified outcome with nothing else to say crosses as its value's JSON text alone
  // (crates/napi/src/completion.rs, `crossing`).
  if (typeof outcome === 'string') return mark(build({ kind: 'verified', value: outcome }), 'verified')
  if (outcome.error !== undefined && outcome.error !== null) {
    throw mark(fromData(outcome.error, settle), outcome.kind, outcome.code)
  }
  return mark(build(outcome), outcome.kind, outcome.code)
}

/** What an outcome resolves, as most providers' SDKs resolve it: its value's JSON, parsed. */
function parsedValue (outcome) {
  return JSON.parse(outcome.value)
}

/**
 * The kind of `value`: the one a verification marked it with, or, for a value none marked (a
 * copy made with a spread or `structuredClone`, a test double's, another version's), what the
 * SDKs' own data says of it: the exception family, a 5xx `status`, a failed-open result. Never a
 * message. Undefined when nothing says (a resolved value of no known shape, a tuple).
 */
function kindOf (value) {
  const marked = outcomeOf(value)
  if (marked !== undefined) return marked.kind
  if (isError(value)) {
    if (REFUSALS.some((Refusal) => value instanceof Refusal)) return 'refused'
    if (value instanceof FailoverException) return 'unavailable'
    if (typeof value.status === 'number' && value.status >= 500) return 'unavailable'
    if (MISCONFIGURATIONS.some((Misconfiguration) => value instanceof Misconfiguration)) return 'misconfigured'
    if (value instanceof RecaptchaError) return value.statusCode === 400 ? 'refused' : 'misconfigured'
    if (value instanceof PlaytchaError) return PLAYTCHA_MISCONFIGURED.has(value.code) ? 'misconfigured' : 'refused'
    return undefined
  }
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && safeGet(value, 'failedOpen') === true) return 'unavailable'
  return undefined
}

/** `value[name]`, or undefined when reading it throws (a hostile Proxy, a throwing getter). */
function safeGet (value, name) {
  try {
    return value[name]
  } catch {
    return undefined
  }
}

/**
 * True when `outcome` means "the provider could not be asked", whichever provider it came from:
 * any `FailoverException` (the SDKs' own family: TrustCaptcha, reCAPTCHA, Playtcha with
 * failClosed), or anything of kind `unavailable` (an error for a provider's 5xx, a Playtcha
 * result that failed open, a Swetrix `[false, message]` that got no verdict: that one only as
 * `validateToken` resolved it, since only its mark says so).
 */
function isProviderUnavailable (outcome) {
  // Holds in any realm and for any installed copy of this package (lib/realm.js).
  if (outcome instanceof FailoverException) return true
  return kindOf(outcome) === 'unavailable'
}

module.exports = { outcomeOf, kindOf, settle, parsedValue, mark, safeGet, isProviderUnavailable }
