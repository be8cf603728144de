// Type tests for hCaptcha: the `hcaptcha` package's `verify` as its README uses it, and the
// HCaptcha class as hCaptcha's docs use siteverify (the token from `h-captcha-response`,
// `remoteip`, `sitekey`, Enterprise's score). Compiled by `tsc -p __test__/types`, never run.

import { verify, configureHcaptcha, HCaptcha, HCaptchaUnavailableError, HCaptchaConfigurationError, FailoverException } from 'captcha-native/hcaptcha'
import type { VerifyResponse, HCaptchaVerdict, HCaptchaErrorCode } from 'captcha-native/hcaptcha'
import * as root from 'captcha-native'

declare const secret: string
declare const token: string

// The package's README, unchanged.
verify(secret, token)
  .then((data) => {
    if (data.success === true) {
      console.log('success!', data)
    } else {
      console.log('verification failed')
    }
  })
  .catch(console.error)

export async function usage(): Promise<void> {
  const data: VerifyResponse = await verify(secret, token, '203.0.113.9', '10000000-ffff-ffff-ffff-000000000001')
  const codes: string[] | undefined = data['error-codes']
  const ts: string | undefined = data.challenge_ts
  const score: number | undefined = data.score
  const reasons: string[] | undefined = data.score_reason
  void [codes, ts, score, reasons]
  await verify(secret, token, null, 'sitekey')
  configureHcaptcha({ siteverifyUrl: 'http://127.0.0.1:8787/siteverify', timeoutMs: 3000, retries: 1 })
  configureHcaptcha()

  const hcaptcha = new HCaptcha({ secret })
  const verdict: HCaptchaVerdict = await hcaptcha.verify(token, { remoteip: '203.0.113.9', sitekey: 's', maxScore: 0.7 })
  const risk: number | undefined = verdict.score
  const why: string[] | undefined = verdict.scoreReason
  const errors: HCaptchaErrorCode[] = verdict.errorCodes
  if (errors.includes('sitekey-secret-mismatch') || errors.includes('already-seen-response')) console.log('no')
  void [risk, why, root.HCaptcha === HCaptcha]

  try {
    await hcaptcha.verify(token)
  } catch (error) {
    if (error instanceof HCaptchaUnavailableError) {
      const failover: FailoverException = error
      void failover.message
    } else if (error instanceof HCaptchaConfigurationError) {
      void error.errorCodes
    }
  }
}

// Mistakes the types catch.
// @ts-expect-error the package takes remoteip as a string
void verify(secret, token, 42)
// @ts-expect-error hCaptcha's score is a risk score: maxScore, not minScore
void new HCaptcha({ secret }).verify(token, { minScore: 0.5 })
// @ts-expect-error configureHcaptcha takes no secret
configureHcaptcha({ secret })
