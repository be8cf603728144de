'use strict'
// `captcha-native/playtcha`: the Playtcha client, alone.
// Exported by name, not computed, so that ESM `import { ... }` finds the names (cjs-module-lexer).
const { Playtcha, PlaytchaError, PlaytchaUnavailableError, FailoverException } = require('../index.js')

module.exports = { Playtcha, PlaytchaError, PlaytchaUnavailableError, FailoverException }
