// `captcha-native/hcaptcha`: the hCaptcha client, and `verify`, the drop-in for the `hcaptcha`
// npm package.
export {
  HCaptcha,
  HCaptchaVerifyOptions,
  HCaptchaVerdict,
  HCaptchaErrorCode,
  HCaptchaUnavailableError,
  HCaptchaConfigurationError,
  HCaptchaConfiguration,
  configureHcaptcha,
  SiteverifyOptions,
  FailoverException,
  ProxyConfig,
} from '../index'

/** siteverify's answer as sent, wire names included: the `hcaptcha` package's `VerifyResponse`. */
export interface VerifyResponse {
  success: boolean
  challenge_ts?: string
  credit?: boolean
  hostname?: string
  'error-codes'?: string[]
  /** Enterprise: the risk score, 0 (safe) to 1 (a bot). */
  score?: number
  score_reason?: string[]
  [field: string]: unknown
}

/**
 * Verifies an hCaptcha token, as the `hcaptcha` package's `verify` does: resolves siteverify's
 * JSON (a refusal, and a refused secret, resolve with `success: false`). `remoteip` and `sitekey`
 * are sent when given. Rejects an `HCaptchaUnavailableError` when no verdict came after the
 * retries (`configureHcaptcha`).
 */
export function verify(secret: string, token: string, remoteip?: string | null, sitekey?: string | null): Promise<VerifyResponse>
