'use strict'
// `captcha-native/wix`: the drop-in for wix-captcha-backend (`authorize`), alone.
// One `exports.Name =` line per name, so that ESM `import { ... }` finds them (cjs-module-lexer).
const lib = require('../index.js')

exports.authorize = lib.authorize
exports.configureRecaptcha = lib.configureRecaptcha
exports.RecaptchaError = lib.RecaptchaError
exports.RecaptchaUnavailableError = lib.RecaptchaUnavailableError
exports.FailoverException = lib.FailoverException
// `import wixCaptcha from 'captcha-native/wix'; wixCaptcha.authorize(token)`, from TypeScript too.
Object.defineProperty(module.exports, 'default', { value: module.exports })
