// `captcha-native/koa`: Koa middleware. Koa's types are imported as types only: the package has
// no runtime dependency on Koa.
import type { Middleware } from 'koa'
import type { CaptchaOptions, CaptchaOutcome, CaptchaSkipped } from './middleware'

export { CaptchaConfigurationError } from './middleware'
export type { CaptchaOptions, CaptchaOutcome, CaptchaSkipped } from './middleware'

/** What the middleware puts on `ctx.state.captcha`. */
export interface CaptchaState {
  captcha: CaptchaOutcome | CaptchaSkipped
}

/**
 * Koa middleware. It reads the token from `ctx.request.body` (a body parser's) or the unread
 * body, sets `ctx.state.captcha` (or `ctx.state[requestProperty]`) to the outcome, and unless it
 * is `ok` answers `ctx.status = status`, `ctx.body = { error: code }` without calling `next`. A
 * misconfiguration is thrown as a `CaptchaConfigurationError` (500, `expose: false`).
 * `skip`, secret resolvers and hooks are given `ctx.request`.
 * @throws at once for wrong options; the client is built here, once.
 */
export function captcha<StateT = CaptchaState>(options: CaptchaOptions): Middleware<StateT>
