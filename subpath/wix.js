'use strict'
// `captcha-native/wix`: the drop-in for wix-captcha-backend (`authorize`), alone.
// Exported by name, not computed, so that ESM `import { ... }` finds the names (cjs-module-lexer).
const { authorize, configureRecaptcha, RecaptchaError, RecaptchaUnavailableError, FailoverException } = require('../index.js')

module.exports = { authorize, configureRecaptcha, RecaptchaError, RecaptchaUnavailableError, FailoverException }
// `import wixCaptcha from 'captcha-native/wix'; wixCaptcha.authorize(token)`, from TypeScript too.
Object.defineProperty(module.exports, 'default', { value: module.exports })
