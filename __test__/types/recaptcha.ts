// Type tests for the reCAPTCHA drop-in: code written for Wix's wix-captcha-backend, with only the
// import line changed, plus our options. Compiled by `tsc -p __test__/types`, never run.

import wixCaptcha from 'captcha-native'
import {
  authorize,
  configureRecaptcha,
  RecaptchaError,
  RecaptchaUnavailableError,
  FailoverException,
  isProviderUnavailable,
} from 'captcha-native'
import type {
  AuthorizeOptions,
  SuccessReport,
  ErrorReport,
  RecaptchaErrorCode,
} from 'captcha-native'

declare const token: string
declare function insert(data: object): Promise<void>

// ---------------------------------------------------------------------------------------------
// Wix's usage, verbatim

export function defaultImport(data: object): Promise<void> {
  return wixCaptcha.authorize(token)
    .then(() => insert(data))
    .catch((error) => console.log(error))
}

export function namedImport(data: object): Promise<void> {
  return authorize(token)
    .then(() => insert(data))
    .catch((error) => console.log(error))
}

export async function reports(): Promise<boolean> {
  const report: SuccessReport = await wixCaptcha.authorize(token)
  const success: boolean = report.success
  // The default export is the whole module.
  const same: typeof authorize = wixCaptcha.authorize
  wixCaptcha.configureRecaptcha({ secretKey: 's' })
  const isClass: boolean = new wixCaptcha.RecaptchaError() instanceof RecaptchaError
  void [same, isClass]
  return success
}

// ---------------------------------------------------------------------------------------------
// Options and the process-wide configuration

export async function options(): Promise<void> {
  configureRecaptcha({ secretKey: process.env.RECAPTCHA_SECRET_KEY })
  configureRecaptcha()

  const full: AuthorizeOptions = {
    secretKey: 'secret',
    remoteIp: '203.0.113.7',
    siteverifyUrl: 'https://www.google.com/recaptcha/api/siteverify',
    timeoutMs: 5000,
    retries: 10,
    retryDelayMs: 1000,
    expectedHostname: ['example.com', 'www.example.com'],
    expectedAction: 'login',
    minScore: 0.5,
    proxy: { host: 'proxy.internal', port: 3128, auth: { username: 'u', password: 'p' } },
  }
  configureRecaptcha(full)
  await authorize(token, full)
  await authorize(token, { expectedHostname: 'example.com', proxy: false })
  const hosts = ['example.com'] as const
  await authorize(token, { expectedHostname: hosts })
  await authorize(token, {})

  // @ts-expect-error: the token is a string
  void authorize(42)

  // @ts-expect-error: the token is required
  void authorize()

  // @ts-expect-error: retries is a number
  void authorize(token, { retries: '3' })

  // @ts-expect-error: minScore is a number
  void authorize(token, { minScore: 'high' })

  // @ts-expect-error: expectedHostname is a string or a list of strings
  void authorize(token, { expectedHostname: [1, 2] })

  // @ts-expect-error: proxy is an object or false, never true
  void authorize(token, { proxy: true })

  // @ts-expect-error: an unknown option (Wix's name for the key is not ours)
  void authorize(token, { secret: 's' })

  // @ts-expect-error: configureRecaptcha returns nothing to await on
  void configureRecaptcha({ secretKey: 's' }).then

  // @ts-expect-error: a wrong option type in the configuration too
  configureRecaptcha({ timeoutMs: '5000' })
}

// ---------------------------------------------------------------------------------------------
// Errors: instanceof on both classes

