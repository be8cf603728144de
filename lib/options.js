'use strict'
// Internal: not an entry point (package.json "exports" does not list it). The option checks that
// the facades and the middleware share, and each provider's option names, written once here.

const nativeBinding = require('../binding.js')
const { isUint8Array, utf8 } = require('./realm.js')

function optionalString (value, name) {
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'string') throw new TypeError(`${name} must be a string`)
  return value
}

function optionalNumber (value, name) {
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'number') throw new TypeError(`${name} must be a number of milliseconds`)
  return value
}

/**
 * A required credential (an API key, a secret): a missing or empty one is an `Error`, one that is
 * not a string a `TypeError`.
 */
function requiredSecret (value, name) {
  if (!value) throw new Error(`${name} must not be null or empty`)
  if (typeof value !== 'string') throw new TypeError(`${name} must be a string`)
  if (!value.trim()) throw new Error(`${name} must not be null or empty`)
  return value
}

/** Checks an axios-style proxy option: undefined (environment), false (none) or an object. */
function proxyOption (proxy) {
  if (proxy === false) return false
  if (proxy === undefined || proxy === null) return undefined
  if (typeof proxy !== 'object') throw new TypeError('proxy must be an object, false or undefined')
  const port = typeof proxy.port === 'string' && /^\d+$/.test(proxy.port) ? Number(proxy.port) : proxy.port
  if (typeof proxy.host !== 'string') throw new TypeError('proxy.host must be a string')
  if (typeof port !== 'number') throw new TypeError('proxy.port must be a number')
  const checked = { host: proxy.host, port, protocol: optionalString(proxy.protocol, 'proxy.protocol') }
  if (proxy.auth !== undefined && proxy.auth !== null) {
    const { username, password } = proxy.auth
    if (typeof username !== 'string' || typeof password !== 'string') {
      throw new TypeError('proxy.auth must have a string username and password')
    }
    checked.auth = { username, password }
  }
  return checked
}

/**
 * Checks the `ca` option: certificate authorities (PEM) trusted besides the system's roots, as
 * for a corporate TLS proxy. A string or Buffer, or an array of them; undefined for none.
 */
function caOption (ca) {
  if (ca === undefined || ca === null) return undefined
  const list = Array.isArray(ca) ? ca : [ca]
  return list.map((pem) => {
    if (typeof pem === 'string') return pem
    if (isUint8Array(pem)) return utf8(pem) // a Buffer of any realm (Jest's fs.readFileSync is the main realm's)
    throw new TypeError('ca must be a PEM string or Buffer, or an array of them')
  })
}

function hostnamesOption (value, name) {
  const names = typeof value === 'string' ? [value] : value
  if (!Array.isArray(names) || !names.every((n) => typeof n === 'string')) {
    throw new TypeError(`${name} must be a string or an array of strings`)
  }
  return [...names]
}

/** Each kind of option: its check, given the value (never undefined or null) and its name. */
const KINDS = {
  string: (value, name) => {
    if (typeof value !== 'string') throw new TypeError(`${name} must be a string`)
    return value
  },
  number: (value, name) => {
    if (typeof value !== 'number') throw new TypeError(`${name} must be a number`)
    return value
  },
  boolean: (value, name) => {
    if (typeof value !== 'boolean') throw new TypeError(`${name} must be a boolean`)
    return value
  },
  strings: (value, name) => {
    if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) throw new TypeError(`${name} must be an array of strings`)
    return [...value]
  },
  ms: optionalNumber,
  hostnames: hostnamesOption,
  proxy: proxyOption,
  ca: caOption
}

// Each provider's options and their kinds, in one place: the keys are the option names (the
// middleware takes these, besides its own). A `secret` is required; the others may be left out.
// Ranges (a timeout above 0, a URL, a port) are checked by the native code.

