'use strict'
// `captcha-native/swetrix`: the drop-in for @swetrix/captcha-validator, alone.
// One `exports.Name =` line per name, so that ESM `import { ... }` finds them (cjs-module-lexer).
const lib = require('../index.js')

exports.validateToken = lib.validateToken
exports.isProviderUnavailable = lib.isProviderUnavailable
