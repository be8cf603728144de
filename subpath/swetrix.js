'use strict'
// `captcha-native/swetrix`: the drop-in for @swetrix/captcha-validator, alone.
// Exported by name, not computed, so that ESM `import { ... }` finds the names (cjs-module-lexer).
const { validateToken, isProviderUnavailable } = require('../index.js')

module.exports = { validateToken, isProviderUnavailable }
