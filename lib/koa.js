'use strict'
// `captcha-native/koa`: the middleware's check (lib/middleware.js) as Koa middleware.
//
//   app.use(bodyParser())
//   router.post('/signup', captcha(options), handler)
//
// The token is read from `ctx.request.body` (a body parser's), else from the unread body (a form
// or JSON, at most 64 KiB). The outcome lands on `ctx.state.captcha` (or
// `ctx.state[options.requestProperty]`); a refusal is answered `ctx.status = status` and
// `ctx.body = { error: code }`; a misconfiguration is thrown as a CaptchaConfigurationError
// (status 500, expose false: Koa shows no detail).

const { createVerifier, verifyOrThrow, leftBodyUnread, CaptchaConfigurationError } = require('./middleware.js')

/**
 * Koa middleware checking the request's CAPTCHA token. `skip`, secret resolvers and hooks are
 * given `ctx.request` (its `ctx` is the context).
 * @throws for wrong options, at once: the client is built here, once.
 */
function captcha (options) {
  const verifier = createVerifier(options)
  const { property } = verifier
  return async function captchaMiddleware (ctx, next) {
    const made = await verifyOrThrow(verifier, ctx.request)
    ctx.state[property] = made
    if (made.ok) return next()
    // A body left unread (too large, or not arrived whole): the connection is not reused.
    if (leftBodyUnread(made)) ctx.set('connection', 'close')
    ctx.status = made.status
    ctx.body = { error: made.code }
  }
}

module.exports = { captcha, CaptchaConfigurationError }