const TRUSTCAPTCHA_OPTIONS = Object.freeze({
  apiKey: 'secret', apiHost: 'string', connectTimeoutMs: 'ms', readTimeoutMs: 'ms', proxy: 'proxy', ca: 'ca'
})
/** The options of `validateToken` (its fourth argument). */
const SWETRIX_OPTIONS = Object.freeze({ timeoutMs: 'ms', proxy: 'proxy', ca: 'ca' })
const AUTHORIZE_OPTIONS = Object.freeze({
  secretKey: 'string',
  remoteIp: 'string',
  siteverifyUrl: 'string',
  timeoutMs: 'number',
  retries: 'number',
  retryDelayMs: 'number',
  expectedHostname: 'hostnames',
  expectedAction: 'string',
  minScore: 'number',
  proxy: 'proxy',
  ca: 'ca'
})
const PLAYTCHA_OPTIONS = Object.freeze({
  secret: 'secret', apiHost: 'string', timeoutMs: 'ms', failClosed: 'boolean', proxy: 'proxy', ca: 'ca'
})
/** `FriendlyCaptchaClient`'s options (its `apiKey` checked first, with the SDK's message). */
const FRIENDLY_CAPTCHA_OPTIONS = Object.freeze({
  apiKey: 'string',
  sitekey: 'string',
  apiEndpoint: 'string',
  siteverifyEndpoint: 'string',
  strict: 'boolean',
  proxy: 'proxy',
  ca: 'ca'
})

/**
 * Type-checks `options` against a provider's list, keeping only the options that are set.
 * `prefix` goes before the name in messages (`'options.'`); the proxy's and ca's have none.
 */
function checkOptions (kinds, options, prefix = '') {
  const checked = {}
  for (const name in kinds) {
    const kind = kinds[name]
    // Own properties only: an option set on Object.prototype (a polluted prototype) must not
    // send the secret to another siteverifyUrl or apiHost.
    const value = options !== null && typeof options === 'object' && Object.hasOwn(options, name) ? options[name] : undefined
    if (kind === 'secret') {
      checked[name] = requiredSecret(value, name)
    } else if (value !== undefined && value !== null) {
      checked[name] = KINDS[kind](value, prefix + name)
    }
  }
  return checked
}

/**
 * Checked options that the middleware passes again on every request: `authorize` and
 * `validateToken` take them as they are instead of checking them again. Frozen; never a user's.
 */
const checkedOptions = new WeakSet()

/** Whether `options` is a checked object `markChecked` marked. */
function isChecked (options) {
  return checkedOptions.has(options)
}

function markChecked (options) {
  checkedOptions.add(Object.freeze(options))
  return options
}

function objectOrNothing (options, where) {
  if (options !== undefined && options !== null && typeof options !== 'object') {
    throw new TypeError(`${where} must be an object`)
  }
}

/** The options of `authorize` and `configureRecaptcha`, checked, keeping only those that are set. */
function authorizeOptions (options, where) {
  if (checkedOptions.has(options)) return options
  objectOrNothing(options, where)
  return checkOptions(AUTHORIZE_OPTIONS, options, `${where}.`)
}

/** The options of `validateToken`, checked, keeping only those that are set. */
function swetrixOptions (options, prefix = 'options.') {
  if (checkedOptions.has(options)) return options
  objectOrNothing(options, 'options')
  return checkOptions(SWETRIX_OPTIONS, options, prefix)
}

/**
 * `value` as native code must be handed it: every plain object copied onto a null prototype.
 * napi reads an object's fields through its prototype chain, so an option left out would be
 * read from a polluted `Object.prototype` (`siteverifyUrl`, `apiHost`, `proxy.auth`...).
 */
function bare (value) {
  if (Array.isArray(value)) return value.map(bare)
  if (value === null || typeof value !== 'object' || Object.getPrototypeOf(value) !== Object.prototype) return value
  const copy = Object.create(null)
  for (const name of Object.keys(value)) copy[name] = bare(value[name])
  return copy
}

/** Each provider's facts (name, token field, default deadline), from native code. */
const PROVIDER_FACTS = Object.freeze(Object.fromEntries(
  nativeBinding.providers().map((facts) => [facts.name, Object.freeze(facts)])
))
/** The providers, by the names the middleware and the emulator take. */
const PROVIDERS = Object.freeze(Object.keys(PROVIDER_FACTS))

module.exports = {
  bare,
  PROVIDERS,
  PROVIDER_FACTS,
  requiredSecret,
  checkOptions,
  authorizeOptions,
  markChecked,
  isChecked,
  swetrixOptions,
  TRUSTCAPTCHA_OPTIONS,
  SWETRIX_OPTIONS,
  AUTHORIZE_OPTIONS,
  PLAYTCHA_OPTIONS,
  FRIENDLY_CAPTCHA_OPTIONS
}
