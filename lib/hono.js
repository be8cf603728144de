'use strict'
// `captcha-native/hono`: the middleware's check (lib/middleware.js) as Hono middleware.
//
//   app.post('/signup', captcha(options), (c) => c.json({ outcome: c.get('captcha').code }))
//
// The token is read from a clone of the request's body (a form, multipart or JSON, at most
// 64 KiB), so the handler's `c.req.parseBody()` and `c.req.json()` still read the body. The
// outcome lands on `c.get('captcha')` (or `c.get(options.requestProperty)`); a refusal is
// answered `c.json({ error: code }, status)`; a misconfiguration is thrown as a
// CaptchaConfigurationError (status 500), for Hono's `onError`.

const { createVerifier, verifyOrThrow, leftBodyUnread, CaptchaConfigurationError } = require('./middleware.js')
const { webOptions, fieldsOf, bodyAlreadyRead, readRequestBody, requestSource, typeOf } = require('./web.js')
const { BODY_LIMIT, formFields } = require('./body.js')

/**
 * The connection's address where the runtime tells it: @hono/node-server's `c.env.incoming`.
 * (Bun's and Deno's servers tell it otherwise; there none is sent unless `trustProxy`.)
 */
function socketAddressOf (c) {
  const env = c.env
  if (env === null || typeof env !== 'object') return undefined
  const incoming = env.incoming ?? env.server?.incoming
  return incoming?.socket?.remoteAddress
}

/**
 * The body's fields: from a clone of the raw request, or, when a middleware before this one
 * already read it through `c.req`, from what Hono cached of it. Read from `c.req.raw` itself,
 * it left no copy: that is a misconfiguration, said as readRequestBody says it.
 */
async function honoBody (c, timeoutMs) {
  const raw = c.req.raw
  if (!raw.bodyUsed) return readRequestBody(raw, timeoutMs)
  const type = typeOf(raw.headers)
  const cache = c.req.bodyCache ?? {}
  if (Object.keys(cache).length === 0) throw bodyAlreadyRead()
  if (cache.formData !== undefined) return { fields: formFields(await cache.formData), type }
  const bytes = new Uint8Array(await c.req.arrayBuffer())
  if (bytes.byteLength > BODY_LIMIT) return { tooLarge: true, type }
  return { fields: await fieldsOf(bytes, raw.headers.get('content-type'), type), type }
}

/**
 * Hono middleware checking the request's CAPTCHA token. `skip`, secret resolvers and hooks are
 * given the Context `c`.
 * @throws for wrong options, at once: the client is built here, once.
 */
function captcha (options) {
  const { trustProxy, options: middlewareOptions } = webOptions(options)
  const verifier = createVerifier(middlewareOptions)
  const { property } = verifier
  if (typeof property !== 'string') throw new TypeError("requestProperty must be a string: Hono's c.set takes a string key")
  return async function captchaMiddleware (c, next) {
    const source = requestSource(c.req.raw, { socketAddress: socketAddressOf(c), trustProxy, readBody: (request, timeoutMs) => honoBody(c, timeoutMs) })
    const made = await verifyOrThrow(verifier, c, source)
    c.set(property, made)
    if (made.ok) {
      await next()
      return
    }
    // A body left unread (too large, or not arrived whole): the connection is not reused.
    if (leftBodyUnread(made)) c.header('connection', 'close')
    return c.json({ error: made.code }, made.status)
  }
}

module.exports = { captcha, CaptchaConfigurationError }
