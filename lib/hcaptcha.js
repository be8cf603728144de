'use strict'
// hCaptcha's drop-in: `verify(secret, token, remoteip?, sitekey?)` of the `hcaptcha` npm package
// (vastus/node-hcaptcha), resolving the provider's JSON as it does, and `configureHcaptcha`.

const { awaitNative } = require('./errors.js')
const { bare, checkOptions } = require('./options.js')
const { settle, parsedValue } = require('./outcome.js')
const { SITEVERIFY_OPTIONS, refuseUnknown, cachedClient, nativeClient } = require('./siteverify.js')

/** `configureHcaptcha`'s options: the constructor's, without the secret (each call gives it). */
const CONFIGURE_OPTIONS = Object.freeze(Object.fromEntries(
  Object.entries(SITEVERIFY_OPTIONS).filter(([name]) => name !== 'secret')
))
let defaults = Object.freeze({})
/** The native clients of the current defaults, per secret (`cachedClient`). */
let clients = new Map()

/**
 * Sets the endpoint, deadline, retries, proxy and `ca` that `verify` uses (as `configureRecaptcha`
 * does for `authorize`). Each call replaces the previous configuration; `configureHcaptcha()`
 * clears it.
 */
function configureHcaptcha (options) {
  if (options !== undefined && options !== null && typeof options !== 'object') {
    throw new TypeError('configureHcaptcha options must be an object')
  }
  refuseUnknown(CONFIGURE_OPTIONS, options ?? {}, '')
  const checked = Object.freeze(checkOptions(CONFIGURE_OPTIONS, options))
  // Built now, so a bad URL or proxy throws here, not on the first verification.
  const fresh = new Map()
  clientFor('', checked, fresh)
  defaults = checked
  clients = fresh
}

/** The client for `secret` under `config`: the configuration is fixed per cache, so the secret is the key. */
function clientFor (secret, config = defaults, cache = clients) {
  return cachedClient(cache, secret, () => nativeClient('hcaptcha', { ...config, secret, wire: true }))
}

/** An optional argument of the original: sent when truthy, as it does; a string if given. */
function optionalText (value, name) {
  if (!value) return undefined
  if (typeof value !== 'string') throw new TypeError(`${name} must be a string`)
  return value
}

/**
 * Verifies an hCaptcha token. Resolves siteverify's JSON as the `hcaptcha` package does
 * (`success`, `challenge_ts`, `hostname`, `credit`, `error-codes`, `score`, `score_reason`), a
 * refused secret included; rejects an `HCaptchaUnavailableError` when no verdict came.
 */
async function verify (secret, token, remoteip = null, sitekey = null) {
  if (secret !== undefined && secret !== null && typeof secret !== 'string') throw new TypeError('secret must be a string')
  const call = { remoteip: optionalText(remoteip, 'remoteip'), sitekey: optionalText(sitekey, 'sitekey') }
  // The original sends `response=` for a missing token (siteverify: missing-input-response).
  const tokenArgument = typeof token === 'string' ? token : token === undefined || token === null ? '' : null
  const client = clientFor(secret ?? '')
  return settle(await awaitNative(client.verify(tokenArgument, bare(call))), parsedValue)
}

module.exports = { verify, configureHcaptcha }
