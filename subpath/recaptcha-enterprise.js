'use strict'
// `captcha-native/recaptcha-enterprise`: the reCAPTCHA Enterprise client, alone.
// One `exports.Name =` line per name, so that ESM `import { ... }` finds them (cjs-module-lexer).
const lib = require('../index.js')

exports.RecaptchaEnterprise = lib.RecaptchaEnterprise
exports.RecaptchaEnterpriseUnavailableError = lib.RecaptchaEnterpriseUnavailableError
exports.RecaptchaEnterpriseConfigurationError = lib.RecaptchaEnterpriseConfigurationError
exports.FailoverException = lib.FailoverException
