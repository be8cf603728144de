// `captcha-native/testing`: the local emulator of every provider, for test suites.
export {
  Emulator,
  EmulatorOptions,
  EmulatorCredentials,
  EmulatorProvider,
  EmulatorStats,
  EmulatorRequest,
  EmulatorClaims,
  FaultRule,
  TrustCaptchaClaims,
  SwetrixClaims,
  RecaptchaClaims,
  PlaytchaClaims,
} from '../index'
