// Types of captcha-native's public face (index.js). The generated binding.d.ts types the
// internal native layer and is not part of the public API.

// ---------------------------------------------------------------------------------------------
// Shared

/** A proxy, in the shape of axios' `proxy` option. */
export interface ProxyConfig {
  host: string
  port: number
  /** `'http'` (default) or `'https'`: how to talk to the proxy itself. */
  protocol?: string
  auth?: { username: string; password: string }
}

// ---------------------------------------------------------------------------------------------
// TrustCaptcha: drop-in for @trustcomponent/trustcaptcha-nodejs v3

export interface TrustCaptchaOptions {
  apiKey: string
  /** Default `'https://api.trustcomponent.com'`. */
  apiHost?: string
  /** Time allowed to open a connection. Default 3000. */
  connectTimeoutMs?: number
  /** A deadline on the whole request, from the call to the last byte. Default 5000. */
  readTimeoutMs?: number
  /** `undefined`: honour HTTP(S)_PROXY / NO_PROXY; `false`: never a proxy. */
  proxy?: ProxyConfig | false
  /**
   * Certificate authorities (PEM) trusted besides the system's roots, e.g. a corporate TLS
   * proxy's: a string or Buffer, or an array of them.
   */
  ca?: string | Buffer | Array<string | Buffer>
}

export class TrustCaptcha {
  /** @throws Error `apiKey must not be null or empty` when the key is missing or empty. */
  constructor(options: TrustCaptchaOptions)
  /** Fetches a result with the default options. Throws at once for an empty key. */
  static getVerificationResult(apiKey: string, token: string): Promise<VerificationResult>
  getVerificationResult(token: string): Promise<VerificationResult>
}

/** The result of a verification. A field the API did not send is `undefined`. */
export class VerificationResult {
  constructor(data?: Partial<VerificationResult>)
  captchaId: string
  verificationId: string
  verificationPassed: boolean
  score: number
  decisionType: string
  decisionAction: string
  gatewayFailoverActive: boolean
  riskScoringEnabled: boolean
  minimalDataModeEnabled: boolean
  origin: string
  ipAddress: string
  countryCode: string
  deviceFamily: string
  operatingSystem: string
  browser: string
  verificationStartedAt: string
  verificationFinishedAt: string
  resultExpiresAt: string
  resultFirstFetchedAt: string
  resultLastFetchedAt: string
}

/** The decoded content of a widget's verification token. */
export class VerificationToken {
  constructor(verificationId: string, expiresAt?: string, clientFailover?: boolean)
  verificationId: string
  expiresAt?: string
  clientFailover: boolean
}

/** The API key was refused (HTTP 403). */
export class ApiKeyInvalidException extends Error {
  constructor(message?: string, options?: { cause?: unknown })
  /** The HTTP status, when the exception came from an answer. */
  status?: number
}
/** The token is not base64 JSON, lacks its verification id, or the id is not a UUID. */
export class VerificationTokenInvalidException extends Error {
  constructor(message?: string, options?: { cause?: unknown })
  status?: number
}
/** No verification for this token (HTTP 404). */
export class VerificationNotFoundException extends Error {
  constructor(message?: string, options?: { cause?: unknown })
  status?: number
}
/** The user has not finished the captcha (HTTP 423). */
export class VerificationNotFinishedException extends Error {
  constructor(message?: string, options?: { cause?: unknown })
  status?: number
}
/** The result can no longer be fetched (HTTP 410). */
export class VerificationResultExpiredException extends Error {
  constructor(message?: string, options?: { cause?: unknown })
  status?: number
}
/** The result was fetched as often as allowed (HTTP 429). */
export class VerificationResultRetrievalLimitReachedException extends Error {
  constructor(message?: string, options?: { cause?: unknown })
  status?: number
}
/** The parent of the exceptions that mean "the provider may be down: apply your failover policy". */
export abstract class FailoverException extends Error {
  constructor(message?: string, options?: { cause?: unknown })
  status?: number
}
/**
 * No answer came: refused, reset, DNS failure, timeout, a bad `apiHost`, or a 2xx whose body is
 * not a JSON object. `cause` says what happened underneath.
 */
export class ServerUnreachableException extends FailoverException {}
/** The token claims a client-side failover the gateway has no record of (HTTP 412). */
export class ClientReportedServerUnreachableException extends FailoverException {}

// ---------------------------------------------------------------------------------------------
// Swetrix: drop-in for @swetrix/captcha-validator 1.0.0

/** Our addition to the package's three parameters. */
export interface SwetrixOptions {
  /** A deadline on the whole request. Default 10000 (the package has none). */
  timeoutMs?: number
  /** `undefined`: honour HTTP(S)_PROXY / NO_PROXY; `false`: never a proxy. */
  proxy?: ProxyConfig | false
  /**
   * Certificate authorities (PEM) trusted besides the system's roots, e.g. a corporate TLS
   * proxy's: a string or Buffer, or an array of them.
   */
  ca?: string | Buffer | Array<string | Buffer>
}

/**
 * The server's `data` on success, passed through untouched: `{ challenge, timestamp, pid }` from
 * the current API, `{ hash, timestamp, autoVerified, pid }` from older servers.
 */
export interface SwetrixValidationData {
  challenge?: string
  /** Milliseconds since the epoch. */
  timestamp?: number
  /** The project id. */
  pid?: string
  [key: string]: unknown
}

/**
 * `[true, data]`, or `[false, message]` with the package's texts: `'CAPTCHA token is missing'`,
 * `'CAPTCHA validation failed'`, `'Request failed with status code <N>: <body>'`,
 * `'Unable to parse JSON response: <body>'`, `'Unable to make API request, error: <error>'`.
 */
export type SwetrixValidationResult =
  | [status: true, data: SwetrixValidationData]
  | [status: false, message: string]

/**
 * Validates a Swetrix CAPTCHA token. Never rejects: every outcome, a network failure included,
 * resolves `[true, data]` or `[false, message]`; test `status` to narrow the second element.
 * @param token The token, or an object whose `token` is it (e.g. `req.body`); a missing one
 *   resolves `[false, 'CAPTCHA token is missing']` with no request.
 * @param secret The project's secret; `undefined` is left out of the request (the server refuses it).
 * @param apiURL Default `'https://api.swetrixcaptcha.com/v1/captcha'`; `/validate` is appended.
 */
export function validateToken(
  token: unknown,
  secret: string | undefined,
  apiURL?: string,
  options?: SwetrixOptions,
): Promise<SwetrixValidationResult>

// ---------------------------------------------------------------------------------------------
// reCAPTCHA: drop-in for Wix's wix-captcha-backend

/** What `authorize` resolves, as in wix-captcha-backend: always `{ success: true }`. */
export interface SuccessReport {
  success: boolean
}

/** Wix's error report; every `RecaptchaError` and `RecaptchaUnavailableError` is one. */
export interface ErrorReport {
  error: string
}

/**
 * An entry of `errorCodes`: Google's codes (passed through, so a new one may appear), then ours:
 * `hostname-mismatch`, `action-mismatch`, `score-threshold-not-met` (the optional checks),
 * `siteverify-unavailable` (no verdict), `siteverify-unexpected-status` (check `siteverifyUrl`).
 */
export type RecaptchaErrorCode =
  | 'missing-input-secret'
  | 'invalid-input-secret'
  | 'missing-input-response'
  | 'invalid-input-response'
  | 'bad-request'
  | 'timeout-or-duplicate'
  | 'hostname-mismatch'
  | 'action-mismatch'
  | 'score-threshold-not-met'
  | 'siteverify-unavailable'
  | 'siteverify-unexpected-status'
  | (string & {})

