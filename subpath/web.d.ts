// Types shared by the adapters on Web Requests (captcha-native/hono, captcha-native/next): the
// middleware's options with `skip`, secret resolvers and hooks given the framework's own request,
// and the options those adapters add. Types only: there is no `captcha-native/web` module.
import type {
  CaptchaOptions,
  CaptchaOutcome,
  CaptchaProvider,
  CaptchaSkipped,
  CaptchaVerified,
  CaptchaRefused,
  CaptchaFailedOpen,
  CaptchaUnavailable,
  CaptchaSecretResolver,
} from './middleware'

/** The options of the adapters on Web Requests, besides the middleware's. */
export interface WebCaptchaOptions {
  /**
   * Which address is the visitor's. Default `false`: the connection's where the runtime tells it
   * (Hono on @hono/node-server), else none is sent; X-Forwarded-For is anyone's to forge. A number
   * `n`: the app sits behind `n` proxies, each appending the address it saw to X-Forwarded-For,
   * so the visitor's is the n-th from the right (Express's `trust proxy` hop count). `true`: the
   * leftmost, trusting every hop. An entry that is no IP address sends none.
   */
  trustProxy?: boolean | number
}

/** The options where a provider takes its secret or API key (a string, or a resolver). */
type SecretOption = 'apiKey' | 'secret' | 'secretKey'

/** One provider's options, with `skip`, its secret resolver and the hooks given `R`. */
type GivenRequest<O, R> = {
  [K in keyof O]: K extends 'skip'
    ? (request: R) => boolean | Promise<boolean>
    : K extends 'onVerified'
      ? (outcome: CaptchaVerified, request: R) => unknown
      : K extends 'onRefused'
        ? (outcome: CaptchaRefused, request: R) => unknown
        : K extends 'onOutage'
          ? (outcome: CaptchaFailedOpen | CaptchaUnavailable, request: R) => unknown
          : K extends SecretOption
            ? CaptchaSecretResolver extends O[K]
              ? Exclude<O[K], CaptchaSecretResolver> | ((request: R) => string | Promise<string>)
              : O[K]
            : O[K]
}

/**
 * The middleware's options (`CaptchaOptions`) where `skip`, a secret resolver and the hooks are
 * given `R` (Hono's Context, a NextRequest, a server action's FormData), plus `trustProxy`.
 */
export type CaptchaOptionsFor<R> = (CaptchaOptions extends infer O ? (O extends unknown ? GivenRequest<O, R> : never) : never) &
  WebCaptchaOptions

/** What a check resolves for options `O`: with a `skip`, `CaptchaSkipped` too. */
export type CaptchaOutcomeFor<O extends { provider: CaptchaProvider }> =
  | CaptchaOutcome<O['provider']>
  | ('skip' extends keyof O ? (O['skip'] extends undefined ? never : CaptchaSkipped<O['provider']>) : never)

/** An outcome that lets the request through: verified, failed open, or skipped. */
export type CaptchaPassed<P extends CaptchaProvider = CaptchaProvider> =
  | CaptchaVerified<P>
  | CaptchaFailedOpen<P>
  | CaptchaSkipped<P>
