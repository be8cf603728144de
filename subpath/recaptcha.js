'use strict'
// `captcha-native/recaptcha`: the reCAPTCHA client (the `Recaptcha` class; Wix's `authorize` is
// `captcha-native/wix`), alone.
// One `exports.Name =` line per name, so that ESM `import { ... }` finds them (cjs-module-lexer).
const lib = require('../index.js')

exports.Recaptcha = lib.Recaptcha
exports.RecaptchaError = lib.RecaptchaError
exports.RecaptchaUnavailableError = lib.RecaptchaUnavailableError
exports.FailoverException = lib.FailoverException