/** Options of `authorize` and `configureRecaptcha`; those given to `authorize` win. */
export interface AuthorizeOptions {
  /**
   * The site's secret key. Looked up here, then in `configureRecaptcha`, then in the environment
   * variable `RECAPTCHA_SECRET_KEY`; none at all rejects with status 500 and no request.
   */
  secretKey?: string
  /** The user's IP address, sent to Google as `remoteip`. */
  remoteIp?: string
  /** Default `'https://www.google.com/recaptcha/api/siteverify'`. */
  siteverifyUrl?: string
  /** A deadline on each attempt. Default 5000. */
  timeoutMs?: number
  /**
   * Further attempts, made only while no verdict came (429, 5xx, no answer, an unreadable body)
   * and never past the token's two-minute life. Default 10. A retry after a request that may
   * have reached Google can come back `timeout-or-duplicate`: tokens verify once.
   */
  retries?: number
  /** The pause between attempts (longer if `Retry-After` says so). Default 1000. */
  retryDelayMs?: number
  /** The hostnames (or Android package names) accepted, case-insensitive; else `hostname-mismatch`. */
  expectedHostname?: string | readonly string[]
  /** v3: the action expected, case-insensitive; else `action-mismatch`. */
  expectedAction?: string
  /** v3: the lowest score accepted, 0 to 1; else `score-threshold-not-met` (a v2 answer has no score). */
  minScore?: number
  /** `undefined`: honour HTTP(S)_PROXY / NO_PROXY; `false`: never a proxy. */
  proxy?: ProxyConfig | false
  /**
   * Certificate authorities (PEM) trusted besides the system's roots, e.g. a corporate TLS
   * proxy's: a string or Buffer, or an array of them.
   */
  ca?: string | Buffer | Array<string | Buffer>
}

/**
 * Checks a reCAPTCHA token with Google, as wix-captcha-backend's `authorize` did. Resolves
 * `{ success: true }`; otherwise rejects with a `RecaptchaError` (a verdict: 400 or 500) or a
 * `RecaptchaUnavailableError` (no verdict: 503), whose `message` is
 * `Request failed with status code <N>`. An option of the wrong type or range rejects with a
 * `TypeError`.
 */
export function authorize(token: string, options?: AuthorizeOptions): Promise<SuccessReport>

/**
 * Sets process-wide defaults for `authorize` (the secret key above all), as Wix's site settings
 * did. Each call replaces the previous one; `configureRecaptcha()` clears them.
 * @throws TypeError for an option of the wrong type.
 */
export function configureRecaptcha(options?: AuthorizeOptions): void

/**
 * `authorize` got a verdict against the token, or its configuration was refused.
 *
 * | `statusCode` | when |
 * |---|---|
 * | 400 | an empty or non-string token (no request); `missing-input-response`, `invalid-input-response`, `bad-request`, `timeout-or-duplicate`; our `hostname-mismatch`, `action-mismatch`, `score-threshold-not-met` |
 * | 500 | no secret (no request); `missing-input-secret`, `invalid-input-secret`; `siteverify-unexpected-status` |
 * | 503 | no verdict even after the retries: a `RecaptchaUnavailableError` instead |
 *
 * The fields are set on every rejection from `authorize`, not by the constructor.
 */
export class RecaptchaError extends Error implements ErrorReport {
  constructor(message?: string, options?: { cause?: unknown })
  /** The message again, so code that reads Wix's `ErrorReport` works. */
  error: string
  statusCode: 400 | 500
  /** Google's codes, or ours (every failed check is listed). */
  errorCodes: RecaptchaErrorCode[]
}

/**
 * `authorize` got no verdict (429, 5xx, no answer, an unreadable body), even after the retries:
 * status 503, `errorCodes` `['siteverify-unavailable']`. `cause` says what happened last.
 */
export class RecaptchaUnavailableError extends FailoverException implements ErrorReport {
  /** The message again, so code that reads Wix's `ErrorReport` works. */
  error: string
  statusCode: 503
  errorCodes: RecaptchaErrorCode[]
  /** The requests made, the first one included. */
  attempts: number
}

// ---------------------------------------------------------------------------------------------
// Playtcha: its server contract, as a class of the TrustCaptcha class's shape

export interface PlaytchaOptions {
  /** The project's secret, trimmed; a missing or empty one throws at once. */
  secret: string
  /** Default `'https://playtcha.com'`. */
  apiHost?: string
  /** A deadline on the whole request. Default 5000. */
  timeoutMs?: number
  /**
   * When the verifier is unavailable, reject with `PlaytchaUnavailableError` instead of failing
   * open. Default: `process.env.PLAYTCHA_FAIL_CLOSED === '1'`, read when the client is made.
   */
  failClosed?: boolean
  /** `undefined`: honour HTTP(S)_PROXY / NO_PROXY; `false`: never a proxy. */
  proxy?: ProxyConfig | false
  /**
   * Certificate authorities (PEM) trusted besides the system's roots, e.g. a corporate TLS
   * proxy's: a string or Buffer, or an array of them.
   */
  ca?: string | Buffer | Array<string | Buffer>
}

/**
 * Why the verifier counted as unavailable: a 5xx, no complete answer in time, no answer at all,
 * or a 2xx without `success: true` (or a body that cannot be read).
 */
export type PlaytchaUnavailableReason = 'server_error' | 'timeout' | 'network_error' | 'malformed_response'

/** Playtcha verified the token. */
export interface PlaytchaVerifiedResult {
  success: true
  failedOpen: false
  /** When the challenge was solved (ISO 8601). */
  challengeTs?: string
  hostname?: string
  /** Still verified: the project crossed a monthly usage band. Log `degradedReason`. */
  degraded?: boolean
  degradedReason?: string
  action?: string
  score?: number
  unavailableReason?: undefined
  status?: undefined
}

/** Not verified: the verifier was unavailable and the policy (fail open) let the request through. */
export interface PlaytchaFailedOpenResult {
  success: true
  failedOpen: true
  unavailableReason: PlaytchaUnavailableReason
  /** The HTTP status, when an answer came. */
  status?: number
  challengeTs?: undefined
  hostname?: undefined
  degraded?: undefined
  degradedReason?: undefined
  action?: undefined
  score?: undefined
}

/** What `verify` resolves; test `failedOpen` to tell a verification from an outage let through. */
export type PlaytchaResult = PlaytchaVerifiedResult | PlaytchaFailedOpenResult

/**
 * A `PlaytchaError`'s `code`: Playtcha's wire codes (passed through, so another may appear), then
 * ours: `token_missing` (empty or non-string token, no request), `token_invalid` (also a token too
 * long to be one, no request), `http_error` (a 4xx without Playtcha's envelope) and
 * `unexpected_redirect` (a 3xx: check `apiHost`).
 */
export type PlaytchaErrorCode =
  | 'invalid_json'
  | 'invalid_body'
  | 'token_invalid'
  | 'bad_secret'
  | 'unknown_project'
  | 'already_redeemed'
  | 'token_expired'
  | 'rate_limited_ip'
  | 'token_missing'
  | 'http_error'
  | 'unexpected_redirect'
  | (string & {})

/** A Playtcha client; create one and share it across requests. */
export class Playtcha {
  /** @throws Error `secret must not be null or empty`; TypeError for a wrong option. */
  constructor(options: PlaytchaOptions)
  /** Verifies a token with the default options. Throws at once for an empty secret. */
  static verify(secret: string, token: string): Promise<PlaytchaResult>
  /**
   * Verifies the `playtcha-token` form field, once: tokens are single use, so nothing is retried.
   * Rejects with `PlaytchaError` (fail closed) or, with `failClosed`, `PlaytchaUnavailableError`.
   */
  verify(token: string): Promise<PlaytchaResult>
}

/**
 * Playtcha refused the verification (a 4xx, or a 3xx), or the token was refused before any
 * request: fail closed. Upstream texts are for logs; none holds the secret. The fields are set on
 * every rejection from `verify`, not by the constructor.
 */
export class PlaytchaError extends Error {
  constructor(message?: string, options?: { cause?: unknown })
  code: PlaytchaErrorCode
  /** The HTTP status; absent for a token refused locally. */
  status?: number
  requestId?: string
  hint?: string
  host?: string
  /** Seconds, from the `Retry-After` of a 429: never retry sooner. */
  retryAfter?: number
}

/** The verifier was unavailable and `failClosed` is set. `cause` says what happened. */
export class PlaytchaUnavailableError extends FailoverException {
  reason: PlaytchaUnavailableReason
  /** The HTTP status of a 5xx or malformed 2xx; absent when no answer came. */
  status?: number
  /** Playtcha's code from a 5xx's envelope, e.g. `'db_error'`. */
  code?: string
  requestId?: string
}

// ---------------------------------------------------------------------------------------------
// The siteverify providers: Cloudflare Turnstile, hCaptcha and reCAPTCHA (the `Recaptcha` class)

