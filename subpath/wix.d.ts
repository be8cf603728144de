// `captcha-native/wix`: the drop-in for wix-captcha-backend (`authorize`), alone.
import { authorize, configureRecaptcha } from '../index'

export {
  authorize,
  configureRecaptcha,
  AuthorizeOptions,
  SuccessReport,
  ErrorReport,
  RecaptchaError,
  RecaptchaErrorCode,
  RecaptchaUnavailableError,
  FailoverException,
  ProxyConfig,
} from '../index'

/** `import wixCaptcha from 'captcha-native/wix'`, as `import wixCaptcha from 'wix-captcha-backend'`. */
declare const wixCaptcha: { authorize: typeof authorize; configureRecaptcha: typeof configureRecaptcha }
export default wixCaptcha
