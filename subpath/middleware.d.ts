// Types of captcha-native's HTTP helpers (lib/middleware.js): `requireCaptcha`, an Express
// (connect-style) middleware, and `verifyRequest`, the same check without a framework.

import type {
  TrustCaptcha,
  TrustCaptchaOptions,
  VerificationResult,
  SwetrixOptions,
  SwetrixValidationData,
  AuthorizeOptions,
  Playtcha,
  PlaytchaOptions,
  PlaytchaResult,
  PlaytchaFailedOpenResult,
  PlaytchaVerifiedResult,
  VerifyResult as FriendlyCaptchaVerifyResult,
  FriendlyCaptchaClient,
  FriendlyCaptchaOptions,
  RecaptchaEnterprise,
  RecaptchaEnterpriseOptions,
  RecaptchaEnterpriseAssessOptions,
  Turnstile,
  HCaptcha,
  SiteverifyOptions,
  TurnstileVerifyOptions,
  TurnstileVerdict,
  HCaptchaVerifyOptions,
  HCaptchaVerdict,
  RecaptchaEnterpriseVerdict,
  EmulatorProvider,
} from '../index.js'

/** The providers: the same eight as the emulator's. */
export type CaptchaProvider = EmulatorProvider

/**
 * The form field each provider's widget fills in, where the token is looked for by default:
 * `tc-verification-token`, `swetrix-captcha-response`, `g-recaptcha-response`, `playtcha-token`,
 * `cf-turnstile-response`, `h-captcha-response`.
 */
export declare const TOKEN_FIELDS: {
  readonly trustcaptcha: 'tc-verification-token'
  readonly swetrix: 'swetrix-captcha-response'
  readonly recaptcha: 'g-recaptcha-response'
  readonly playtcha: 'playtcha-token'
  readonly turnstile: 'cf-turnstile-response'
  readonly hcaptcha: 'h-captcha-response'
  readonly 'recaptcha-enterprise': 'g-recaptcha-response'
  readonly 'friendly-captcha': 'frc-captcha-response'
}

/** What `log` is given: never a secret, an API key or the token. */
export interface CaptchaLogDetails {
  provider: CaptchaProvider
  onUnavailable: 'reject' | 'allow'
  /** What happened, e.g. `ServerUnreachableException: ...; cause: ...`, scrubbed and cut to 512 characters. */
  reason: string
}

/**
 * A secret (or API key) resolved per request, for multi-tenant apps: given the request, it
 * returns or resolves the secret. A client is built once per resolved secret and the most recent
 * 64 are kept (least recently used out first). Called only when there is a token to check; one
 * that throws, rejects, or resolves anything but a non-empty string is a misconfiguration
 * (`next(error)`; `verifyRequest` rejects). The resolved secret is kept out of the logs.
 */
export type CaptchaSecretResolver = {
  // A method's parameter is bivariant: a resolver typed with the framework's own request fits.
  resolve(request: CaptchaRequest): string | Promise<string>
}['resolve']

/** `T` with its option `K` (the secret or API key) given as a string or a resolver. */
type Resolvable<T, K extends keyof T> = Omit<T, K> & { [P in keyof Pick<T, K>]: Pick<T, K>[P] | CaptchaSecretResolver }

