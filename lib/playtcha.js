'use strict'
// Playtcha: its server contract, as a class of the TrustCaptcha class's shape.

const nativeBinding = require('../binding.js')
const { awaitNative, callNative } = require('./errors.js')
const { checkOptions, PLAYTCHA_OPTIONS } = require('./options.js')

class Playtcha {
  #native

  constructor (options) {
    const checked = checkOptions(PLAYTCHA_OPTIONS, options)
    checked.failClosed ??= process.env.PLAYTCHA_FAIL_CLOSED === '1'
    this.#native = callNative(() => new nativeBinding.NativePlaytcha(checked))
  }

  /** Verifies a token with the default options; throws at once for an empty secret. */
  static verify (secret, token) {
    return new Playtcha({ secret }).verify(token)
  }

  /** Verifies the `playtcha-token` form field. */
  async verify (token) {
    return JSON.parse(await awaitNative(this.#native.verify(typeof token === 'string' ? token : null)))
  }
}

module.exports = { Playtcha }
