'use strict'
// `captcha-native/next`: the middleware's check (lib/middleware.js) for the Next.js App Router.
//
//   export const POST = withCaptcha(options, async (request, context, captcha) => Response.json(...))
//   const captcha = await verifyCaptcha(request, options)          // in a route handler
//   const captcha = await verifyCaptchaForm(formData, options)     // in a server action
//
// The token is read from a clone of the request's body (a form, multipart or JSON, at most
// 64 KiB), so the handler can still read the body; in a server action, from its FormData, with
// the address and User-Agent of the request `next/headers` tells. A misconfiguration is thrown
// as a CaptchaConfigurationError (status 500; Next answers its own 500 page). Next itself is
// never required at load: only `verifyCaptchaForm` asks for `next/headers`, when called.

// The addon is native: on Next's Edge runtime it cannot load, and this says why before the
// binding fails to.
if (typeof globalThis.EdgeRuntime === 'string' || globalThis.process?.env?.NEXT_RUNTIME === 'edge') {
  throw new Error("captcha-native/next runs on Next's Node.js runtime only (the addon is native): remove `export const runtime = 'edge'` from the route")
}

const { createVerifier, verifyOrThrow, oncePerOptions, CaptchaConfigurationError } = require('./middleware.js')
const { webOptions, requestSource, formSource } = require('./web.js')

/** Checks options once: the verifier and the Web adapters' own options. */
function prepare (options) {
  const { trustProxy, options: middlewareOptions } = webOptions(options)
  if (middlewareOptions.requestProperty !== undefined) {
    throw new TypeError('requestProperty has no use in captcha-native/next: the outcome is returned (withCaptcha hands it to the handler)')
  }
  return { verifier: createVerifier(middlewareOptions), trustProxy }
}

/** What was prepared for each options object, so that a reused object builds its client once. */
const preparedFor = oncePerOptions(prepare)

/** Runs the checks of the options and arguments; anything they throw is a misconfiguration. */
function checked (run) {
  try {
    return run()
  } catch (error) {
    throw new CaptchaConfigurationError(error)
  }
}

/**
 * Checks the CAPTCHA token of a route handler's request (a `NextRequest` or any `Request`),
 * read from a clone: the handler can read the body after. Resolves the outcome; rejects with a
 * CaptchaConfigurationError for a misconfiguration. `skip`, secret resolvers and hooks are given
 * the request. The client is built once per `options` object: reuse the object.
 */
async function verifyCaptcha (request, options) {
  const { verifier, trustProxy } = checked(() => {
    const made = preparedFor(options)
    if (request === null || typeof request !== 'object' || typeof request.headers?.get !== 'function') {
      throw new TypeError('verifyCaptcha takes the route handler\'s Request')
    }
    return made
  })
  return verifyOrThrow(verifier, request, requestSource(request, { trustProxy }))
}

/**
 * `next/headers`, or undefined when it is not installed (not running in Next). Found but failing
 * to load (a broken install, a dependency of its own missing) is no reason to go on without the
 * client's address: that is thrown, as a misconfiguration.
 */
function loadNextHeaders () {
  let found
  try {
    // Resolved apart from loaded, so that only `next/headers` itself missing counts as absent.
    found = require.resolve('next/headers')
  } catch (error) {
    if (error?.code === 'MODULE_NOT_FOUND' || error?.code === 'ERR_MODULE_NOT_FOUND') return undefined
    throw new CaptchaConfigurationError(error)
  }
  try {
    return require(found)
  } catch (error) {
    throw new CaptchaConfigurationError(error)
  }
}

/** The headers of the request a server action runs for, from `next/headers` (async since Next 15). */
async function actionHeaders () {
  const nextHeaders = loadNextHeaders()
  if (nextHeaders === undefined) return new Headers() // not running in Next: no address, no User-Agent
  // Not caught: outside a request Next throws its own error, which says why.
  return nextHeaders.headers()
}

/**
 * Checks the CAPTCHA token of a server action's FormData. The address and User-Agent are those
 * of `headers` when given, else of the request `next/headers` tells. Resolves the outcome (the
 * action decides what to render); rejects with a CaptchaConfigurationError for a
 * misconfiguration. `skip`, secret resolvers and hooks are given the FormData.
 */
async function verifyCaptchaForm (formData, options, { headers } = {}) {
  const { verifier, trustProxy } = checked(() => {
    if (formData === null || typeof formData !== 'object' || typeof formData.getAll !== 'function') {
      throw new TypeError('verifyCaptchaForm takes the server action\'s FormData')
    }
    return preparedFor(options)
  })
  const requestHeaders = headers ?? await actionHeaders()
  return verifyOrThrow(verifier, formData, formSource(formData, requestHeaders, trustProxy))
}

/**
 * Wraps a route handler: a refused request is answered `Response.json({ error: code }, { status })`
 * (400 or 503) and never reaches it; otherwise it is called `handler(request, context, outcome)`,
 * Next's `context` (its `params`) passed through. `options` may be a function returning them,
 * called at the first request: `next build` loads route modules without the app's secrets.
 * @throws for wrong options (given as an object), at once: the client is built here, once.
 */
function withCaptcha (options, handler) {
  if (typeof handler !== 'function') throw new TypeError('withCaptcha(options, handler): handler must be a function')
  let ready = typeof options === 'function' ? undefined : prepare(options)
  return async function captchaRouteHandler (request, context) {
    ready ??= checked(() => prepare(options()))
    const { verifier, trustProxy } = ready
    const made = await verifyOrThrow(verifier, request, requestSource(request, { trustProxy }))
    if (!made.ok) return Response.json({ error: made.code }, { status: made.status })
    return handler(request, context, made)
  }
}

module.exports = { withCaptcha, verifyCaptcha, verifyCaptchaForm, CaptchaConfigurationError }