/** The options every provider takes. */
export interface CaptchaCommonOptions {
  /**
   * The body field holding the token. Default: the provider's widget field (`TOKEN_FIELDS`). A
   * `token` field is accepted too, unless the body is a form (there `token` is often a CSRF field).
   */
  field?: string
  /**
   * When the provider is unavailable (no answer, a timeout, a 5xx, a Playtcha fail-open result, a
   * Swetrix answer with no verdict): `'reject'` answers 503 `provider_unavailable` (the default);
   * `'allow'` lets the request through with `failedOpen: true`. Either way `log` is called.
   */
  onUnavailable?: 'reject' | 'allow'
  /** Told about every outage. Default: `console.warn`. Never given a secret or the token. */
  log?: (message: string, details: CaptchaLogDetails) => void
  /** `requireCaptcha` only: where the outcome goes on the request. Default `'captcha'`. */
  requestProperty?: string | symbol
  /**
   * Checked first: when it returns `true` (or a Promise of `true`), no token is looked for and
   * no provider asked; the outcome is `skipped` (200, `ok`, on `req.captcha` as for verified).
   * Only `true` skips. One that throws or rejects is a misconfiguration (`next(error)`;
   * `verifyRequest` rejects). For trusted clients, or development.
   */
  skip?(request: CaptchaRequest): boolean | Promise<boolean>
  /**
   * Hooks for metrics, each called once the outcome is decided and before the answer (or
   * `next()`), with the outcome and the request; `verifyRequest` calls them too. Not awaited: an
   * async hook runs on its own. One that throws or rejects changes nothing (the error is
   * swallowed, as `log`'s is). A `skipped` request calls none.
   */
  onVerified?(outcome: CaptchaVerified, request: CaptchaRequest): unknown
  /** `token_missing`, `verification_failed`, `body_too_large`: see `onVerified`. */
  onRefused?(outcome: CaptchaRefused, request: CaptchaRequest): unknown
  /**
   * The provider was unavailable (`failed_open` or `provider_unavailable`, as `onUnavailable`
   * decided): see `onVerified`. (`onUnavailable` itself is the policy, `'reject'` or `'allow'`.)
   */
  onOutage?(outcome: CaptchaFailedOpen | CaptchaUnavailable, request: CaptchaRequest): unknown
}

/** TrustCaptcha, with its client options, or a configured `client`. */
export type TrustCaptchaMiddlewareOptions = CaptchaCommonOptions & {
  provider: 'trustcaptcha'
  /**
   * Refuse results whose bot score is above this (TrustCaptcha's score: higher is more likely a
   * bot; a result without a score is refused). A result with `verificationPassed` not `true` is
   * always refused.
   */
  maxScore?: number
  /** Not a TrustCaptcha option: its score is a bot score, use `maxScore`. */
  minScore?: never
} & (
  | (Resolvable<TrustCaptchaOptions, 'apiKey'> & { client?: undefined })
  | {
      /** A configured instance, shared; then no other client option may be given. */
      client: TrustCaptcha
      apiKey?: undefined
      apiHost?: undefined
      connectTimeoutMs?: undefined
      readTimeoutMs?: undefined
      proxy?: undefined
      ca?: undefined
    }
)

/** Swetrix: the arguments of `validateToken`, its options (`timeoutMs`, `proxy`, `ca`) included. */
export interface SwetrixMiddlewareOptions extends CaptchaCommonOptions, SwetrixOptions {
  provider: 'swetrix'
  /** The project's secret, or its resolver; a missing or empty one throws at once. */
  secret: string | CaptchaSecretResolver
  /** Default `'https://api.swetrixcaptcha.com/v1/captcha'`. */
  apiURL?: string
}

/**
 * reCAPTCHA: the options of `authorize`. The secret may come from `configureRecaptcha` or
 * `RECAPTCHA_SECRET_KEY` instead. `remoteIp` defaults to the request's `ip` (Express's honours
 * `trust proxy`), else its socket's address; `remoteIp: null` sends none.
 */
export interface RecaptchaMiddlewareOptions extends CaptchaCommonOptions, Omit<AuthorizeOptions, 'remoteIp' | 'secretKey'> {
  provider: 'recaptcha'
  /** The secret key, or its resolver (`CaptchaSecretResolver`). */
  secretKey?: AuthorizeOptions['secretKey'] | CaptchaSecretResolver
  remoteIp?: string | null
}

/** Playtcha, with its client options, or a configured `client`. */
export type PlaytchaMiddlewareOptions = CaptchaCommonOptions & { provider: 'playtcha' } & (
  | (Resolvable<PlaytchaOptions, 'secret'> & { client?: undefined })
  | {
      /** A configured instance, shared; then no other client option may be given. */
      client: Playtcha
      secret?: undefined
      apiHost?: undefined
      timeoutMs?: undefined
      failClosed?: undefined
      proxy?: undefined
      ca?: undefined
    }
)

