// Type test: captcha-native/fastify with Fastify's own types, under strict mode. Never run.
import Fastify from 'fastify'
import { captchaPlugin, captchaPreHandler, CaptchaConfigurationError } from 'captcha-native/fastify'

async function fastifyRoutes (): Promise<void> {
  const app = Fastify()
  await app.register(captchaPlugin, { options: { provider: 'turnstile', secret: 's' } })
  app.post('/signup', { preHandler: captchaPreHandler({ provider: 'trustcaptcha', apiKey: 'k', maxScore: 0.5 }) }, async (request) => {
    const code: string | undefined = request.captcha?.code
    if (request.captcha?.code === 'verified') console.log(request.captcha.result)
    return { code }
  })
  app.post('/play', { config: { captcha: { provider: 'playtcha', secret: 's', onUnavailable: 'allow' } } }, async (request) => ({ failedOpen: request.captcha?.failedOpen }))
  app.post('/login', { config: { captcha: true } }, async () => 'ok')
  app.setErrorHandler((error, request, reply) => {
    if (error instanceof CaptchaConfigurationError) return reply.code(error.statusCode).send({ error: 'internal' })
    return reply.send(error)
  })
  // @ts-expect-error an unknown provider
  captchaPreHandler({ provider: 'nope' })
}
console.log(fastifyRoutes)
