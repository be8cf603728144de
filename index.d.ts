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
// Emulator

export type EmulatorProvider = 'trustcaptcha'

export interface EmulatorOptions {
  /** Default `'127.0.0.1'`. Anything other than loopback prints a warning. */
  host?: string
  /** Default 0: any free port. */
  port?: number
  /** The API key the TrustCaptcha API accepts. Default `'emulator-trustcaptcha-api-key'`. */
  trustcaptchaApiKey?: string
}

export interface EmulatorCredentials {
  trustcaptchaApiKey: string
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

/** Picks requests: to one provider or `'all'` (default), the next `times` or every one (default). */
interface FaultTarget {
  provider?: EmulatorProvider | 'all'
  times?: number
}

export type FaultRule = FaultTarget & (
  | { kind: 'delay'; ms: number }
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

/** A request the emulator received; `authorization` is redacted. */
export interface EmulatorRequest {
  provider?: string
  method: string
  path: string
  query?: string
  headers: Record<string, string>
}

export class Emulator {
  private constructor()
  static start(options?: EmulatorOptions): Promise<Emulator>
  /** The base URL, e.g. `http://127.0.0.1:41234`: use it as the provider's API host. */
  readonly url: string
  readonly credentials: EmulatorCredentials
  issue(provider: 'trustcaptcha', claims?: TrustCaptchaClaims): string
  fault(rule: FaultRule): void
  clearFaults(): void
  /** Moves the emulator's clock forward, for expiry, without sleeping. */
  advanceTime(ms: number): void
  stats(): EmulatorStats
  requests(): EmulatorRequest[]
  clearRequests(): void
  /** A URL on this machine where connecting never succeeds: for connect timeouts. */
  blackholeUrl(): Promise<string>
  close(): Promise<void>
}

// Only the declarations marked `export` above are public.
export {}
