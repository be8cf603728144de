'use strict'
// The public face of captcha-native: a list of re-exports. Each provider's facade is a file of
// lib/ (see CONTRIBUTING.md, "The layout"); native code does the work (binding.js).

const {
  ApiKeyInvalidException, VerificationTokenInvalidException, VerificationNotFoundException,
  VerificationNotFinishedException, VerificationResultExpiredException,
  VerificationResultRetrievalLimitReachedException, FailoverException, ServerUnreachableException,
  ClientReportedServerUnreachableException, RecaptchaError, RecaptchaUnavailableError, PlaytchaError,
  PlaytchaUnavailableError, TurnstileUnavailableError, TurnstileConfigurationError, HCaptchaUnavailableError,
  HCaptchaConfigurationError, RecaptchaEnterpriseUnavailableError, RecaptchaEnterpriseConfigurationError
} = require('./lib/errors.js')
const { TrustCaptcha, VerificationResult, VerificationToken } = require('./lib/trustcaptcha.js')
const { validateToken } = require('./lib/swetrix.js')
const { authorize, configureRecaptcha } = require('./lib/recaptcha.js')
const { Playtcha } = require('./lib/playtcha.js')
const { Turnstile, HCaptcha, Recaptcha } = require('./lib/siteverify.js')
const { configureHcaptcha } = require('./lib/hcaptcha.js')
const { RecaptchaEnterprise } = require('./lib/recaptcha-enterprise.js')
const { isProviderUnavailable } = require('./lib/outcome.js')
const { Emulator } = require('./lib/emulator.js')

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
  ClientReportedServerUnreachableException,
  validateToken,
  authorize,
  configureRecaptcha,
  RecaptchaError,
  RecaptchaUnavailableError,
  Playtcha,
  PlaytchaError,
  PlaytchaUnavailableError,
  Turnstile,
  TurnstileUnavailableError,
  TurnstileConfigurationError,
  HCaptcha,
  HCaptchaUnavailableError,
  HCaptchaConfigurationError,
  configureHcaptcha,
  Recaptcha,
  RecaptchaEnterprise,
  RecaptchaEnterpriseUnavailableError,
  RecaptchaEnterpriseConfigurationError,
  // The SDK's whole surface, as lib/friendlycaptcha.js lists it (cjs-module-lexer reads a spread
  // `require` as a re-export, so ESM `import { VerifyResult }` finds each name).
  ...require('./lib/friendlycaptcha.js'),
  isProviderUnavailable,
  Emulator
}
// `import wixCaptcha from 'captcha-native'; wixCaptcha.authorize(token)`, from TypeScript too.
Object.defineProperty(module.exports, 'default', { value: module.exports })
