'use strict'
// `captcha-native/playtcha`: the Playtcha client, alone.
// One `exports.Name =` line per name, so that ESM `import { ... }` finds them (cjs-module-lexer).
const lib = require('../index.js')

exports.Playtcha = lib.Playtcha
exports.PlaytchaError = lib.PlaytchaError
exports.PlaytchaUnavailableError = lib.PlaytchaUnavailableError
exports.FailoverException = lib.FailoverException