export async function errors(): Promise<number> {
  try {
    await authorize(token, { minScore: 0.5 })
    return 200
  } catch (error) {
    if (error instanceof RecaptchaError) {
      const message: string = error.message
      const report: ErrorReport = error
      const status: 400 | 500 = error.statusCode
      const codes: RecaptchaErrorCode[] = error.errorCodes
      const text: string[] = error.errorCodes
      const duplicate: boolean = error.errorCodes.includes('timeout-or-duplicate')
      const ours: boolean = codes.includes('score-threshold-not-met')
      void [message, report, text, duplicate, ours]

      // @ts-expect-error: attempts belongs to RecaptchaUnavailableError
      void error.attempts

      // @ts-expect-error: a RecaptchaError is never a 503
      const unavailable: 503 = error.statusCode
      void unavailable
      return status
    }
    if (error instanceof RecaptchaUnavailableError) {
      const asFailover: FailoverException = error
      const report: ErrorReport = error
      const status: 503 = error.statusCode
      const attempts: number = error.attempts
      const codes: RecaptchaErrorCode[] = error.errorCodes
      const cause: unknown = error.cause
      void [asFailover, report, attempts, codes, cause]
      return status
    }
    if (error instanceof TypeError) {
      // An option of the wrong type or range.
      return 500
    }
    throw error
  }
}

export async function failover(): Promise<boolean> {
  try {
    await wixCaptcha.authorize(token)
    return true
  } catch (error) {
    if (error instanceof FailoverException) {
      // reCAPTCHA gave no verdict: apply the failover policy.
      console.warn('reCAPTCHA unavailable:', error.message)
      return true
    }
    if (isProviderUnavailable(error)) return true
    // @ts-expect-error: error is unknown until narrowed
    void error.statusCode
    return false
  }
}

/** Code that read Wix's ErrorReport from the rejection. */
export function wixStyle(): Promise<string> {
  return authorize(token)
    .then((report) => (report.success ? 'ok' : 'no'))
    .catch((error: ErrorReport) => error.error)
}

export function constructing(): void {
  const refused = new RecaptchaError()
  refused.statusCode = 400
  refused.errorCodes = ['invalid-input-response']
  refused.error = refused.message
  const wrapped = new RecaptchaError('Request failed with status code 500', { cause: new Error('x') })
  const down = new RecaptchaUnavailableError()
  const asError: Error = down
  const asFailover: FailoverException = down
  void [wrapped, asError, asFailover]

  // @ts-expect-error: RecaptchaUnavailableError's status code is always 503
  down.statusCode = 400

  // @ts-expect-error: RecaptchaError's status codes are 400 and 500
  refused.statusCode = 503

  // @ts-expect-error: errorCodes is a list
  refused.errorCodes = 'bad-request'
}

// ---------------------------------------------------------------------------------------------
// The Recaptcha class, as Google's docs and PHP library check a verdict

import { Recaptcha } from 'captcha-native'
import * as recaptchaSubpath from 'captcha-native/recaptcha'
import type { RecaptchaVerdict, RecaptchaVerifyOptions, SiteverifyErrorCode } from 'captcha-native'

export async function recaptchaClass(token: string, ip: string): Promise<number | undefined> {
  const recaptcha = new Recaptcha({ secret: process.env.RECAPTCHA_SECRET ?? '' })
  const options: RecaptchaVerifyOptions = {
    remoteip: ip,
    expectedAction: 'homepage',
    minScore: 0.5,
    expectedHostname: 'example.com',
    expectedApkPackageName: 'com.example.app',
    maxAgeMs: 120_000,
  }
  const verdict: RecaptchaVerdict = await recaptcha.verify(token, options)
  const codes: Array<SiteverifyErrorCode | (string & {})> = verdict.errorCodes
  if (!verdict.success && codes.includes('score-threshold-not-met')) return verdict.score
  const apk: string | undefined = verdict.apkPackageName
  void [apk, verdict.action, verdict.hostname, verdict.challengeTs, new recaptchaSubpath.Recaptcha({ secret: 's' })]
  return (await Recaptcha.verify('s', token, { minScore: 0.3, siteverifyUrl: 'http://127.0.0.1/recaptcha/api/siteverify' })).score
}

// @ts-expect-error the checks take a number
void new Recaptcha({ secret: 's' }).verify('t', { minScore: '0.5' })
