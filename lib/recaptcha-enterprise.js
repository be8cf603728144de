'use strict'
// reCAPTCHA Enterprise: `createAssessment` (and `annotate`) over REST with an API key, on native
// code (crates/core/src/recaptcha_enterprise.rs). `assess` resolves our verdict (a refusal too,
// with `passed: false` and its codes), and rejects only when there is no assessment (a
// `FailoverException`) or the configuration is wrong.

const nativeBinding = require('../binding.js')
const { awaitNative, callNative } = require('./errors.js')
const { bare, checkOptions } = require('./options.js')
const { settle, parsedValue } = require('./outcome.js')
const { knownOptions, refuseUnknown } = require('./siteverify.js')

/** The options of the constructor. */
const RECAPTCHA_ENTERPRISE_OPTIONS = Object.freeze({
  projectId: 'secret',
  apiKey: 'secret',
  siteKey: 'secret',
  endpoint: 'string',
  timeoutMs: 'ms',
  retries: 'number',
  proxy: 'proxy',
  ca: 'ca'
})

/** The options of `assess(token, options)`. */
const ASSESS_OPTIONS = Object.freeze({
  expectedAction: 'string',
  userIpAddress: 'string',
  userAgent: 'string',
  requestedUri: 'string',
  minScore: 'number',
  expectedHostname: 'hostnames'
})

/** The options of `annotate(name, annotation, options)`. */
const ANNOTATE_OPTIONS = Object.freeze({ reasons: 'strings' })

/** A reCAPTCHA Enterprise client: build one with its configuration and share it. */
class RecaptchaEnterprise {
  #native

  constructor (options) {
    if (options === null || typeof options !== 'object') throw new TypeError('RecaptchaEnterprise options must be an object')
    refuseUnknown(RECAPTCHA_ENTERPRISE_OPTIONS, options, '')
    const checked = checkOptions(RECAPTCHA_ENTERPRISE_OPTIONS, options)
    this.#native = callNative(() => new nativeBinding.NativeRecaptchaEnterprise(bare(checked)))
  }

  /**
   * Creates an assessment of the widget's token. Resolves the verdict (`passed` true, or false
   * with `errorCodes`); rejects when no assessment came or the configuration is wrong.
   */
  async assess (token, options) {
    const call = knownOptions(ASSESS_OPTIONS, options, 'options')
    return settle(await awaitNative(this.#native.assess(typeof token === 'string' ? token : null, bare(call))), parsedValue)
  }

  /**
   * Annotates an assessment (its `name`, as `assess` resolved it) as `LEGITIMATE`, `FRAUDULENT`,
   * `PASSWORD_CORRECT` or `PASSWORD_INCORRECT`, with Google's `reasons`. Resolves `{}`.
   */
  async annotate (name, annotation, options) {
    if (typeof name !== 'string') throw new TypeError('name must be a string')
    if (typeof annotation !== 'string') throw new TypeError('annotation must be a string')
    const { reasons = [] } = knownOptions(ANNOTATE_OPTIONS, options, 'options')
    return settle(await awaitNative(this.#native.annotate(name, annotation, reasons)), parsedValue)
  }
}

module.exports = { RecaptchaEnterprise, RECAPTCHA_ENTERPRISE_OPTIONS, ASSESS_OPTIONS }