/** The options of `new Turnstile(...)`, `new HCaptcha(...)` and `new Recaptcha(...)`. */
export interface SiteverifyOptions {
  /** The secret key, trimmed; a missing or empty one throws at once. */
  secret: string
  /** Default: the provider's siteverify (Turnstile's `https://challenges.cloudflare.com/turnstile/v0/siteverify`, hCaptcha's `https://api.hcaptcha.com/siteverify`, Google's `https://www.google.com/recaptcha/api/siteverify`). */
  siteverifyUrl?: string
  /** The deadline of each attempt, in milliseconds. Default 5000. */
  timeoutMs?: number
  /**
   * Attempts after the first while no verdict comes (a timeout, a 429, a 5xx, an unreadable
   * answer, Turnstile's `internal-error`), 200 ms apart and doubling, within the token's life.
   * Default 2.
   */
  retries?: number
  /** An explicit proxy, or `false` for none; by default `HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY` apply. */
  proxy?: ProxyConfig | false
  /** PEM certificate authorities trusted besides the system's (a corporate TLS proxy). */
  ca?: string | Buffer | Array<string | Buffer>
}

/**
 * Our codes, added to the provider's `errorCodes` by a check that failed (the codes of Google's
 * PHP library): the verdict then resolves `success: false`.
 */
export type SiteverifyCheckCode =
  | 'hostname-mismatch'
  | 'apk_package_name-mismatch'
  | 'action-mismatch'
  | 'score-threshold-not-met'
  | 'score-threshold-exceeded'
  | 'challenge-timeout'

/** Codes every siteverify provider may answer, and ours for a token refused before any request. */
export type SiteverifyErrorCode =
  | 'missing-input-secret'
  | 'invalid-input-secret'
  | 'missing-input-response'
  | 'invalid-input-response'
  | 'bad-request'
  | 'timeout-or-duplicate'
  | SiteverifyCheckCode

/** Turnstile's codes (Cloudflare's docs), and ours. */
export type TurnstileErrorCode = SiteverifyErrorCode | 'internal-error' | (string & {})

/** `turnstile.verify`'s options. */
export interface TurnstileVerifyOptions {
  /** The visitor's IP address. */
  remoteip?: string
  /**
   * A UUID for this redemption; a fresh one when left out. Every retry of the call sends the
   * same key, so it asks about the same redemption instead of burning the token. Give your own
   * to retry across calls (or processes) safely.
   */
  idempotencyKey?: string
  /** The widget's `action` must be this (case-insensitive), else `action-mismatch`. */
  expectedAction?: string
  /** The hostname must be this, or one of these (case-insensitive), else `hostname-mismatch`. */
  expectedHostname?: string | string[]
}

/** Turnstile's verdict, in camelCase. A refusal resolves too: `success: false` with its codes. */
export interface TurnstileVerdict {
  success: boolean
  /** When the challenge was solved (ISO 8601). */
  challengeTs?: string
  hostname?: string
  /** The widget's `data-action`. */
  action?: string
  /** The widget's `data-cdata`. */
  cdata?: string
  /** Cloudflare's `metadata` as sent, e.g. `{ ephemeral_id }` (Enterprise). */
  metadata?: Record<string, unknown>
  /** Cloudflare's codes, then ours; empty when it passed. */
  errorCodes: TurnstileErrorCode[]
  /** Any other field Cloudflare adds, renamed to camelCase. */
  [field: string]: unknown
}

/** A Cloudflare Turnstile client; create one and share it across requests. */
export class Turnstile {
  constructor(options: SiteverifyOptions)
  /**
   * Verifies a token with a client kept per configuration; `options` takes the constructor's options
   * besides `verify`'s.
   */
  static verify(
    secret: string,
    token: string,
    options?: TurnstileVerifyOptions & Omit<SiteverifyOptions, 'secret'>,
  ): Promise<TurnstileVerdict>
  /**
   * Verifies the widget's token (`cf-turnstile-response`). Resolves the verdict; a token over
   * 2,048 characters, empty or not a string resolves `success: false` with no request. Rejects a
   * `TurnstileUnavailableError` when no verdict came after the retries, a
   * `TurnstileConfigurationError` when Cloudflare refused the secret, a `TypeError` for an
   * unusable option.
   */
  verify(token: string, options?: TurnstileVerifyOptions): Promise<TurnstileVerdict>
}

/** Turnstile gave no verdict, even after the retries: apply your failover policy. */
export class TurnstileUnavailableError extends FailoverException {
  /** The requests made, the first one included. */
  attempts: number
}

/** Cloudflare refused the secret (`missing-input-secret`, `invalid-input-secret`), or `siteverifyUrl` answered no verdict. */
export class TurnstileConfigurationError extends Error {
  errorCodes: string[]
}

/** hCaptcha's codes (hCaptcha's docs), and ours. */
export type HCaptchaErrorCode =
  | SiteverifyErrorCode
  | 'expired-input-response'
  | 'already-seen-response'
  | 'invalid-or-already-seen-response'
  | 'missing-remoteip'
  | 'invalid-remoteip'
  | 'not-using-dummy-passcode'
  | 'sitekey-secret-mismatch'
  | (string & {})

/** `hcaptcha.verify`'s options. */
export interface HCaptchaVerifyOptions {
  /** The visitor's IP address. */
  remoteip?: string
  /** The sitekey you expect: hCaptcha refuses a token solved for another. */
  sitekey?: string
  /** The hostname must be this, or one of these (case-insensitive), else `hostname-mismatch`. */
  expectedHostname?: string | string[]
  /**
   * Enterprise: the risk score must be at most this (hCaptcha's score grows with the risk: 1 is a
   * bot), else `score-threshold-exceeded`.
   */
  maxScore?: number
}

/** hCaptcha's verdict, in camelCase. A refusal resolves too: `success: false` with its codes. */
export interface HCaptchaVerdict {
  success: boolean
  challengeTs?: string
  hostname?: string
  /** Deprecated by hCaptcha; passed through. */
  credit?: boolean
  /** Enterprise: the risk score, 0 (safe) to 1 (a bot). */
  score?: number
  /** Enterprise: why. */
  scoreReason?: string[]
  errorCodes: HCaptchaErrorCode[]
  [field: string]: unknown
}

/** An hCaptcha client; create one and share it across requests. */
export class HCaptcha {
  constructor(options: SiteverifyOptions)
  static verify(
    secret: string,
    token: string,
    options?: HCaptchaVerifyOptions & Omit<SiteverifyOptions, 'secret'>,
  ): Promise<HCaptchaVerdict>
  /**
   * Verifies the widget's token (`h-captcha-response`). Resolves the verdict; rejects an
   * `HCaptchaUnavailableError` when no verdict came, an `HCaptchaConfigurationError` when hCaptcha
   * refused the secret or the sitekey, a `TypeError` for an unusable option.
   */
  verify(token: string, options?: HCaptchaVerifyOptions): Promise<HCaptchaVerdict>
}

/** hCaptcha gave no verdict, even after the retries: apply your failover policy. */
export class HCaptchaUnavailableError extends FailoverException {
  attempts: number
}

/** hCaptcha refused the secret (`missing-input-secret`, `invalid-input-secret`, `missing-remoteip`), or `siteverifyUrl` answered no verdict. */
export class HCaptchaConfigurationError extends Error {
  errorCodes: string[]
}

/** The options `configureHcaptcha` sets for `verify` of `captcha-native/hcaptcha`. */
export type HCaptchaConfiguration = Omit<SiteverifyOptions, 'secret'>

/**
 * Sets the endpoint, deadline, retries, proxy and `ca` of `verify` (the `hcaptcha` package's
 * drop-in of `captcha-native/hcaptcha`). Each call replaces the previous configuration;
 * `configureHcaptcha()` clears it.
 */
export function configureHcaptcha(options?: HCaptchaConfiguration): void

/** `recaptcha.verify`'s options: the checks of Google's PHP library. */
export interface RecaptchaVerifyOptions {
  /** The visitor's IP address. */
  remoteip?: string
  /** v3: the action must be this (case-insensitive), else `action-mismatch`. */
  expectedAction?: string
  /** v3: the score must be at least this (1 is a human), else `score-threshold-not-met`. */
  minScore?: number
  /** The hostname must be this, or one of these (case-insensitive), else `hostname-mismatch`. */
  expectedHostname?: string | string[]
  /** Android: the app's package must be this (case-insensitive), else `apk_package_name-mismatch`. */
  expectedApkPackageName?: string
  /** The challenge must have been solved at most this many milliseconds ago, else `challenge-timeout`. */
  maxAgeMs?: number
}

