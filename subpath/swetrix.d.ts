// `captcha-native/swetrix`: the drop-in for @swetrix/captcha-validator, alone.
export {
  validateToken,
  isProviderUnavailable,
  SwetrixOptions,
  SwetrixValidationData,
  SwetrixValidationResult,
  ProxyConfig,
} from '../index'