/** A configured siteverify client instead of its options. */
interface SharedSiteverifyClient<C> {
  /** A configured instance, shared; then no other client option may be given. */
  client: C
  secret?: undefined
  siteverifyUrl?: undefined
  timeoutMs?: undefined
  retries?: undefined
  proxy?: undefined
  ca?: undefined
}

/**
 * The visitor's address sent to siteverify: by default the request's `ip` (Express's honours
 * `trust proxy`), else its socket's address; `remoteip: null` sends none.
 */
interface SiteverifyAddress {
  remoteip?: string | null
}

/**
 * Turnstile, with its client options (or a configured `client`) and its checks. Each request
 * gets a fresh idempotency key, so the client's retries never burn its token.
 */
export type TurnstileMiddlewareOptions = CaptchaCommonOptions & { provider: 'turnstile' } & SiteverifyAddress &
  Pick<TurnstileVerifyOptions, 'expectedAction' | 'expectedHostname'> &
  ((Resolvable<SiteverifyOptions, 'secret'> & { client?: undefined }) | SharedSiteverifyClient<Turnstile>)

/** hCaptcha, with its client options (or a configured `client`) and its checks. */
export type HCaptchaMiddlewareOptions = CaptchaCommonOptions & { provider: 'hcaptcha' } & SiteverifyAddress &
  Pick<HCaptchaVerifyOptions, 'sitekey' | 'expectedHostname' | 'maxScore'> &
  ((Resolvable<SiteverifyOptions, 'secret'> & { client?: undefined }) | SharedSiteverifyClient<HCaptcha>)

/**
 * reCAPTCHA Enterprise, with its client options (or a configured `client`) and its checks. The
 * request's address and User-Agent go with the assessment unless given, or `null` to send none.
 */
export type RecaptchaEnterpriseMiddlewareOptions = CaptchaCommonOptions & { provider: 'recaptcha-enterprise' } &
  Pick<RecaptchaEnterpriseAssessOptions, 'expectedAction' | 'minScore' | 'expectedHostname'> & {
    userIpAddress?: string | null
    userAgent?: string | null
  } & (
    | (Resolvable<RecaptchaEnterpriseOptions, 'apiKey'> & { client?: undefined })
    | {
        /** A configured instance, shared; then no other client option may be given. */
        client: RecaptchaEnterprise
        projectId?: undefined
        apiKey?: undefined
        siteKey?: undefined
        endpoint?: undefined
        timeoutMs?: undefined
        retries?: undefined
        proxy?: undefined
        ca?: undefined
      }
  )

/**
 * Friendly Captcha, with its client options (or a configured `client`: ours, or the SDK's own).
 * No `strict`: `onUnavailable` decides what an outage does. The token is read from
 * `frc-captcha-response`, else the older `frc-captcha-solution`, unless `field` is given.
 */
export type FriendlyCaptchaMiddlewareOptions = CaptchaCommonOptions & {
  provider: 'friendly-captcha'
  /** The deadline of the request, in milliseconds (the SDK's `timeout`). Default 20000. */
  timeout?: number
  strict?: never
} & (
    | (Resolvable<Omit<FriendlyCaptchaOptions, 'strict' | 'fetch'>, 'apiKey'> & { client?: undefined })
    | {
        /** A configured client, shared; then no other client option may be given. */
        client: FriendlyCaptchaClient | { verifyCaptchaResponse(response: string, opts?: { timeout?: number; sitekey?: string }): Promise<unknown> }
        apiKey?: undefined
        sitekey?: undefined
        apiEndpoint?: undefined
        siteverifyEndpoint?: undefined
        proxy?: undefined
        ca?: undefined
      }
  )

