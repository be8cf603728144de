'use strict'
// `captcha-native/turnstile`: the Cloudflare Turnstile client, alone.
// One `exports.Name =` line per name, so that ESM `import { ... }` finds them (cjs-module-lexer).
const lib = require('../index.js')

exports.Turnstile = lib.Turnstile
exports.TurnstileUnavailableError = lib.TurnstileUnavailableError
exports.TurnstileConfigurationError = lib.TurnstileConfigurationError
exports.FailoverException = lib.FailoverException
