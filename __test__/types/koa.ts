// Type test: captcha-native/koa with Koa's own types, under strict mode. Never run.
import Koa from 'koa'
import { captcha, CaptchaConfigurationError, type CaptchaState } from 'captcha-native/koa'

const app = new Koa<CaptchaState>()
app.use(captcha({ provider: 'turnstile', secret: 's', expectedAction: 'login' }))
app.use(captcha({ provider: 'trustcaptcha', apiKey: 'k', maxScore: 0.5, onUnavailable: 'allow' }))
app.use(async (ctx) => {
  const code: string = ctx.state.captcha.code
  if (ctx.state.captcha.code === 'verified') console.log(ctx.state.captcha.result)
  ctx.body = { code, failedOpen: ctx.state.captcha.failedOpen }
})
app.on('error', (error: unknown) => {
  if (error instanceof CaptchaConfigurationError) console.log(error.status, error.expose)
})
// @ts-expect-error an unknown provider
captcha({ provider: 'nope' })
