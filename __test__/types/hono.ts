// Type test: captcha-native/hono with Hono's own types, under strict mode. Never run.
import { Hono } from 'hono'
import { captcha, CaptchaConfigurationError, type HonoCaptchaOptions } from 'captcha-native/hono'

const app = new Hono()
app.post('/signup', captcha({ provider: 'turnstile', secret: 's', expectedAction: 'login' }), async (c) => {
  // The handler runs only for a passing outcome of the options' provider.
  const outcome = c.get('captcha')
  const code: 'verified' | 'failed_open' | 'skipped' = outcome.code
  const ok: true = outcome.ok
  const provider: 'turnstile' = outcome.provider
  // @ts-expect-error a refused outcome never reaches the handler
  if (outcome.code === 'token_missing') console.log('unreachable')
  // @ts-expect-error the provider is the options'
  const other: 'hcaptcha' = outcome.provider
  if (outcome.code === 'verified') console.log(outcome.result.hostname, ok, provider, other)
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

// requestProperty names the variable, a passing outcome of the provider too.
app.post('/bot', captcha({ provider: 'hcaptcha', secret: 's', requestProperty: 'bot' }), (c) => {
  const bot = c.get('bot')
  const provider: 'hcaptcha' = bot.provider
  // @ts-expect-error a refused outcome never reaches the handler
  const refused: 'verification_failed' = bot.code
  return c.json({ code: bot.code, provider, refused })
})

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

// Inline options: skip and resolvers are still given the Context (no implicit any).
app.post('/inline', captcha({ provider: 'turnstile', secret: (c) => c.req.header('x-key') ?? '', skip: (c) => c.req.path === '/x' }), (c) => {
  const skipped: boolean = c.get('captcha').code === 'skipped'
  return c.json({ skipped })
})