export type CaptchaOptions =
  | TrustCaptchaMiddlewareOptions
  | SwetrixMiddlewareOptions
  | RecaptchaMiddlewareOptions
  | PlaytchaMiddlewareOptions
  | TurnstileMiddlewareOptions
  | HCaptchaMiddlewareOptions
  | RecaptchaEnterpriseMiddlewareOptions
  | FriendlyCaptchaMiddlewareOptions

/** What each provider verified. */
export interface CaptchaVerifiedResults {
  trustcaptcha: VerificationResult
  swetrix: SwetrixValidationData
  recaptcha: { success: true }
  playtcha: PlaytchaVerifiedResult
  turnstile: TurnstileVerdict
  hcaptcha: HCaptchaVerdict
  'recaptcha-enterprise': RecaptchaEnterpriseVerdict
  'friendly-captcha': FriendlyCaptchaVerifyResult
}

/** What may come with a failure or an outage. */
export interface CaptchaOtherResults {
  /** A result with `verificationPassed` false, or a score above `maxScore`. */
  trustcaptcha: VerificationResult
  swetrix: never
  recaptcha: never
  /** A fail-open result (an outage). */
  playtcha: PlaytchaResult
  /** The verdict with `success: false` and its codes (a failed check's included). */
  turnstile: TurnstileVerdict
  hcaptcha: HCaptchaVerdict
  'recaptcha-enterprise': RecaptchaEnterpriseVerdict
  'friendly-captcha': FriendlyCaptchaVerifyResult
}

interface OutcomeBase<P extends CaptchaProvider> {
  provider: P
}

/** The provider verified the token. */
export interface CaptchaVerified<P extends CaptchaProvider = CaptchaProvider> extends OutcomeBase<P> {
  ok: true
  status: 200
  code: 'verified'
  failedOpen: false
  result: CaptchaVerifiedResults[P]
  error?: undefined
}

/** The provider was unavailable and `onUnavailable` is `'allow'`: let through, not verified. */
export interface CaptchaFailedOpen<P extends CaptchaProvider = CaptchaProvider> extends OutcomeBase<P> {
  ok: true
  status: 200
  code: 'failed_open'
  failedOpen: true
  /** Playtcha's fail-open result. */
  result?: P extends 'playtcha' ? PlaytchaFailedOpenResult : never
  /** What happened, for your logs only: never send it to the client. */
  error?: Error
}

/** `skip(request)` returned `true`: no token was looked for and no provider asked. */
export interface CaptchaSkipped<P extends CaptchaProvider = CaptchaProvider> extends OutcomeBase<P> {
  ok: true
  status: 200
  code: 'skipped'
  failedOpen: false
  result?: undefined
  error?: undefined
}

/** The request was refused: answer `status` with `{ error: code }`. */
export interface CaptchaRefused<P extends CaptchaProvider = CaptchaProvider> extends OutcomeBase<P> {
  ok: false
  /**
   * `token_missing`: no token (no request was made), or the body did not arrive in time (`error`
   * says so); `verification_failed`: the provider refused the token; `body_too_large`: an unparsed
   * body over 64 KiB.
   */
  status: 400
  code: 'token_missing' | 'verification_failed' | 'body_too_large'
  failedOpen: false
  result?: CaptchaOtherResults[P]
  /** What happened, for your logs only: never send it to the client. */
  error?: Error
}

/** The provider was unavailable and `onUnavailable` is `'reject'`. */
export interface CaptchaUnavailable<P extends CaptchaProvider = CaptchaProvider> extends OutcomeBase<P> {
  ok: false
  status: 503
  code: 'provider_unavailable'
  failedOpen: false
  result?: P extends 'playtcha' ? PlaytchaFailedOpenResult : never
  /** What happened, for your logs only: never send it to the client. */
  error?: Error
}

/** Every outcome of a check; narrow on `ok` or `code`. `CaptchaOutcome<'swetrix'>` for one provider. */
export type CaptchaOutcome<P extends CaptchaProvider = CaptchaProvider> = P extends CaptchaProvider
  ? CaptchaVerified<P> | CaptchaFailedOpen<P> | CaptchaRefused<P> | CaptchaUnavailable<P>
  : never

