// `captcha-native/trustcaptcha`: the drop-in for @trustcomponent/trustcaptcha-nodejs, alone.
export {
  TrustCaptcha,
  TrustCaptchaOptions,
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
  ProxyConfig,
} from '../index'
