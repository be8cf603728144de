'use strict'
// The siteverify providers: Cloudflare Turnstile, hCaptcha and reCAPTCHA's `Recaptcha` class, one
// shape on one native engine (crates/core/src/siteverify). Each resolves the provider's verdict in
// camelCase (a refusal too, with `success: false` and its codes), and rejects only when there is no
// verdict (a `FailoverException`) or the configuration is wrong.

const nativeBinding = require('../binding.js')
const { awaitNative, callNative } = require('./errors.js')
const { bare, checkOptions, isChecked } = require('./options.js')
const { settle, parsedValue } = require('./outcome.js')

/** The options of every siteverify client's constructor. */
const SITEVERIFY_OPTIONS = Object.freeze({
  secret: 'secret', siteverifyUrl: 'string', timeoutMs: 'ms', retries: 'number', proxy: 'proxy', ca: 'ca'
})

/** The options of each provider's `verify(token, options)`. */
const VERIFY_OPTIONS = Object.freeze({
  turnstile: Object.freeze({
    remoteip: 'string', idempotencyKey: 'string', expectedAction: 'string', expectedHostname: 'hostnames'
  }),
  hcaptcha: Object.freeze({
    remoteip: 'string', sitekey: 'string', expectedHostname: 'hostnames', maxScore: 'number'
  }),
  recaptcha: Object.freeze({
    remoteip: 'string',
    expectedAction: 'string',
    minScore: 'number',
    expectedHostname: 'hostnames',
    expectedApkPackageName: 'string',
    maxAgeMs: 'number'
  })
})

/** Refuses a name `kinds` does not have (a typo such as `remoteIp`): a TypeError naming them all. */
function refuseUnknown (kinds, options, where) {
  for (const name of Object.keys(options)) {
    if (!Object.hasOwn(kinds, name)) {
      throw new TypeError(`unknown option ${where}${name}; the options are ${Object.keys(kinds).join(', ')}`)
    }
  }
}

/** `options` checked against `kinds`, unknown names refused. */
function knownOptions (kinds, options, where) {
  if (options === undefined || options === null) return {}
  // The middleware's, checked when it was made: passed again on every request.
  if (isChecked(options)) return options
  if (typeof options !== 'object') throw new TypeError(`${where} must be an object`)
  refuseUnknown(kinds, options, `${where}.`)
  const checked = checkOptions(kinds, options, `${where}.`)
  if (checked.expectedHostname !== undefined && checked.expectedHostname.length === 0) {
    throw new TypeError(`${where}.expectedHostname must be a non-empty string or a non-empty list of them`)
  }
  return checked
}

/** Native clients kept per configuration by a shortcut that takes one per call. */
const MAX_CACHED_CLIENTS = 16

/** The native client of `provider` for `config` (checked options). */
function nativeClient (provider, config) {
  return callNative(() => new nativeBinding.NativeSiteverify(provider, bare(config)))
}

/**
 * The client kept in `cache` (a Map; the oldest is forgotten past MAX_CACHED_CLIENTS) under
 * `key`, made by `make` the first time: the shortcuts that take a secret per call (the static
 * `verify`, the hcaptcha package's `verify`) do not build a client per call.
 */
function cachedClient (cache, key, make) {
  let client = cache.get(key)
  if (client === undefined) {
    client = make()
    if (cache.size >= MAX_CACHED_CLIENTS) cache.delete(cache.keys().next().value)
    cache.set(key, client)
  }
  return client
}

/** Verifies `token` with a native client and `options` of `kinds`: the verdict, or the error thrown. */
async function verifyWith (native, kinds, token, options) {
  const call = knownOptions(kinds, options, 'options')
  return settle(await awaitNative(native.verify(typeof token === 'string' ? token : null, bare(call))), parsedValue)
}

/**
 * A siteverify client class for `provider`, named `name`: `new Name({ secret, ... })`,
 * `name.verify(token, options?)` and the static `Name.verify(secret, token, options?)`.
 */
function siteverifyClass (provider, name) {
  const verifyKinds = VERIFY_OPTIONS[provider]
  /** The static shortcut's clients, by configuration. */
  const shortcutClients = new Map()
  const checkedConfig = (options) => {
    if (options === null || typeof options !== 'object') throw new TypeError(`${name} options must be an object`)
    refuseUnknown(SITEVERIFY_OPTIONS, options, '')
    return checkOptions(SITEVERIFY_OPTIONS, options)
  }
  const Client = class {
    #native

    constructor (options) {
      const checked = checkedConfig(options)
      this.#native = nativeClient(provider, checked)
    }

    /**
     * Verifies one token. `options` takes the constructor's options (`siteverifyUrl`,
     * `timeoutMs`...) besides `verify`'s. Its client is built once per configuration and kept,
     * and shares the connection pool of an instance configured alike.
     */
    static async verify (secret, token, options) {
      const config = { secret }
      const call = {}
      if (options !== undefined && options !== null) {
        if (typeof options !== 'object') throw new TypeError('options must be an object')
        for (const [key, value] of Object.entries(options)) {
          if (key === 'secret') throw new TypeError('give the secret as the first argument')
          if (Object.hasOwn(SITEVERIFY_OPTIONS, key)) config[key] = value
          else call[key] = value
        }
      }
      // An async function: whatever throws (a getter, a Proxy) rejects, never throws at once.
      const checked = checkedConfig(config)
      // Keyed by the configuration's JSON: checkOptions writes keys in one order.
      const client = cachedClient(shortcutClients, JSON.stringify(checked), () => nativeClient(provider, checked))
      return verifyWith(client, verifyKinds, token, call)
    }

    /**
     * Verifies the widget's token. Resolves the verdict (`success` true, or false with
     * `errorCodes`); rejects when no verdict came or the configuration is wrong.
     */
    async verify (token, options) {
      return verifyWith(this.#native, verifyKinds, token, options)
    }
  }
  Object.defineProperty(Client, 'name', { value: name })
  return Client
}

/** Cloudflare Turnstile: every call carries an idempotency key, so a retry never burns the token. */
const Turnstile = siteverifyClass('turnstile', 'Turnstile')
/** hCaptcha, with Enterprise's `score` and `scoreReason` passed through. */
const HCaptcha = siteverifyClass('hcaptcha', 'HCaptcha')
/** Google reCAPTCHA v2, v3 and Android, with the checks of Google's PHP library. */
const Recaptcha = siteverifyClass('recaptcha', 'Recaptcha')

module.exports = { Turnstile, HCaptcha, Recaptcha, SITEVERIFY_OPTIONS, VERIFY_OPTIONS, knownOptions, refuseUnknown, cachedClient, nativeClient }
