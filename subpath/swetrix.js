'use strict'
// `captcha-native/swetrix`: the drop-in for @swetrix/captcha-validator, alone.
const { validateToken, isProviderUnavailable } = require('../index.js')

module.exports = { validateToken, isProviderUnavailable }
