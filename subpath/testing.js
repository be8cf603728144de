'use strict'
// `captcha-native/testing`: what a test suite needs, the local emulator of every provider.
const { Emulator } = require('../index.js')

module.exports = { Emulator }