/** Google's verdict, in camelCase. A refusal resolves too: `success: false` with its codes. */
export interface RecaptchaVerdict {
  success: boolean
  /** v3: 0 (a bot) to 1 (a human). */
  score?: number
  /** v3: the action of `grecaptcha.execute`. */
  action?: string
  hostname?: string
  /** Android: the app's package. */
  apkPackageName?: string
  challengeTs?: string
  errorCodes: Array<SiteverifyErrorCode | (string & {})>
  [field: string]: unknown
}

/** A reCAPTCHA (v2, v3, Android) client; create one and share it across requests. */
export class Recaptcha {
  constructor(options: SiteverifyOptions)
  static verify(
    secret: string,
    token: string,
    options?: RecaptchaVerifyOptions & Omit<SiteverifyOptions, 'secret'>,
  ): Promise<RecaptchaVerdict>
  /**
   * Verifies the widget's token (`g-recaptcha-response`). Resolves the verdict; rejects a
   * `RecaptchaUnavailableError` (503) when no verdict came, a `RecaptchaError` (500) when Google
   * refused the secret, a `TypeError` for an unusable option.
   */
  verify(token: string, options?: RecaptchaVerifyOptions): Promise<RecaptchaVerdict>
}

// ---------------------------------------------------------------------------------------------
// reCAPTCHA Enterprise (docs/providers/recaptcha-enterprise.md)

/** The options of `new RecaptchaEnterprise(...)`. */
export interface RecaptchaEnterpriseOptions {
  /** The Google Cloud project id (`my-project`) or number: nothing else is accepted. */
  projectId: string
  /** The API key, sent as `?key=`; it never appears in an error, a verdict or a log. */
  apiKey: string
  /** The reCAPTCHA key (site key) the widget uses, sent as `event.siteKey`. */
  siteKey: string
  /** The API's base URL. Default `https://recaptchaenterprise.googleapis.com` (the emulator's `url` in tests). */
  endpoint?: string
  /** The deadline of each attempt, in milliseconds. Default 5000. */
  timeoutMs?: number
  /**
   * Attempts after the first while no assessment comes (a timeout, a 429, a 5xx, an unreadable
   * answer), 200 ms apart and doubling, within the token's two minutes. Default 2.
   */
  retries?: number
  /** An explicit proxy, or `false` for none; by default `HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY` apply. */
  proxy?: ProxyConfig | false
  /** PEM certificate authorities trusted besides the system's (a corporate TLS proxy). */
  ca?: string | Buffer | Array<string | Buffer>
}

/** `assess`'s options: the event's fields, and our checks of the assessment. */
export interface RecaptchaEnterpriseAssessOptions {
  /** Sent as `event.expectedAction`; the token's action must be this (exactly), else `action-mismatch`. */
  expectedAction?: string
  /** The visitor's IP address (`event.userIpAddress`). */
  userIpAddress?: string
  /** The visitor's `User-Agent` (`event.userAgent`). */
  userAgent?: string
  /** The URL the visitor asked for (`event.requestedUri`). */
  requestedUri?: string
  /** The score must be at least this (0 to 1; 1 is a human), else `score-threshold-not-met`. */
  minScore?: number
  /** The hostname must be this, or one of these (case-insensitive), else `hostname-mismatch`. */
  expectedHostname?: string | string[]
}

/** Google's `invalidReason`s (and any it adds later). */
export type RecaptchaEnterpriseInvalidReason =
  | 'INVALID_REASON_UNSPECIFIED'
  | 'UNKNOWN_INVALID_REASON'
  | 'MALFORMED'
  | 'EXPIRED'
  | 'DUPE'
  | 'SITE_MISMATCH'
  | 'MISSING'
  | 'BROWSER_ERROR'
  | 'UNEXPECTED_ACTION'
  | (string & {})

/** Our codes: one per `invalidReason` of an invalid token, then a failed check's. */
export type RecaptchaEnterpriseErrorCode =
  | 'malformed-token'
  | 'expired-token'
  | 'duplicate-token'
  | 'missing-token'
  | 'browser-error'
  | 'site-mismatch'
  | 'unexpected-action'
  | 'invalid-token'
  | 'action-mismatch'
  | 'score-threshold-not-met'
  | 'hostname-mismatch'

/** The assessment's `tokenProperties`. */
export interface RecaptchaEnterpriseTokenProperties {
  valid: boolean
  invalidReason: RecaptchaEnterpriseInvalidReason
  hostname?: string
  androidPackageName?: string
  iosBundleId?: string
  /** The action given to `grecaptcha.enterprise.execute`. */
  action?: string
  /** When the token was made (RFC 3339). */
  createTime?: string
}

/** Our verdict on an assessment, in Google's camelCase. A refusal resolves too: `passed: false`. */
export interface RecaptchaEnterpriseVerdict {
  passed: boolean
  /** Empty when it passed. */
  errorCodes: RecaptchaEnterpriseErrorCode[]
  /** The assessment's name, `projects/{project}/assessments/{id}`, for `annotate`. Absent for a token refused without asking. */
  name?: string
  tokenProperties: RecaptchaEnterpriseTokenProperties
  /** Google's `riskAnalysis` as sent: `score` (0 to 1), `reasons`, `extendedVerdictReasons`... */
  riskAnalysis: { score?: number; reasons?: string[]; extendedVerdictReasons?: string[]; [field: string]: unknown }
  /** Any other part of the assessment Google sends (`accountDefenderAssessment`...), but not `event`. */
  [field: string]: unknown
}

export type RecaptchaEnterpriseAnnotation = 'LEGITIMATE' | 'FRAUDULENT' | 'PASSWORD_CORRECT' | 'PASSWORD_INCORRECT'

/** `annotate`'s options. */
export interface RecaptchaEnterpriseAnnotateOptions {
  /** Google's reason words: `CHARGEBACK`, `PASSED_TWO_FACTOR`, `INCORRECT_PASSWORD`... */
  reasons?: string[]
}

/** A reCAPTCHA Enterprise client (`createAssessment` over REST with an API key); create one and share it. */
export class RecaptchaEnterprise {
  /** Throws a `TypeError` (or an `Error` for a missing credential) for an unusable option. */
  constructor(options: RecaptchaEnterpriseOptions)
  /**
   * Creates an assessment of the widget's token (`g-recaptcha-response`). Resolves the verdict;
   * rejects a `RecaptchaEnterpriseUnavailableError` when no assessment came, a
   * `RecaptchaEnterpriseConfigurationError` when Google refused the key, the project or the site
   * key, a `TypeError` for an unusable option.
   */
  assess(token: string, options?: RecaptchaEnterpriseAssessOptions): Promise<RecaptchaEnterpriseVerdict>
  /** Annotates an assessment by its `name`. Resolves `{}`; rejects as `assess` does. */
  annotate(name: string, annotation: RecaptchaEnterpriseAnnotation, options?: RecaptchaEnterpriseAnnotateOptions): Promise<Record<string, never>>
}

/** reCAPTCHA Enterprise gave no assessment, even after the retries: a provider outage. */
export class RecaptchaEnterpriseUnavailableError extends FailoverException {
  /** The requests made, the first one included. */
  attempts: number
}

/** Google refused the API key, the project or the site key (a 4xx), or the endpoint is wrong. */
export class RecaptchaEnterpriseConfigurationError extends Error {
  /** The HTTP status Google answered. */
  status?: number
  /** Google's `error.status`: `INVALID_ARGUMENT`, `PERMISSION_DENIED`, `NOT_FOUND`... */
  googleStatus?: string
  /** Google's `ErrorInfo` reason: `API_KEY_INVALID`, `SERVICE_DISABLED`... */
  reason?: string
}

// ---------------------------------------------------------------------------------------------
// Every provider

/**
 * True when `outcome` (an error or a resolved value of this package) means "the provider could
 * not be asked": any `FailoverException` (TrustCaptcha, reCAPTCHA, Turnstile, hCaptcha, Playtcha
 * with `failClosed`),
 * or anything a verification marked unavailable: TrustCaptcha's plain `Error` for a 5xx, a
 * Playtcha result that failed open, a Swetrix `[false, message]` that got no verdict (no answer,
 * an unreadable body, 429 or 5xx), the middleware's `error` for any of those. The kind is decided
 * by native code and carried by the value itself, never read from its message: a value you built
 * yourself is never unavailable unless it is a `FailoverException`. A misconfiguration (no
 * reCAPTCHA secret, a Swetrix `TypeError` text) is not.
 */
