'use strict'
// `captcha-native/wix`: the drop-in for wix-captcha-backend (`authorize`), alone.
const { authorize, configureRecaptcha, RecaptchaError, RecaptchaUnavailableError, FailoverException } = require('../index.js')

module.exports = { authorize, configureRecaptcha, RecaptchaError, RecaptchaUnavailableError, FailoverException }
// `import wixCaptcha from 'captcha-native/wix'; wixCaptcha.authorize(token)`, from TypeScript too.
Object.defineProperty(module.exports, 'default', { value: module.exports })
