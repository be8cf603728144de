'use strict'
// `captcha-native/testing`: what a test suite needs, the local emulator of every provider.
// One `exports.Name =` line per name, so that ESM `import { ... }` finds them (cjs-module-lexer).
const lib = require('../index.js')

exports.Emulator = lib.Emulator