export function isProviderUnavailable(outcome: unknown): boolean

// ---------------------------------------------------------------------------------------------
// Friendly Captcha v2: the drop-in for `@friendlycaptcha/server-sdk`

/** `FriendlyCaptchaClient`'s options: the SDK's, but `fetch`, plus `proxy` and `ca`. */
export interface FriendlyCaptchaOptions {
  /** The sitekey sent with every request; it wins over a call's `sitekey` (the SDK's precedence). */
  sitekey?: string
  /** Your Friendly Captcha API key, sent as `X-Api-Key`. A missing or empty one throws `Error('api key is required')`. */
  apiKey: string
  /**
   * `'global'` (default), `'eu'` or a URL whose origin only is kept (any path is stripped). A value
   * that is no http(s) URL, or that holds a user name or password, throws a `TypeError`.
   */
  apiEndpoint?: string
  /** @deprecated Use `apiEndpoint`. The same values; used when `apiEndpoint` is not given. */
  siteverifyEndpoint?: string
  /** Reject every response that was not verified (an outage, a 4xx, an unreadable answer). Default `false`. */
  strict?: boolean
  /**
   * Not supported: requests are made natively. Passing one throws a `TypeError`; point
   * `apiEndpoint` at the emulator to test without the network.
   */
  fetch?: never
  /** An axios-style proxy, or `false` for none. Default: `HTTP_PROXY`/`HTTPS_PROXY`/`NO_PROXY`. */
  proxy?: ProxyConfig | false
  /** Certificate authorities (PEM) trusted besides the system's. */
  ca?: string | Buffer | Array<string | Buffer>
}

/** Failed to encode the captcha response (or, here, none was given): never accepted. */
export const FAILED_TO_ENCODE_ERROR_CODE: 'failed_to_encode_request'
/** The request could not be made: a network outage, DNS, the API unreachable, a 5xx. */
export const REQUEST_FAILED_ERROR_CODE: 'request_failed'
/** The request did not finish within its timeout. */
export const REQUEST_FAILED_TIMEOUT_ERROR_CODE: 'request_failed_due_to_timeout'
/** The API answered a 4xx: generally a wrong API key or sitekey (see `getResponseError()`). */
export const FAILED_DUE_TO_CLIENT_ERROR_CODE: 'request_failed_due_to_client_error'
/** The API's answer was not a JSON object. */
export const FAILED_TO_DECODE_RESPONSE_ERROR_CODE: 'verification_response_could_not_be_decoded'

/** The client's error codes (`clientErrorType`) of both results (the SDK's `ClientErrorCode`). */
export type ClientErrorCode =
  | typeof FAILED_TO_ENCODE_ERROR_CODE
  | typeof REQUEST_FAILED_ERROR_CODE
  | typeof REQUEST_FAILED_TIMEOUT_ERROR_CODE
  | typeof FAILED_DUE_TO_CLIENT_ERROR_CODE
  | typeof FAILED_TO_DECODE_RESPONSE_ERROR_CODE

/** @deprecated Use `ClientErrorCode` (the SDK renamed it in 0.3.0). */
export type VerifyClientErrorCode = ClientErrorCode

/** The API's error codes (the SDK's `APIErrorCode`). */
export type APIErrorCode =
  | 'sitekey_invalid'
  | 'auth_invalid'
  | 'auth_required'
  | 'bad_request'
  | 'token_invalid'
  | 'token_expired'
  | 'token_missing'
  | 'response_timeout'
  | 'response_duplicate'
  | 'response_invalid'
  | 'response_missing'
  | 'internal_server_error'

export interface SiteverifyResponseChallengeData {
  /** When the challenge was completed (RFC 3339). */
  timestamp: string
  /** The origin of the site it was solved on; may be `''`. */
  origin: string
}

/** The body of a siteverify request (the SDK's `SiteverifyRequest`). */
export interface SiteverifyRequest {
  /** The response the visitor submitted in the `frc-captcha-response` field. */
  response: string
  /** The sitekey the puzzle must have been made for. */
  sitekey?: string
}

/** The body of a Risk Intelligence retrieve request (the SDK's `RiskIntelligenceRetrieveRequest`). */
export interface RiskIntelligenceRetrieveRequest {
  /** The Risk Intelligence token to retrieve the data of. */
  token: string
  /** The sitekey the token must have been made for. */
  sitekey?: string
}

export interface SiteverifyResponseData {
  /** Unique to this siteverify request. */
  event_id: string
  challenge: SiteverifyResponseChallengeData
  /** Present when the Risk Intelligence module is enabled; else `null`. */
  risk_intelligence: RiskIntelligenceData | null
}

export interface SiteverifySuccessResponse {
  success: true
  data: SiteverifyResponseData
}

export interface SiteverifyErrorResponseErrorData {
  error_code: APIErrorCode
  detail: string
}

export interface SiteverifyErrorResponse {
  success: false
  error: SiteverifyErrorResponseErrorData
}

export type SiteverifyResponse = SiteverifySuccessResponse | SiteverifyErrorResponse

/** 0 unknown, 1 very low to 5 very high. */
export type RiskScore = 0 | 1 | 2 | 3 | 4 | 5

export interface RiskScoresData { overall: RiskScore; network: RiskScore; browser: RiskScore }

export interface NetworkAutonomousSystemData {
  number: number
  name: string
  company: string
  description: string
  domain: string
  country: string
  rir: string
  route: string
  type: string
}

export interface NetworkGeolocationCountryData {
  iso2: string
  iso3: string
  name: string
  name_native: string
  region: string
  subregion: string
  currency: string
  currency_name: string
  phone_code: string
  capital: string
}

export interface NetworkGeolocationData { country: NetworkGeolocationCountryData; city: string; state: string }

export interface NetworkAbuseContactData { address: string; name: string; email: string; phone: string }

export interface NetworkAnonymizationData {
  vpn_score: RiskScore
  proxy_score: RiskScore
  tor: boolean
  icloud_private_relay: boolean
}

export interface NetworkData {
  ip: string
  as: NetworkAutonomousSystemData | null
  geolocation: NetworkGeolocationData | null
  abuse_contact: NetworkAbuseContactData | null
  anonymization: NetworkAnonymizationData | null
}

export interface ClientTimeZoneData { name: string; country_iso2: string }
export interface ClientBrowserData { id: string; name: string; version: string; release_date: string }
export interface ClientBrowserEngineData { id: string; name: string; version: string }
export interface ClientDeviceData { type: string; brand: string; model: string }
export interface ClientOSData { id: string; name: string; version: string }
export interface TLSSignatureData { ja3: string; ja3n: string; ja4: string }
export interface ClientAutomationToolData { detected: boolean; id: string; name: string; type: string }
export interface ClientAutomationKnownBotData { detected: boolean; id: string; name: string; type: string; url: string }
export interface ClientAutomationData { automation_tool: ClientAutomationToolData; known_bot: ClientAutomationKnownBotData }

export interface ClientData {
  header_user_agent: string
  time_zone: ClientTimeZoneData | null
  browser: ClientBrowserData | null
  browser_engine: ClientBrowserEngineData | null
  device: ClientDeviceData | null
  os: ClientOSData | null
  tls_signature: TLSSignatureData | null
  automation: ClientAutomationData | null
}

/** Risk intelligence; which fields are set depends on the modules enabled. */
export interface RiskIntelligenceData {
  risk_scores: RiskScoresData | null
  network: NetworkData
  client: ClientData
}

/** The result of a siteverify request, as the SDK's. */
export class VerifyResult {
  constructor(strict: boolean)
  /** The HTTP status of the answer; `-1` when there was none (no request, or no answer). */
  status: number
  /** The API's answer, or `null` when none was read. A locally refused response holds the API's `response_missing` error. */
  response: SiteverifyResponse | null
  clientErrorType: VerifyClientErrorCode | null
  isStrict(): boolean
  /** Whether to accept the captcha: verified, or (unless strict) not verifiable through no fault of the visitor. */
  shouldAccept(): boolean
  shouldReject(): boolean
  /** The response could not be sent (here: it was missing, empty or not a string). Never accepted. */
  isEncodeError(): boolean
  isRequestOrTimeoutError(): boolean
  isDecodeError(): boolean
  /** The API answered a 4xx: check the API key and sitekey (`getResponseError()`). */
  isClientError(): boolean
  getResponse(): SiteverifyResponse | null
  getResponseError(): SiteverifyErrorResponseErrorData | null
  getErrorCode(): VerifyClientErrorCode | null
  /** The API answered 200 and it was read (an encode error counts too: it needs no alert). */
  wasAbleToVerify(): boolean
}

