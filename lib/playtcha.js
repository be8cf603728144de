'use strict'
// Playtcha: its server contract, as a class of the TrustCaptcha class's shape.

const nativeBinding = require('../binding.js')
const { awaitNative, callNative } = require('./errors.js')
const { bare, checkOptions, PLAYTCHA_OPTIONS } = require('./options.js')
const { settle, parsedValue } = require('./outcome.js')

class Playtcha {
  #native

  constructor (options) {
    const checked = checkOptions(PLAYTCHA_OPTIONS, options)
    checked.failClosed ??= process.env.PLAYTCHA_FAIL_CLOSED === '1'
    this.#native = callNative(() => new nativeBinding.NativePlaytcha(bare(checked)))
  }

  /** Verifies a token with the default options; throws at once for an empty secret. */
  static verify (secret, token) {
    return new Playtcha({ secret }).verify(token)
  }

  /** Verifies the `playtcha-token` form field. */
  async verify (token) {
    return settle(await awaitNative(this.#native.verify(typeof token === 'string' ? token : null)), parsedValue)
  }
}

module.exports = { Playtcha }
