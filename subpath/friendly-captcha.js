'use strict'
// `captcha-native/friendly-captcha`: the drop-in for `@friendlycaptcha/server-sdk`, alone.
// One `exports.Name =` line per name, so that ESM `import { ... }` finds them (cjs-module-lexer).
const lib = require('../index.js')

exports.FriendlyCaptchaClient = lib.FriendlyCaptchaClient
exports.VerifyResult = lib.VerifyResult
exports.RiskIntelligenceRetrieveResult = lib.RiskIntelligenceRetrieveResult
exports.FAILED_TO_ENCODE_ERROR_CODE = lib.FAILED_TO_ENCODE_ERROR_CODE
exports.REQUEST_FAILED_ERROR_CODE = lib.REQUEST_FAILED_ERROR_CODE
exports.REQUEST_FAILED_TIMEOUT_ERROR_CODE = lib.REQUEST_FAILED_TIMEOUT_ERROR_CODE
exports.FAILED_DUE_TO_CLIENT_ERROR_CODE = lib.FAILED_DUE_TO_CLIENT_ERROR_CODE
exports.FAILED_TO_DECODE_RESPONSE_ERROR_CODE = lib.FAILED_TO_DECODE_RESPONSE_ERROR_CODE