export type CaptchaOutcomeCode = CaptchaOutcome['code'] | 'skipped'

/** What `verifyRequest` resolves for options `O`: with a `skip`, `CaptchaSkipped` too. */
export type CaptchaOutcomeOf<O extends CaptchaOptions> =
  | CaptchaOutcome<O['provider']>
  | ('skip' extends keyof O ? (O['skip'] extends undefined ? never : CaptchaSkipped<O['provider']>) : never)

/**
 * What `verifyRequest` reads: an Express, Fastify or Koa (`ctx.request`) request, a plain
 * `{ body, headers, ip }`, or a Node `IncomingMessage` whose body is unread (then read here: a
 * form or JSON by `content-type`, at most 64 KiB, within the provider's timeout, 10 s at most).
 */
export interface CaptchaRequest {
  body?: unknown
  headers?: { [name: string]: string | string[] | undefined }
  ip?: string
  socket?: { remoteAddress?: string }
}

/** What `requireCaptcha` answers on: Express's `res`, or a plain `http.ServerResponse`. */
export interface CaptchaResponse {
  status?(code: number): unknown
  /** Given `{ error: code }`; typed `any` so that a route's response type comes from its own handlers. */
  json?(body: any): unknown
  statusCode?: number
  headersSent?: boolean
  setHeader?(name: string, value: string): unknown
  end?(chunk: string): unknown
}

/**
 * The middleware. Generic in the request and response so that Express infers a route's types
 * from its own handlers, never from this one.
 */
export type CaptchaMiddleware = <Req extends CaptchaRequest, Res extends CaptchaResponse>(
  req: Req,
  res: Res,
  next: (error?: unknown) => void,
) => Promise<void>

/**
 * Checks the token of `request` with the provider. Resolves an outcome whatever the token;
 * rejects only for a misconfiguration: a wrong option (`TypeError`), a refused API key or secret,
 * no reCAPTCHA secret (a `RecaptchaError` with `statusCode` 500). The client is built once per
 * `options` object: reuse the object.
 */
export function verifyRequest<O extends CaptchaOptions>(
  request: CaptchaRequest,
  options: O,
): Promise<CaptchaOutcomeOf<O>>

/**
 * An Express (connect-style) middleware. On `ok` it sets `req.captcha` (or
 * `req[requestProperty]`) to the outcome and calls `next()`; otherwise it answers `status` with
 * `{ error: code }` and nothing else (Express's `res.status().json()`, or `statusCode` and `end`
 * on a plain response). A misconfiguration goes to `next(error)` as a `CaptchaConfigurationError`.
 * reCAPTCHA gets `retries: 1` unless told otherwise.
 * @throws at once for wrong options; the client is built here, once.
 */
export function requireCaptcha(options: CaptchaOptions): CaptchaMiddleware

/**
 * What `requireCaptcha` hands to `next()` for a misconfiguration (a refused key or secret, no
 * reCAPTCHA secret, a wrong option at request time): status 500 and `expose: false`, so no error
 * handler shows the browser the provider's status or text. The provider's error is the `cause`.
 */
export class CaptchaConfigurationError extends Error {
  constructor(cause: unknown)
  readonly status: 500
  readonly statusCode: 500
  readonly expose: false
}

/**
 * Friendly Captcha answered a 4xx other than 429 (a refused API key or sitekey): the `cause` of
 * the `CaptchaConfigurationError` the middleware hands to `next()`, and what `verifyRequest`
 * rejects with.
 */
export class FriendlyCaptchaConfigurationError extends Error {
  /** The status Friendly Captcha answered. */
  readonly status: number
  /** The API's `error_code` (`auth_invalid`, `sitekey_invalid`...), when it sent one. */
  readonly code?: string
}

declare global {
  namespace Express {
    interface Request {
      /** Set by captcha-native's `requireCaptcha` (with the default `requestProperty`). */
      captcha?: CaptchaOutcome | CaptchaSkipped
    }
  }
}
