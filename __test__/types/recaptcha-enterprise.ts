// Type tests for reCAPTCHA Enterprise, written the way Google's "create an assessment" and
// "interpret an assessment" samples use it (the token, the expected action, the score, then an
// annotation). Compiled by `tsc -p __test__/types`, never run.

import { RecaptchaEnterprise, RecaptchaEnterpriseUnavailableError, RecaptchaEnterpriseConfigurationError, FailoverException, isProviderUnavailable, Emulator } from 'captcha-native'
import type {
  RecaptchaEnterpriseVerdict, RecaptchaEnterpriseOptions, RecaptchaEnterpriseAssessOptions, RecaptchaEnterpriseErrorCode,
  RecaptchaEnterpriseInvalidReason, RecaptchaEnterpriseAnnotation, RecaptchaEnterpriseClaims
} from 'captcha-native'
import * as sub from 'captcha-native/recaptcha-enterprise'

declare const body: Record<string, string>
declare const ip: string

export async function usage(): Promise<boolean> {
  const enterprise = new RecaptchaEnterprise({ projectId: 'my-project', apiKey: process.env.RECAPTCHA_API_KEY ?? '', siteKey: '6Lc...' })
  const verdict: RecaptchaEnterpriseVerdict = await enterprise.assess(body['g-recaptcha-response'], { expectedAction: 'login', userIpAddress: ip, minScore: 0.5 })
  const valid: boolean = verdict.tokenProperties.valid
  const reason: RecaptchaEnterpriseInvalidReason = verdict.tokenProperties.invalidReason
  const score: number | undefined = verdict.riskAnalysis.score
  const codes: RecaptchaEnterpriseErrorCode[] = verdict.errorCodes
  void [valid, reason, score, codes]
  if (verdict.name !== undefined) {
    const annotation: RecaptchaEnterpriseAnnotation = verdict.passed ? 'LEGITIMATE' : 'FRAUDULENT'
    await enterprise.annotate(verdict.name, annotation, { reasons: ['CHARGEBACK'] })
  }
  // @ts-expect-error: an annotation Google does not take
  await enterprise.annotate('projects/p/assessments/a', 'MAYBE')
  // @ts-expect-error: the project id is required
  void new RecaptchaEnterprise({ apiKey: 'k', siteKey: 's' })
  // @ts-expect-error: minScore is a number
  await enterprise.assess('t', { minScore: '0.5' })

  const options: RecaptchaEnterpriseOptions = { projectId: '123456789', apiKey: 'k', siteKey: 's', endpoint: 'http://127.0.0.1:8787', timeoutMs: 3000, retries: 0, proxy: false, ca: 'pem' }
  const assess: RecaptchaEnterpriseAssessOptions = { expectedHostname: ['example.com'], userAgent: 'ua', requestedUri: 'https://example.com/' }
  await new sub.RecaptchaEnterprise(options).assess('t', assess)

  const emulator = await Emulator.start({ recaptchaEnterpriseProjectId: '123456789' })
  const id = Emulator.identities['recaptcha-enterprise']
  const claims: RecaptchaEnterpriseClaims = { action: 'login', score: 0.3, invalidReason: 'EXPIRED' }
  const token: string = emulator.issue('recaptcha-enterprise', claims)
  const testScore: number = id.testSiteKeys.bot.testingScore
  const key: string = emulator.credentials.recaptchaEnterpriseApiKey
  void [token, testScore, key]

  try {
    return (await enterprise.assess('t')).passed
  } catch (error) {
    if (error instanceof RecaptchaEnterpriseUnavailableError) {
      const attempts: number = error.attempts
      void attempts
      return error instanceof FailoverException && isProviderUnavailable(error)
    }
    if (error instanceof RecaptchaEnterpriseConfigurationError) {
      const status: number | undefined = error.status
      const word: string | undefined = error.googleStatus
      void [status, word]
    }
    throw error
  }
}
