// `captcha-native/turnstile`: the Cloudflare Turnstile client, alone.
export {
  Turnstile,
  TurnstileVerifyOptions,
  TurnstileVerdict,
  TurnstileErrorCode,
  TurnstileUnavailableError,
  TurnstileConfigurationError,
  SiteverifyOptions,
  SiteverifyCheckCode,
  FailoverException,
  ProxyConfig,
} from '../index'
