'use strict'
// reCAPTCHA: `authorize`, a drop-in for Wix's wix-captcha-backend.

const nativeBinding = require('../binding.js')
const { awaitNative } = require('./errors.js')
const { authorizeOptions, bare } = require('./options.js')
const { settle } = require('./outcome.js')

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
  return settle(await awaitNative(nativeBinding.recaptchaAuthorize(tokenArgument, bare(merged))), authorized)
}

/** What `authorize` resolves when the token passed. */
function authorized () {
  return { success: true }
}

module.exports = { authorize, configureRecaptcha }
