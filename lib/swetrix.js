'use strict'
// Swetrix: `validateToken`, a drop-in for @swetrix/captcha-validator. It never rejects.

const nativeBinding = require('../binding.js')
const { fromNative } = require('./errors.js')
const { bare, swetrixOptions } = require('./options.js')
const { mark, settle } = require('./outcome.js')

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
    if (!value) return mark([false, 'CAPTCHA token is missing'], 'refused', 'token_missing')
    const url = `${apiURL || SWETRIX_DEFAULT_URL}/validate`
    // The package's own serialisation: an undefined secret is left out, key order kept.
    const body = JSON.stringify({ token: value, secret })
    const { timeoutMs, proxy, ca } = swetrixOptions(options)
    // The secret goes along (when a string) only to be cut out of any server text quoted back.
    outcome = await nativeBinding.swetrixValidate(url, body, typeof secret === 'string' ? secret : undefined, timeoutMs, bare(proxy), ca)
  } catch (caught) {
    // The package's text for a request it could not make, from native code; a TypeError is ours
    // (a bad option, a value that cannot be sent): a misconfiguration.
    const error = fromNative(caught)
    return settle(nativeBinding.swetrixRequestNotMade(errorText(error), error instanceof TypeError), tupleOf)
  }
  return settle(outcome, tupleOf)
}

/** The package's tuple of an outcome: `[true, data]` or `[false, message]`. */
function tupleOf (outcome) {
  return [outcome.kind === 'verified', outcome.value === undefined || outcome.value === null ? undefined : JSON.parse(outcome.value)]
}

module.exports = { validateToken }
