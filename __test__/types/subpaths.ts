// The subpath entry points carry the same types as the root, for each provider alone.
import { TrustCaptcha, FailoverException, ServerUnreachableException } from 'captcha-native/trustcaptcha'
import { validateToken } from 'captcha-native/swetrix'
import wixCaptcha, { authorize, RecaptchaError } from 'captcha-native/wix'
import { Playtcha, type PlaytchaResult } from 'captcha-native/playtcha'
import { Emulator, type SwetrixClaims } from 'captcha-native/testing'
import * as root from 'captcha-native'

async function subpaths (token: string): Promise<void> {
  const result = await new TrustCaptcha({ apiKey: 'k' }).getVerificationResult(token)
  const passed: boolean | undefined = result.verificationPassed
  const [ok, data] = await validateToken(token, 'secret')
  if (ok) console.log(data.pid)
  else console.log(data.toUpperCase())
  const report: { success: boolean } = await wixCaptcha.authorize(token)
  await authorize(token, { secretKey: 's' }).catch((error: unknown) => {
    if (error instanceof RecaptchaError) console.log(error.statusCode, error.errorCodes)
    if (error instanceof FailoverException) console.log('unavailable')
  })
  const verified: PlaytchaResult = await new Playtcha({ secret: 's' }).verify(token)
  const emulator = await Emulator.start()
  const claims: SwetrixClaims = { pid: 'AP00000000001' }
  emulator.issue('swetrix', claims)
  // The same classes as the root's.
  const same: typeof root.TrustCaptcha = TrustCaptcha
  const unreachable: root.FailoverException = new ServerUnreachableException()
  console.log(passed, report, verified, same, unreachable)
  // @ts-expect-error the Swetrix subpath has no TrustCaptcha
  console.log((await import('captcha-native/swetrix')).TrustCaptcha)
  // @ts-expect-error the wix default export has no validateToken
  wixCaptcha.validateToken(token, 's')
}
void subpaths
