// `captcha-native/recaptcha`: the reCAPTCHA client (the `Recaptcha` class), alone.
export {
  Recaptcha,
  RecaptchaVerifyOptions,
  RecaptchaVerdict,
  RecaptchaError,
  RecaptchaUnavailableError,
  SiteverifyOptions,
  SiteverifyCheckCode,
  SiteverifyErrorCode,
  FailoverException,
  ProxyConfig,
} from '../index'
