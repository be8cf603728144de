'use strict'
// `captcha-native/next`: the Next.js App Router's route handlers and server actions (lib/next.js).
// One `exports.Name =` line per name, so that ESM `import { ... }` finds them (cjs-module-lexer).
const lib = require('../lib/next.js')

exports.withCaptcha = lib.withCaptcha
exports.verifyCaptcha = lib.verifyCaptcha
exports.verifyCaptchaForm = lib.verifyCaptchaForm
exports.CaptchaConfigurationError = lib.CaptchaConfigurationError
