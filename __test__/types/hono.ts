// Type test: captcha-native/hono with Hono's own types, under strict mode. Never run.
import { Hono } from 'hono'
import { captcha, CaptchaConfigurationError, type HonoCaptchaOptions } from 'captcha-native/hono'

const app = new Hono()
app.post('/signup', captcha({ provider: 'turnstile', secret: 's', expectedAction: 'login' }), async (c) => {
  const outcome = c.get('captcha')
  const code: 'verified' | 'failed_open' | 'skipped' | 'token_missing' | 'verification_failed' | 'body_too_large' | 'provider_unavailable' = outcome.code
  if (outcome.code === 'verified') console.log(outcome.result)
  const body = await c.req.parseBody()
  return c.json({ code, failedOpen: outcome.failedOpen, email: body.email })
})

// skip, resolvers and hooks are given the Context; trustProxy counts the proxies.
const options: HonoCaptchaOptions = {
  provider: 'trustcaptcha',
  apiKey: (c) => c.req.header('x-tenant-key') ?? '',
  maxScore: 0.5,
  onUnavailable: 'allow',
  trustProxy: 1,
  skip: (c) => c.req.header('x-trusted') === 'yes',
  onVerified: (outcome, c) => console.log(outcome.code, c.req.path),
  onRefused: (outcome) => console.log(outcome.code)
}
app.use('/api/*', captcha(options))

// requestProperty names the variable.
app.post('/bot', captcha({ provider: 'hcaptcha', secret: 's', requestProperty: 'bot' }), (c) => c.json({ code: c.get('bot').code }))

app.onError((error, c) => {
  if (error instanceof CaptchaConfigurationError) return c.json({ error: 'internal_error' }, error.status)
  return c.text('error', 500)
})

// @ts-expect-error an unknown provider
captcha({ provider: 'nope' })
// @ts-expect-error Hono's variables take a string key
captcha({ provider: 'turnstile', secret: 's', requestProperty: Symbol('captcha') })
// @ts-expect-error trustProxy is a boolean or a count
captcha({ provider: 'turnstile', secret: 's', trustProxy: 'yes' })

app.post('/typed', captcha({ provider: 'playtcha', secret: 's' }), (c) => {
  // @ts-expect-error the outcome's code is a string union
  const wrong: number = c.get('captcha').code
  return c.json({ wrong })
})