/** The token's metadata in a retrieve answer. */
export interface RiskIntelligenceTokenData {
  /** When the token was made (RFC 3339). */
  timestamp: string
  /** When the token expires (RFC 3339). */
  expires_at: string
  /** How many times the token has been used to retrieve risk intelligence. */
  num_uses: number
  /** The origin of the site the token was made on. */
  origin: string
}

export interface RiskIntelligenceRetrieveResponseData {
  /** Unique to this retrieve request. */
  event_id: string
  token: RiskIntelligenceTokenData
  risk_intelligence: RiskIntelligenceData
}

export interface RiskIntelligenceRetrieveSuccessResponse {
  success: true
  data: RiskIntelligenceRetrieveResponseData
}

export interface RiskIntelligenceRetrieveErrorResponseErrorData {
  error_code: APIErrorCode
  detail: string
}

export interface RiskIntelligenceRetrieveErrorResponse {
  success: false
  error: RiskIntelligenceRetrieveErrorResponseErrorData
}

export type RiskIntelligenceRetrieveResponse = RiskIntelligenceRetrieveSuccessResponse | RiskIntelligenceRetrieveErrorResponse

/** The result of a risk intelligence retrieve request, as the SDK's. */
export class RiskIntelligenceRetrieveResult {
  constructor()
  /** The HTTP status of the answer; `-1` when there was none (no request, or no answer). */
  status: number
  /** The API's answer, or `null` when none was read. A locally refused token holds the API's `token_missing` error. */
  response: RiskIntelligenceRetrieveResponse | null
  clientErrorType: ClientErrorCode | null
  getResponse(): RiskIntelligenceRetrieveResponse | null
  getResponseError(): RiskIntelligenceRetrieveErrorResponseErrorData | null
  /** The API answered a 4xx: check the API key and sitekey (`getResponseError()`). */
  isClientError(): boolean
  /** The API answered 200 and it was read (a token refused locally counts too: it needs no alert). */
  wasAbleToRetrieve(): boolean
  /** The risk intelligence was retrieved: `getResponse().data` holds it. */
  isValid(): boolean
}

/** A Friendly Captcha v2 client; create one and share it. */
export class FriendlyCaptchaClient {
  constructor(opts: FriendlyCaptchaOptions)
  /** The siteverify URL requests go to. */
  getSiteverifyEndpoint(): string
  /**
   * Verifies the `frc-captcha-response` field. Always resolves, never rejects or throws. `timeout`
   * in ms (default 20000, enforced natively: no timer is left behind); `sitekey` is sent unless
   * the constructor's is set. A missing, empty or non-string response is refused without a request.
   */
  verifyCaptchaResponse(response: string, opts?: { timeout?: number; sitekey?: string }): Promise<VerifyResult>
  /**
   * Retrieves the risk intelligence of a token made in the browser
   * (`POST /api/v2/riskIntelligence/retrieve`). Always resolves, never rejects or throws; the same
   * `timeout` and `sitekey` as `verifyCaptchaResponse`. A missing, empty or non-string token is
   * refused without a request.
   */
  retrieveRiskIntelligence(token: string, opts?: { timeout?: number; sitekey?: string }): Promise<RiskIntelligenceRetrieveResult>
}

// ---------------------------------------------------------------------------------------------
// Emulator

/** The providers the emulator serves, at their real paths. */
export type EmulatorProvider = 'trustcaptcha' | 'swetrix' | 'recaptcha' | 'playtcha' | 'turnstile' | 'hcaptcha' | 'recaptcha-enterprise' | 'friendly-captcha'

export interface EmulatorOptions {
  /** Default `'127.0.0.1'`. Anything other than loopback prints a warning. */
  host?: string
  /** Default 0: any free port. */
  port?: number
  /** The API key the TrustCaptcha API accepts. Default `'emulator-trustcaptcha-api-key'`. */
  trustcaptchaApiKey?: string
  /** The secret the Swetrix API accepts, besides the PASS/FAIL/USED test secrets. Default `'emulator-swetrix-secret'`. */
  swetrixSecret?: string
  /** The secret key siteverify accepts, besides Google's test key. Default `'emulator-recaptcha-secret'`. */
  recaptchaSecret?: string
  /** The secret the Playtcha API accepts. Default `'emulator-playtcha-secret'`. */
  playtchaSecret?: string
  /** The secret key Turnstile's siteverify accepts, besides Cloudflare's test keys. Default `'emulator-turnstile-secret'`. */
  turnstileSecret?: string
  /** The secret hCaptcha's siteverify accepts, besides hCaptcha's test secret. Default `'emulator-hcaptcha-secret'`. */
  hcaptchaSecret?: string
  /**
   * The sitekey of the emulator's hCaptcha tokens (unless their claims give another): a request's
   * `sitekey`, when sent, must be it (`sitekey-secret-mismatch`). Default `'emulator-hcaptcha-sitekey'`.
   */
  hcaptchaSitekey?: string
  /** The API key reCAPTCHA Enterprise's API accepts. Default `'emulator-recaptcha-enterprise-api-key'`. */
  recaptchaEnterpriseApiKey?: string
  /** The project whose path that key is for (a project id or number). Default `'emulator-project'`. */
  recaptchaEnterpriseProjectId?: string
  /** The site key the emulator's reCAPTCHA Enterprise tokens are for. Default `'emulator-recaptcha-enterprise-site-key'`. */
  recaptchaEnterpriseSiteKey?: string
  /** The API key Friendly Captcha's siteverify accepts (`X-API-Key`). Default `'emulator-friendly-captcha-api-key'`. */
  friendlyCaptchaApiKey?: string
  /**
   * The account's sitekey: a request's `sitekey`, when sent, must be it (`sitekey_invalid`, 400).
   * Default `'emulator-friendly-captcha-sitekey'`.
   */
  friendlyCaptchaSitekey?: string
  /**
   * Serve HTTPS (HTTP/1.1) with a certificate for `localhost`, `127.0.0.1`, `::1` and `host`,
   * signed by an authority made at start: trust it with `ca: emulator.certificate`. Without that
   * a client sees what an untrusted certificate does. Default `false`.
   */
  tls?: boolean
  /**
   * Behave like a server's keep-alive timeout (Node's `server.keepAliveTimeout`, 5 s by
   * default): after each answer, close the connection when no new request has begun within this
   * many milliseconds, without `Connection: close`. A request sent in that very instant finds the
   * connection closed: use it to test how a client copes. A whole number from 0 to 4294967295;
   * 0 closes each connection right after its answer (in Node, 0 turns the timeout off).
   * Default: connections stay open until the client closes them.
   */
  keepAliveTimeoutMs?: number
}

export interface EmulatorCredentials {
  trustcaptchaApiKey: string
  swetrixSecret: string
  recaptchaSecret: string
  playtchaSecret: string
  turnstileSecret: string
  hcaptchaSecret: string
  hcaptchaSitekey: string
  recaptchaEnterpriseApiKey: string
  recaptchaEnterpriseProjectId: string
  recaptchaEnterpriseSiteKey: string
  friendlyCaptchaApiKey: string
  friendlyCaptchaSitekey: string
}

/** What the emulator answers to a test identity: the HTTP status, and what happens in a few words. */
export interface EmulatorTestAnswer {
  readonly status: number
  readonly answers: string
}

/** A published TrustCaptcha test verification: fetching its result answers the same every time. */
export interface TrustCaptchaTestVerification extends EmulatorTestAnswer {
  readonly verificationId: string
  /** The widget's token for it (base64 of `{"verificationId":"..."}`). */
  readonly token: string
}

/**
 * The emulator's default credentials and the providers' test identities, each with what it
 * answers (README, "The emulator"). Frozen.
 */
