'use strict'
// `captcha-native/testing`: what a test suite needs, the local emulator of every provider.
// Exported by name, not computed, so that ESM `import { ... }` finds the names (cjs-module-lexer).
const { Emulator } = require('../index.js')

module.exports = { Emulator }
