// `captcha-native/hono`: Hono middleware. Hono's types are imported as types only: the package
// has no runtime dependency on Hono.
import type { Context, MiddlewareHandler } from 'hono'
import type { CaptchaProvider } from './middleware'
import type { CaptchaOptionsFor, CaptchaPassed } from './web'

export { CaptchaConfigurationError } from './middleware'
export type { CaptchaOptions, CaptchaOutcome, CaptchaSkipped } from './middleware'
export type { WebCaptchaOptions, CaptchaPassed } from './web'

/**
 * The middleware's options (`CaptchaOptions`, `trustProxy`), with `skip`, secret resolvers and
 * hooks given Hono's Context `c`; `requestProperty` names the context variable (a string).
 */
export type HonoCaptchaOptions<K extends string = 'captcha'> = CaptchaOptionsFor<Context> & {
  /** The context variable the outcome is set on (`c.get(name)`). Default `'captcha'`. */
  requestProperty?: K
}

/**
 * The context variables the middleware sets: `c.get('captcha')`, a passing outcome of the
 * provider `P` (verified, failed open or skipped): a refused request never reaches the handler.
 */
export type CaptchaVariables<K extends string = 'captcha', P extends CaptchaProvider = CaptchaProvider> = {
  [Name in K]: CaptchaPassed<P>
}

/**
 * Hono middleware. It reads the token from a clone of the request's body (a form, multipart or
 * JSON, at most 64 KiB: the handler's `c.req.parseBody()` and `c.req.json()` still read the
 * body), sets `c.set('captcha', outcome)` (or `requestProperty`'s name) and calls `next()` when
 * the outcome is `ok`; otherwise it answers `c.json({ error: code }, status)` (400 or 503). A
 * misconfiguration is thrown as a `CaptchaConfigurationError` (500) for `app.onError`.
 * @throws at once for wrong options; the client is built here, once.
 */
export function captcha<O extends HonoCaptchaOptions<K>, K extends string = 'captcha'>(
  options: O & { requestProperty?: K },
): MiddlewareHandler<{ Variables: CaptchaVariables<K, O['provider'] & CaptchaProvider> }>
