'use strict'
// The local emulator of every provider's verification API, with fault injection.

const nativeBinding = require('../binding.js')
const { awaitNative, callNative } = require('./errors.js')
const { adopt } = require('./realm.js')
const { PROVIDERS } = require('./options.js')

/** `value` and everything in it frozen, so that no caller can change what every caller shares. */
function deepFreeze (value) {
  if (value !== null && typeof value === 'object') {
    for (const item of Object.values(value)) deepFreeze(item)
    Object.freeze(value)
  }
  return value
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|::1|\[::1\])$/i
const CONSTRUCT = Symbol('Emulator.start')

/**
 * The JSON of the emulator's options, claims and fault rules. `JSON.stringify` alone would turn
 * NaN and the infinities into null and leave functions and symbols out, so a value of the wrong
 * type would pass for one not given (`{ port: NaN }` as any free port, `{ times: NaN }` as every
 * request): those are TypeErrors, as native code gives for any other wrong type.
 */
function emulatorJson (value, subject) {
  return JSON.stringify(value, (key, item) => {
    const type = typeof item
    if ((type === 'number' && !Number.isFinite(item)) || type === 'function' || type === 'symbol' || type === 'bigint') {
      const kind = type === 'number' ? String(item) : `a ${type}`
      const name = key.length > 64 ? `${key.slice(0, 64)}...` : key
      throw new TypeError(key === '' ? `${subject} cannot be ${kind}` : `invalid ${subject}: \`${name}\` cannot be ${kind}`)
    }
    return item
  })
}

/** A local emulator of the providers' verification APIs, with fault injection. */
class Emulator {
  #native

  constructor (key, nativeEmulator) {
    if (key !== CONSTRUCT) throw new TypeError('use Emulator.start() to start an emulator')
    this.#native = nativeEmulator
  }

  static async start (options = {}) {
    if (options === null || typeof options !== 'object') throw new TypeError('options must be an object')
    if (typeof nativeBinding.startEmulator !== 'function') {
      throw new Error('this build of captcha-native has no emulator: it was built without the `emulator` feature (the published package has it)')
    }
    const nativeEmulator = await awaitNative(nativeBinding.startEmulator(emulatorJson(options, 'emulator options')))
    // Only a string can have been accepted as a host (null is the default, loopback).
    if (typeof options.host === 'string' && !LOOPBACK.test(options.host)) {
      process.emitWarning(`the captcha-native emulator listens on ${nativeEmulator.url}, which other machines may reach`)
    }
    return new Emulator(CONSTRUCT, nativeEmulator)
  }

  /** The base URL, e.g. `http://127.0.0.1:41234`: use it as the provider's API host. */
  get url () { return this.#native.url }

  /** The credentials the emulator accepts. */
  get credentials () { return adopt(this.#native.credentials) }

  /**
   * With `tls: true`, the PEM certificate of the authority that signed the emulator's own (made
   * at start): pass it as a provider's `ca` option to trust it. `undefined` without TLS.
   */
  get certificate () { return this.#native.certificate ?? undefined }

  /** A fresh valid token for `provider`, carrying `claims`. */
  issue (provider, claims) {
    if (typeof provider !== 'string') throw new TypeError('provider must be a string')
    // The provider is named only when it is one (native code refuses any other).
    const subject = PROVIDERS.includes(provider) ? `${provider} claims` : 'claims'
    return callNative(() => this.#native.issue(provider, claims === undefined ? null : emulatorJson(claims, subject)))
  }

  /** Injects a failure: `{ provider?, times?, kind, ... }`. */
  fault (rule) {
    if (rule === null || typeof rule !== 'object') throw new TypeError('a fault rule must be an object')
    callNative(() => this.#native.fault(emulatorJson(rule, 'fault rule')))
  }

  clearFaults () { this.#native.clearFaults() }

  /** Moves the emulator's clock forward (expiry) without sleeping. */
  advanceTime (ms) {
    if (typeof ms !== 'number') throw new TypeError('ms must be a number')
    callNative(() => this.#native.advanceTime(ms))
  }

  stats () { return adopt(this.#native.stats()) }

  requests () { return adopt(this.#native.requests()) }

  clearRequests () { this.#native.clearRequests() }

  /** A URL on this machine where connecting never succeeds: for connect timeouts. */
  async blackholeUrl () { return awaitNative(this.#native.blackholeUrl()) }

  /**
   * The URL of `provider`'s emulated widget script (served by this emulator), for a page's
   * `<script src>` in tests in place of the provider's own script.
   */
  widgetUrl (provider) {
    if (!PROVIDERS.includes(provider)) {
      throw new TypeError(`provider must be one of ${PROVIDERS.join(', ')}`)
    }
    return `${this.url}/widget/${provider}.js`
  }

  async close () { return awaitNative(this.#native.close()) }
}

// The default credentials and the providers' test identities, each with what it answers, from
// native code (`captcha_emulator::identities`) as JSON: parsed in this realm and frozen. A build
// without the emulator has none.
Object.defineProperty(Emulator, 'identities', {
  value: typeof nativeBinding.emulatorIdentities === 'function' ? deepFreeze(JSON.parse(nativeBinding.emulatorIdentities())) : undefined,
  enumerable: true
})

module.exports = { Emulator }