export interface EmulatorIdentities {
  readonly trustcaptcha: {
    /** The API key accepted unless the emulator is started with `trustcaptchaApiKey`. */
    readonly apiKey: string
    /** The key the real service refuses (403), whatever the account. */
    readonly invalidApiKey: EmulatorTestAnswer & { readonly apiKey: string }
    /** Index N is the id `00000000-0000-0000-0000-00000000000N`: 0 passes, 1 to 4 fail. */
    readonly testVerifications: readonly TrustCaptchaTestVerification[]
  }
  readonly swetrix: {
    /** The secret accepted unless the emulator is started with `swetrixSecret`. */
    readonly secret: string
    /** Swetrix's published test secrets: whatever the token, `pass` succeeds, `fail` and `used` fail. */
    readonly testSecrets: {
      readonly pass: EmulatorTestAnswer & { readonly secret: string }
      readonly fail: EmulatorTestAnswer & { readonly secret: string }
      readonly used: EmulatorTestAnswer & { readonly secret: string }
    }
  }
  readonly recaptcha: {
    /** The secret key accepted unless the emulator is started with `recaptchaSecret`. */
    readonly secretKey: string
    /** Google's published test secret key: every token succeeds, with this `hostname`. */
    readonly testSecretKey: EmulatorTestAnswer & { readonly secretKey: string; readonly hostname: string }
  }
  readonly playtcha: {
    /** The secret accepted unless the emulator is started with `playtchaSecret`. Playtcha publishes no test identity. */
    readonly secret: string
  }
  readonly turnstile: {
    /** The secret key accepted unless the emulator is started with `turnstileSecret`. */
    readonly secret: string
    /**
     * `XXXX.DUMMY.TOKEN.XXXX`: what the test sitekeys give the browser, and the only token the test
     * secret keys accept (any other is `invalid-input-secret`; this one with a real secret,
     * `invalid-input-response`).
     */
    readonly dummyToken: string
    /** Cloudflare's test secret keys, with the dummy token: `pass` passes, `fail` and `spent` answer the code in `answers`. */
    readonly testSecrets: {
      readonly pass: EmulatorTestAnswer & { readonly secret: string; readonly hostname: string }
      readonly fail: EmulatorTestAnswer & { readonly secret: string }
      readonly spent: EmulatorTestAnswer & { readonly secret: string }
    }
    /** Cloudflare's test sitekeys, for the widget in a page under test (the emulator serves no widget). */
    readonly testSitekeys: {
      readonly passVisible: TurnstileTestSitekey
      readonly failVisible: TurnstileTestSitekey
      readonly passInvisible: TurnstileTestSitekey
      readonly failInvisible: TurnstileTestSitekey
      readonly interactive: TurnstileTestSitekey
    }
  }
  readonly hcaptcha: {
    /** The secret accepted unless the emulator is started with `hcaptchaSecret`. */
    readonly secret: string
    /** The sitekey of issued tokens unless the emulator is started with `hcaptchaSitekey`. */
    readonly sitekey: string
    /**
     * hCaptcha's test secret: it verifies the test tokens, any number of times, and nothing else
     * (`not-using-dummy-passcode`, as a test token or sitekey with another secret is).
     */
    readonly testSecret: string
    /** hCaptcha's test key sets: a Publisher account, and Enterprise's safe user and detected bot. */
    readonly testKeys: {
      readonly publisher: HCaptchaTestKeys
      readonly enterpriseSafeUser: HCaptchaTestKeys
      readonly enterpriseBotDetected: HCaptchaTestKeys
    }
  }
  readonly 'recaptcha-enterprise': {
    /** The API key accepted unless the emulator is started with `recaptchaEnterpriseApiKey`. */
    readonly apiKey: string
    /** The project unless started with `recaptchaEnterpriseProjectId`. */
    readonly projectId: string
    /** The site key of issued tokens unless started with `recaptchaEnterpriseSiteKey`. */
    readonly siteKey: string
    /** Site keys whose `testingOptions` fix the score: any token is valid with it. */
    readonly testSiteKeys: {
      readonly human: RecaptchaEnterpriseTestSiteKey
      readonly bot: RecaptchaEnterpriseTestSiteKey
    }
  }
  readonly 'friendly-captcha': {
    /** The API key accepted unless the emulator is started with `friendlyCaptchaApiKey`. */
    readonly apiKey: string
    /** The account's sitekey unless the emulator is started with `friendlyCaptchaSitekey`. */
    readonly sitekey: string
  }
}

/** A reCAPTCHA Enterprise site key with `testingOptions.testingScore`. */
export interface RecaptchaEnterpriseTestSiteKey extends EmulatorTestAnswer {
  readonly siteKey: string
  readonly testingScore: number
  readonly hostname: string
}

/** One of hCaptcha's test key sets: the sitekey, the token its widget gives, and what the test secret answers to it. */
export interface HCaptchaTestKeys extends EmulatorTestAnswer {
  readonly sitekey: string
  readonly token: string
  readonly hostname: string
  /** Enterprise only: the score (higher: more likely a bot). */
  readonly score?: number
  /** Enterprise only: the reasons for the score. */
  readonly scoreReason?: readonly string[]
}

/** A Turnstile test sitekey and what the widget does with it. */
export interface TurnstileTestSitekey {
  readonly sitekey: string
  readonly widget: string
}

/** What `issue('trustcaptcha', claims)` may set; every field is optional. */
export interface TrustCaptchaClaims {
  verificationPassed?: boolean
  score?: number
  decisionType?: string
  decisionAction?: string
  gatewayFailoverActive?: boolean
  riskScoringEnabled?: boolean
  minimalDataModeEnabled?: boolean
  origin?: string
  ipAddress?: string
  countryCode?: string
  deviceFamily?: string
  operatingSystem?: string
  browser?: string
  /** `false`: the user has not finished (423). Default true. */
  finished?: boolean
  /** The token claims the browser could not reach TrustCaptcha. */
  clientFailover?: boolean
  /** The gateway recorded the outage, so a client failover is confirmed (a FAILOVER result). */
  outageRecorded?: boolean
  /** Fetches allowed before 429. Default 10. */
  retrievalLimit?: number
  /** Milliseconds from the start of the verification until the result expires (410). Default 300000. */
  resultTtlMs?: number
}

/** What `issue('swetrix', claims)` may set; every field is optional. */
export interface SwetrixClaims {
  /** Default: random. */
  challenge?: string
  /** The project id. Default `'APEMULATOR000'`. */
  pid?: string
  /** The token decrypts, but its payload is refused (`Invalid token payload`). */
  invalidPayload?: boolean
  /** 429 `{"statusCode":429,"message":"Too many requests, please try again later"}` (the token is not consumed). */
  rateLimited?: boolean
}

/** What `issue('recaptcha', claims)` may set; every field is optional. */
export interface RecaptchaClaims {
  /** `false`: Google refuses the token (`invalid-input-response`). Default true. */
  success?: boolean
  /** Default `'localhost'`. */
  hostname?: string
  /** An Android app's token: `apk_package_name` instead of `hostname`. */
  apkPackageName?: string
  /** v3's score, 0 to 1. */
  score?: number
  action?: string
  /**
   * The challenge was solved this many milliseconds before the token was issued: `challenge_ts`
   * is that much earlier (for a client's max-age check). Default 0.
   */
  ageMs?: number
  /** Milliseconds after issue until the token answers `timeout-or-duplicate`. Default 120000. */
  expiresInMs?: number
  /** `false`: the token verifies any number of times until it expires. Default true. */
  singleUse?: boolean
}

/** What `issue('playtcha', claims)` may set; every field is optional. */
export interface PlaytchaClaims {
  /** Default `'localhost'`. */
  hostname?: string
  action?: string
  score?: number
  /** Verified, but the project crossed a monthly usage band. */
  degraded?: boolean
  /** Default `'monthly_usage_band'` when `degraded`. */
  degradedReason?: string
  /** 404 `unknown_project` (the token is not consumed). */
  unknownProject?: boolean
  /** 429 `rate_limited_ip` with `Retry-After: retryAfter` (the token is not consumed). */
  rateLimited?: boolean
  /** Seconds. Default 1. */
  retryAfter?: number
  /** 500 `db_error` (the token is not consumed). */
  dbError?: boolean
}

