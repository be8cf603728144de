'use strict'
// `captcha-native/koa`: Koa middleware (lib/koa.js).
// One `exports.Name =` line per name, so that ESM `import { ... }` finds them (cjs-module-lexer).
const lib = require('../lib/koa.js')

exports.captcha = lib.captcha
exports.CaptchaConfigurationError = lib.CaptchaConfigurationError
