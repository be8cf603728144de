'use strict'
// `captcha-native/playtcha`: the Playtcha client, alone.
const { Playtcha, PlaytchaError, PlaytchaUnavailableError, FailoverException } = require('../index.js')

module.exports = { Playtcha, PlaytchaError, PlaytchaUnavailableError, FailoverException }
