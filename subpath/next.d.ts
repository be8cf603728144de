// `captcha-native/next`: the Next.js App Router's route handlers and server actions. Typed on the
// Web `Request` (Next's NextRequest is one), generic in the request so that a handler typed with
// NextRequest gets it: no import of Next's types, whose declarations check only with
// `skipLibCheck` (they need @types/react) and which no user of these types should need.
import type { CaptchaProvider } from './middleware'
import type { CaptchaOptionsFor, CaptchaOutcomeFor, CaptchaPassed } from './web'

export { CaptchaConfigurationError } from './middleware'
export type { CaptchaOptions, CaptchaOutcome, CaptchaSkipped } from './middleware'
export type { WebCaptchaOptions, CaptchaPassed } from './web'

/**
 * The middleware's options (`CaptchaOptions`, `trustProxy`), with `skip`, secret resolvers and
 * hooks given `R`: the route handler's request, or a server action's FormData. No
 * `requestProperty`: the outcome is returned, or handed to the handler.
 */
export type NextCaptchaOptions<R = Request> = CaptchaOptionsFor<R> & { requestProperty?: never }

/**
 * Checks the CAPTCHA token of a route handler's request, read from a clone of its body (a form,
 * multipart or JSON, at most 64 KiB): the handler can still read the body. Resolves the outcome
 * whatever the token; rejects with a `CaptchaConfigurationError` for a misconfiguration (and for
 * a body already read). The client is built once per `options` object: reuse the object.
 */
export function verifyCaptcha<R extends Request, O extends NextCaptchaOptions<R>>(
  request: R,
  options: O,
): Promise<CaptchaOutcomeFor<O>>

/** What a server action's check reads the address (with `trustProxy`) and User-Agent of. */
export interface CaptchaRequestHeaders {
  get(name: string): string | null
}

/**
 * Checks the CAPTCHA token of a server action's FormData. The User-Agent (and, with
 * `trustProxy`, the address) come from `headers` when given, else from `headers()` of
 * `next/headers` for the request the action runs in. Resolves the outcome: the action decides
 * what to render. Rejects with a `CaptchaConfigurationError` for a misconfiguration.
 */
export function verifyCaptchaForm<O extends NextCaptchaOptions<FormData>>(
  formData: FormData,
  options: O,
  init?: { headers?: CaptchaRequestHeaders },
): Promise<CaptchaOutcomeFor<O>>

/**
 * Wraps a route handler: a refused request is answered `Response.json({ error: code }, { status })`
 * (400 or 503) and never reaches it; otherwise it is called with the request, Next's `context`
 * (its `params`) and the outcome. `options` may be a function returning them, called at the first
 * request (`next build` loads route modules without the app's secrets). A misconfiguration
 * rejects with a `CaptchaConfigurationError` (Next answers 500).
 * @throws at once for wrong options given as an object; the client is built here, once.
 */
export function withCaptcha<R extends Request, C, O extends NextCaptchaOptions<R>>(
  options: O | (() => O),
  handler: (request: R, context: C, captcha: CaptchaPassed<O['provider'] & CaptchaProvider>) => Response | Promise<Response>,
): (request: R, context: C) => Promise<Response>
