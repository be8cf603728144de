'use strict'
// `captcha-native/middleware`: a route protected in one line (lib/middleware.js).
// One `exports.Name =` line per name, so that ESM `import { ... }` finds them (cjs-module-lexer).
const lib = require('../lib/middleware.js')

exports.requireCaptcha = lib.requireCaptcha
exports.verifyRequest = lib.verifyRequest
exports.TOKEN_FIELDS = lib.TOKEN_FIELDS
exports.CaptchaConfigurationError = lib.CaptchaConfigurationError
exports.FriendlyCaptchaConfigurationError = lib.FriendlyCaptchaConfigurationError
