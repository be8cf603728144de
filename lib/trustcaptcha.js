'use strict'
// TrustCaptcha: the shape of @trustcomponent/trustcaptcha-nodejs v3 (static shortcut, configured
// constructor, its exception family in lib/errors.js).

const nativeBinding = require('../binding.js')
const { awaitNative, callNative } = require('./errors.js')
const { branded } = require('./realm.js')
const { bare, checkOptions, TRUSTCAPTCHA_OPTIONS } = require('./options.js')
const { settle } = require('./outcome.js')

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

/** The SDK's result of an outcome that resolves. */
function resultOf (outcome) {
  return new VerificationResult(JSON.parse(outcome.value))
}

// Immutable by construction: the configuration lives in a private native object that nothing can
// reach or change. The instance itself is not frozen, so test doubles (sinon, jest.spyOn) work.
class TrustCaptcha {
  #native

  constructor (options) {
    const checked = checkOptions(TRUSTCAPTCHA_OPTIONS, options)
    this.#native = callNative(() => new nativeBinding.NativeTrustCaptcha(bare(checked)))
  }

  /** Fetches a verification result with the default options; throws at once for an empty key. */
  static getVerificationResult (apiKey, token) {
    return new TrustCaptcha({ apiKey }).getVerificationResult(token)
  }

  async getVerificationResult (token) {
    const outcome = await awaitNative(this.#native.verify(typeof token === 'string' ? token : null))
    // The result crosses as JSON text: one JSON.parse is far cheaper than 20 N-API writes.
    return settle(outcome, resultOf)
  }
}

module.exports = { TrustCaptcha, VerificationResult, VerificationToken }
