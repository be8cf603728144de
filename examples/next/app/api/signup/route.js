import { withCaptcha } from 'captcha-native/next'
import { captchaOptions } from '../../captcha.js'

// A refused token never reaches the handler: withCaptcha answers 400 (or 503) itself.
export const POST = withCaptcha(captchaOptions, async (request, context, captcha) => {
  return Response.json({ outcome: captcha.code })
})
