'use strict'
// `captcha-native/trustcaptcha`: the drop-in for @trustcomponent/trustcaptcha-nodejs, alone.
// Exported by name, not computed, so that ESM `import { ... }` finds the names (cjs-module-lexer).
const {
  TrustCaptcha,
  VerificationResult,
  VerificationToken,
  ApiKeyInvalidException,
  VerificationTokenInvalidException,
  VerificationNotFoundException,
  VerificationNotFinishedException,
  VerificationResultExpiredException,
  VerificationResultRetrievalLimitReachedException,
  FailoverException,
  ServerUnreachableException,
  ClientReportedServerUnreachableException
} = require('../index.js')

module.exports = {
  TrustCaptcha,
  VerificationResult,
  VerificationToken,
  ApiKeyInvalidException,
  VerificationTokenInvalidException,
  VerificationNotFoundException,
  VerificationNotFinishedException,
  VerificationResultExpiredException,
  VerificationResultRetrievalLimitReachedException,
  FailoverException,
  ServerUnreachableException,
  ClientReportedServerUnreachableException
}
