'use strict'
// One question for every provider: was the provider unavailable?

const { FailoverException } = require('./errors.js')
const { isError } = require('./realm.js')

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

module.exports = { isProviderUnavailable }
