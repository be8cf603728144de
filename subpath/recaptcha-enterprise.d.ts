// `captcha-native/recaptcha-enterprise`: the reCAPTCHA Enterprise client, alone.
export {
  RecaptchaEnterprise,
  RecaptchaEnterpriseOptions,
  RecaptchaEnterpriseAssessOptions,
  RecaptchaEnterpriseAnnotateOptions,
  RecaptchaEnterpriseVerdict,
  RecaptchaEnterpriseErrorCode,
  RecaptchaEnterpriseTokenProperties,
  RecaptchaEnterpriseInvalidReason,
  RecaptchaEnterpriseAnnotation,
  RecaptchaEnterpriseUnavailableError,
  RecaptchaEnterpriseConfigurationError,
  FailoverException,
  ProxyConfig,
} from '../index'