/** What `issue('turnstile', claims)` may set; every field is optional. */
export interface TurnstileClaims {
  /** `false`: Cloudflare refuses the token (`invalid-input-response`). Default true. */
  success?: boolean
  /** Default `'localhost'`. */
  hostname?: string
  /** The widget's `data-action`. Default `''`. */
  action?: string
  /** The widget's `data-cdata`. Default `''`. */
  cdata?: string
  /** `metadata.ephemeral_id` (Enterprise). Default: none. */
  ephemeralId?: string
  /** `metadata.interactive`: the visitor had to interact. Default false. */
  interactive?: boolean
  /** Milliseconds after issue until the token answers `timeout-or-duplicate`. Default 300000. */
  expiresInMs?: number
  /**
   * `false`: the token verifies any number of times until it expires. Default true: verified
   * once, then `timeout-or-duplicate`, except to a retry carrying the first request's
   * `idempotency_key`, which gets the first answer again.
   */
  singleUse?: boolean
}

/** What `issue('hcaptcha', claims)` may set; every field is optional. */
export interface HCaptchaClaims {
  /** `false`: hCaptcha refuses the token (`invalid-input-response`). Default true. */
  success?: boolean
  /** Default `'localhost'`. */
  hostname?: string
  /** Whether the verification earned credit. Default false. */
  credit?: boolean
  /** Enterprise's score, 0 to 1, higher meaning more likely a bot. Default: none (a Publisher answer). */
  score?: number
  /** Enterprise's `score_reason`. Default `[]` when `score` is given. */
  scoreReason?: string[]
  /** The sitekey the token was made for: a request's `sitekey` must match it. Default: the emulator's `hcaptchaSitekey`. */
  sitekey?: string
  /** Milliseconds after issue until the token answers `expired-input-response`. Default 120000. */
  expiresInMs?: number
  /** `false`: the token verifies any number of times until it expires. Default true (then `already-seen-response`). */
  singleUse?: boolean
}

/** What `issue('recaptcha-enterprise', claims)` may set; every field is optional. */
export interface RecaptchaEnterpriseClaims {
  /** `tokenProperties.action`. Default `''`. */
  action?: string
  /** `tokenProperties.hostname`. Default `'localhost'`. */
  hostname?: string
  /** `riskAnalysis.score`, 0 to 1. Default 0.9. */
  score?: number
  /** `riskAnalysis.reasons`. Default `[]`. */
  reasons?: string[]
  androidPackageName?: string
  iosBundleId?: string
  /** The site key the token was made for: assessed with another, `SITE_MISMATCH`. Default: the emulator's. */
  siteKey?: string
  /** Answer `valid: false` with this reason. */
  invalidReason?: 'MALFORMED' | 'EXPIRED' | 'DUPE' | 'MISSING' | 'BROWSER_ERROR' | 'SITE_MISMATCH' | 'UNEXPECTED_ACTION' | 'UNKNOWN_INVALID_REASON'
  /** Milliseconds after issue until the token answers `EXPIRED`. Default 120000. */
  expiresInMs?: number
  /** `false`: the token may be assessed any number of times until it expires. Default true (then `DUPE`). */
  singleUse?: boolean
}

/** What `issue('friendly-captcha', claims)` may set; every field is optional. */
export interface FriendlyCaptchaClaims {
  /**
   * `true`: issue a Risk Intelligence token, for `retrieveRiskIntelligence`
   * (`/api/v2/riskIntelligence/retrieve`), instead of a captcha response; each endpoint answers
   * the other's `token_invalid` / `response_invalid`. Default false.
   */
  riskIntelligenceToken?: boolean
  /** `data.challenge.origin` (a token's `data.token.origin`). Default `'http://localhost'`. */
  origin?: string
  /** Solved (made) this many milliseconds before issue: `data.challenge.timestamp` (`data.token.timestamp`) is that much earlier. Default 0. */
  ageMs?: number
  /** `data.risk_intelligence`, as given. Default (or `null`): a low-risk desktop Firefox, every module on. */
  riskIntelligence?: RiskIntelligenceData | Record<string, unknown> | null
  /** The sitekey it was made for: a request's `sitekey`, when sent, must match (`response_invalid`, `token_invalid`). Default: the emulator's `friendlyCaptchaSitekey`. */
  sitekey?: string
  /** Milliseconds after issue until it answers `response_timeout` (a token: `token_expired`; `expires_at` is issue plus this). Default 300000 (a token: 900000). */
  expiresInMs?: number
  /** A captcha response's: `false`, it verifies any number of times until it expires. Default true (then `response_duplicate`). */
  singleUse?: boolean
  /** A Risk Intelligence token's: how many retrieves it answers (`num_uses` counts them), then `token_invalid`. Default: any number until it expires. */
  maxUses?: number
}

/** Each provider's claims, for `issue(provider, claims)`. */
export interface EmulatorClaims {
  trustcaptcha: TrustCaptchaClaims
  swetrix: SwetrixClaims
  recaptcha: RecaptchaClaims
  playtcha: PlaytchaClaims
  turnstile: TurnstileClaims
  hcaptcha: HCaptchaClaims
  'recaptcha-enterprise': RecaptchaEnterpriseClaims
  'friendly-captcha': FriendlyCaptchaClaims
}

/** Picks requests: to one provider or `'all'` (default), the next `times` or every one (default). */
interface FaultTarget {
  provider?: EmulatorProvider | 'all'
  times?: number
}

export type FaultRule = FaultTarget & (
  | { kind: 'delay'; ms: number }
  /** The normal answer, one byte every `ms` ms: only a deadline on the whole request ends it. */
  | { kind: 'trickle'; ms: number }
  | { kind: 'status'; status: number; body?: string; headers?: Record<string, string> }
  | { kind: 'nonJson'; status?: number }
  | { kind: 'hugeBody'; mib: number; status?: number }
  | { kind: 'hang' }
  | { kind: 'reset' }
  | { kind: 'close' }
)

export interface EmulatorStats {
  connectionsAccepted: number
  connectionsOpen: number
  peakConnectionsOpen: number
  requests: number
}

/** A request the emulator received; `authorization` and `x-api-key` are redacted. */
export interface EmulatorRequest {
  /** Absent for a path no provider serves. */
  provider?: EmulatorProvider
  method: string
  path: string
  query?: string
  headers: Record<string, string>
}

export class Emulator {
  private constructor()
  static start(options?: EmulatorOptions): Promise<Emulator>
  /** The default credentials and the providers' test identities, each with what it answers. */
  static readonly identities: EmulatorIdentities
  /**
   * The base URL, e.g. `http://127.0.0.1:41234`: TrustCaptcha's and Playtcha's `apiHost`; Swetrix's
   * `apiURL` is `url + '/v1/captcha'`, reCAPTCHA's `siteverifyUrl` `url + '/recaptcha/api/siteverify'`,
   * Turnstile's `url + '/turnstile/v0/siteverify'`, hCaptcha's `url + '/siteverify'`,
   * Friendly Captcha's `apiEndpoint` `url`.
   */
  readonly url: string
  readonly credentials: EmulatorCredentials
  /** With `tls: true`, the PEM certificate to pass as `ca`; `undefined` without TLS. */
  readonly certificate: string | undefined
  /** A fresh valid token for `provider`, carrying `claims` (that provider's: `EmulatorClaims[P]`). */
  issue<P extends EmulatorProvider>(provider: P, claims?: EmulatorClaims[P]): string
  fault(rule: FaultRule): void
  clearFaults(): void
  /** Moves the emulator's clock forward, for expiry, without sleeping. */
  advanceTime(ms: number): void
  stats(): EmulatorStats
  requests(): EmulatorRequest[]
  clearRequests(): void
  /** A URL on this machine where connecting never succeeds: for connect timeouts. */
  blackholeUrl(): Promise<string>
  /**
   * The URL of the emulated widget script of `provider`, e.g. `url + '/widget/turnstile.js'`: in
   * tests, a page's `<script src>` in place of the provider's own script. The widget gets its
   * tokens from this emulator; pick the outcome with `data-emulator-outcome` on the widget's
   * element or `window.captchaNativeEmulator = { outcome }` before the script loads
   * (`'pass'`, `'fail'`, `'expired'`, `'outage'`). See docs/emulator.md, "The emulated widgets".
   */
  widgetUrl(provider: EmulatorProvider): string
  close(): Promise<void>
}

/** The module itself, for `import wixCaptcha from 'captcha-native'; wixCaptcha.authorize(token)`. */
declare const captchaNative: typeof import('./index.js')
export default captchaNative

// Only the declarations marked `export` above are public.
export {}
