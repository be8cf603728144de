'use strict'
// `captcha-native/trustcaptcha`: the drop-in for @trustcomponent/trustcaptcha-nodejs, alone.
// One `exports.Name =` line per name, so that ESM `import { ... }` finds them (cjs-module-lexer).
const lib = require('../index.js')

exports.TrustCaptcha = lib.TrustCaptcha
exports.VerificationResult = lib.VerificationResult
exports.VerificationToken = lib.VerificationToken
exports.ApiKeyInvalidException = lib.ApiKeyInvalidException
exports.VerificationTokenInvalidException = lib.VerificationTokenInvalidException
exports.VerificationNotFoundException = lib.VerificationNotFoundException
exports.VerificationNotFinishedException = lib.VerificationNotFinishedException
exports.VerificationResultExpiredException = lib.VerificationResultExpiredException
exports.VerificationResultRetrievalLimitReachedException = lib.VerificationResultRetrievalLimitReachedException
exports.FailoverException = lib.FailoverException
exports.ServerUnreachableException = lib.ServerUnreachableException
exports.ClientReportedServerUnreachableException = lib.ClientReportedServerUnreachableException
