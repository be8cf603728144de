'use strict'
// `captcha-native/hcaptcha`: the hCaptcha client, and `verify`, the drop-in for the `hcaptcha`
// npm package (`require('hcaptcha')` becomes `require('captcha-native/hcaptcha')`).
// One `exports.Name =` line per name, so that ESM `import { ... }` finds them (cjs-module-lexer).
const lib = require('../index.js')
const dropIn = require('../lib/hcaptcha.js')

exports.verify = dropIn.verify
exports.configureHcaptcha = lib.configureHcaptcha
exports.HCaptcha = lib.HCaptcha
exports.HCaptchaUnavailableError = lib.HCaptchaUnavailableError
exports.HCaptchaConfigurationError = lib.HCaptchaConfigurationError
exports.FailoverException = lib.FailoverException
