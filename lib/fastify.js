'use strict'
// `captcha-native/fastify`: the middleware's check (lib/middleware.js) as a Fastify `preHandler`
// hook, and a plugin that adds it to every route whose `config.captcha` asks for it.
//
//   app.post('/signup', { preHandler: captchaPreHandler(options) }, handler)
//   await app.register(captchaPlugin)
//   app.post('/signup', { config: { captcha: options } }, handler)
//
// The token is read from Fastify's parsed `request.body` (JSON, or a form with @fastify/formbody).
// The outcome lands on `request.captcha` (or `request[options.requestProperty]`); a refusal is
// answered `reply.code(status).send({ error: code })`; a misconfiguration is thrown to Fastify's
// error handler as a CaptchaConfigurationError (status 500, no upstream text).

const { createVerifier, verifyOrThrow, oncePerOptions, CaptchaConfigurationError } = require('./middleware.js')

/**
 * A Fastify `preHandler` hook checking the request's CAPTCHA token.
 * @throws for wrong options, at once: the client is built here, once.
 */
function captchaPreHandler (options) {
  const verifier = createVerifier(options)
  const { property } = verifier
  return async function captchaPreHandlerHook (request, reply) {
    const made = await verifyOrThrow(verifier, request)
    request[property] = made
    if (made.ok) return
    // Returning the reply tells Fastify the hook answered: the handler is not called.
    return reply.code(made.status).send({ error: made.code })
  }
}

/**
 * A Fastify plugin (not encapsulated: it applies to the routes declared after it, wherever) that
 * decorates `request.captcha` and adds the check to each route with `config.captcha`: an options
 * object, or `true` for the plugin's own `options`.
 */
function captchaPlugin (fastify, pluginOptions, done) {
  const defaults = pluginOptions?.options
  if (defaults !== undefined && (defaults === null || typeof defaults !== 'object')) {
    done(new TypeError('options must be an object'))
    return
  }
  if (!fastify.hasRequestDecorator('captcha')) fastify.decorateRequest('captcha', null)
  // One hook (one client) per options object, however many routes give it (`true` gives the plugin's).
  const hookOf = oncePerOptions(captchaPreHandler)
  fastify.addHook('onRoute', (route) => {
    const wanted = route.config?.captcha
    if (wanted === undefined || wanted === false || wanted === null) return
    let options = wanted
    if (wanted === true) {
      if (defaults === undefined) throw new TypeError('config.captcha is true but the plugin was registered with no options')
      options = defaults
    }
    const hook = hookOf(options)
    // First among the route's own preHandlers: nothing of the route runs for a refused request.
    const own = route.preHandler === undefined ? [] : [].concat(route.preHandler)
    route.preHandler = [hook, ...own]
  })
  done()
}
// What fastify-plugin does: the decoration and the onRoute hook reach the registering scope.
captchaPlugin[Symbol.for('skip-override')] = true
captchaPlugin[Symbol.for('fastify.display-name')] = 'captcha-native'
captchaPlugin[Symbol.for('plugin-meta')] = { name: 'captcha-native', fastify: '5.x' }

module.exports = { captchaPlugin, captchaPreHandler, CaptchaConfigurationError }
