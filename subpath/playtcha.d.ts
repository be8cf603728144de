// `captcha-native/playtcha`: the Playtcha client, alone.
export {
  Playtcha,
  PlaytchaOptions,
  PlaytchaResult,
  PlaytchaVerifiedResult,
  PlaytchaFailedOpenResult,
  PlaytchaUnavailableReason,
  PlaytchaError,
  PlaytchaErrorCode,
  PlaytchaUnavailableError,
  FailoverException,
  ProxyConfig,
} from '../index'
