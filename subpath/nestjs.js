'use strict'
// `captcha-native/nestjs`: a NestJS guard, its module and its parameter decorator (lib/nestjs.js).
// One `exports.Name =` line per name, so that ESM `import { ... }` finds them (cjs-module-lexer).
const lib = require('../lib/nestjs.js')

exports.CaptchaGuard = lib.CaptchaGuard
exports.Captcha = lib.Captcha
exports.CaptchaOutcome = lib.CaptchaOutcome
exports.CaptchaModule = lib.CaptchaModule
exports.CAPTCHA_OPTIONS = lib.CAPTCHA_OPTIONS
exports.CaptchaConfigurationError = lib.CaptchaConfigurationError
