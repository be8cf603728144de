'use strict'
// `captcha-native/hono`: Hono middleware (lib/hono.js).
// One `exports.Name =` line per name, so that ESM `import { ... }` finds them (cjs-module-lexer).
const lib = require('../lib/hono.js')

exports.captcha = lib.captcha
exports.CaptchaConfigurationError = lib.CaptchaConfigurationError
