// Type tests for the TrustCaptcha drop-in: TypeScript written the way the official
// @trustcomponent/trustcaptcha-nodejs v3 docs use the SDK, with only the import line changed.
// Compiled by `tsc -p __test__/types`, never run.

import {
  TrustCaptcha,
  VerificationResult,
  VerificationToken,
  ApiKeyInvalidException,
  VerificationTokenInvalidException,
  VerificationNotFoundException,
  VerificationNotFinishedException,
  VerificationResultExpiredException,
  VerificationResultRetrievalLimitReachedException,
  FailoverException,
  ServerUnreachableException,
  ClientReportedServerUnreachableException,
} from 'captcha-native'
import type { TrustCaptchaOptions, ProxyConfig } from 'captcha-native'

declare const apiKey: string
declare const token: string

// ---------------------------------------------------------------------------------------------
// The static shortcut and every field of the result

export async function staticShortcut(): Promise<void> {
  const result = await TrustCaptcha.getVerificationResult(apiKey, token)
  const typed: VerificationResult = result

  const captchaId: string = result.captchaId
  const verificationId: string = result.verificationId
  const passed: boolean = result.verificationPassed
  const score: number = result.score
  const decisionType: string = result.decisionType
  const decisionAction: string = result.decisionAction
  const gatewayFailoverActive: boolean = result.gatewayFailoverActive
  const riskScoringEnabled: boolean = result.riskScoringEnabled
  const minimalDataModeEnabled: boolean = result.minimalDataModeEnabled
  const origin: string = result.origin
  const ipAddress: string = result.ipAddress
  const countryCode: string = result.countryCode
  const deviceFamily: string = result.deviceFamily
  const operatingSystem: string = result.operatingSystem
  const browser: string = result.browser
  const verificationStartedAt: string = result.verificationStartedAt
  const verificationFinishedAt: string = result.verificationFinishedAt
  const resultExpiresAt: string = result.resultExpiresAt
  const resultFirstFetchedAt: string = result.resultFirstFetchedAt
  const resultLastFetchedAt: string = result.resultLastFetchedAt

  void [
    typed, captchaId, verificationId, passed, score, decisionType, decisionAction,
    gatewayFailoverActive, riskScoringEnabled, minimalDataModeEnabled, origin, ipAddress,
    countryCode, deviceFamily, operatingSystem, browser, verificationStartedAt,
    verificationFinishedAt, resultExpiresAt, resultFirstFetchedAt, resultLastFetchedAt,
  ]

  // The docs' check.
  if (!result.verificationPassed || result.score > 0.5) {
    console.log('Verification failed, or bot score is higher than 0.5 – this could indicate a bot.')
  }

  // Usual string handling on the fields.
  const failoverDecision: boolean = result.decisionType.startsWith('FAILOVER')
  const startedAt: Date = new Date(result.verificationStartedAt)
  void [failoverDecision, startedAt]

  // @ts-expect-error: not a field of VerificationResult
  void result.doesNotExist

  // @ts-expect-error: verificationPassed is a boolean, not a string
  const wrong: string = result.verificationPassed
  void wrong

  // @ts-expect-error: the static shortcut takes the key and the token
  void TrustCaptcha.getVerificationResult(token)

  // @ts-expect-error: the token is a string
  void TrustCaptcha.getVerificationResult(apiKey, 42)
}

// ---------------------------------------------------------------------------------------------
// The configured constructor and the instance method

export async function configuredInstance(): Promise<void> {
  const minimal = new TrustCaptcha({ apiKey })

  const full = new TrustCaptcha({
    apiKey,
    apiHost: 'https://api.trustcomponent.com',
    connectTimeoutMs: 3000,
    readTimeoutMs: 5000,
    proxy: {
      host: 'proxy.example.com',
      port: 8080,
      protocol: 'http',
      auth: { username: 'user', password: 'secret' },
    },
  })

  const withProxyNoAuth = new TrustCaptcha({
    apiKey,
    proxy: { host: '127.0.0.1', port: 3128 },
  })

  const noProxy = new TrustCaptcha({ apiKey, proxy: false })

  const explicitUndefinedProxy = new TrustCaptcha({ apiKey, proxy: undefined })

  // Options built separately, as a user's config module would.
  const proxy: ProxyConfig = { host: 'proxy.internal', port: 3128, protocol: 'https' }
  const options: TrustCaptchaOptions = {
    apiKey: process.env.TRUSTCAPTCHA_API_KEY ?? '',
    apiHost: process.env.TRUSTCAPTCHA_API_HOST,
    readTimeoutMs: 2000,
    proxy,
  }
  const fromOptions = new TrustCaptcha(options)

  const result: VerificationResult = await full.getVerificationResult(token)
  const passed: boolean = result.verificationPassed
  const score: number = result.score
  void [passed, score]

  const all: VerificationResult[] = await Promise.all([
    minimal.getVerificationResult(token),
    withProxyNoAuth.getVerificationResult(token),
    noProxy.getVerificationResult(token),
    explicitUndefinedProxy.getVerificationResult(token),
    fromOptions.getVerificationResult(token),
  ])
  void all

  // The method passed around as a callback.
  const check: (t: string) => Promise<VerificationResult> = (t) => full.getVerificationResult(t)
  void check

  // @ts-expect-error: the options object is required
  void new TrustCaptcha()

  // @ts-expect-error: apiKey is a string
  void new TrustCaptcha({ apiKey: 12345 })

  // @ts-expect-error: apiKey is required
  void new TrustCaptcha({ apiHost: 'https://api.trustcomponent.com' })

  // @ts-expect-error: proxy is an object or false, never true
  void new TrustCaptcha({ apiKey, proxy: true })

  // @ts-expect-error: a proxy needs a port
  void new TrustCaptcha({ apiKey, proxy: { host: 'proxy.example.com' } })

  // @ts-expect-error: timeouts are numbers of milliseconds
  void new TrustCaptcha({ apiKey, readTimeoutMs: '5000' })

  // @ts-expect-error: an unknown option in an object literal
  void new TrustCaptcha({ apiKey, timeout: 5000 })

  // @ts-expect-error: the instance method takes only the token
  void full.getVerificationResult(apiKey, token)
}

// ---------------------------------------------------------------------------------------------
// Errors: instanceof on every class

export async function everyException(): Promise<string> {
  try {
    const result = await TrustCaptcha.getVerificationResult(apiKey, token)
    return result.verificationPassed ? 'passed' : 'failed'
  } catch (error) {
    // `useUnknownInCatchVariables` (strict): `error` is unknown until narrowed.
    // @ts-expect-error: error is unknown here
    void error.message

    if (error instanceof ApiKeyInvalidException) {
      const message: string = error.message
      const name: string = error.name
      const status: number | undefined = error.status
      return `${name}: ${message} (${status ?? 'no status'})`
    }
    if (error instanceof VerificationTokenInvalidException) {
      const message: string = error.message
      return `bad token: ${message}`
    }
    if (error instanceof VerificationNotFoundException) {
      const status: number | undefined = error.status
      return `not found ${status}`
    }
    if (error instanceof VerificationNotFinishedException) {
      return `not finished: ${error.message}`
    }
    if (error instanceof VerificationResultExpiredException) {
      return `expired: ${error.name}`
    }
    if (error instanceof VerificationResultRetrievalLimitReachedException) {
      return `limit: ${error.status}`
    }
    // The subclasses of FailoverException first, then the parent.
    if (error instanceof ClientReportedServerUnreachableException) {
      const asParent: FailoverException = error
      const asError: Error = error
      void [asParent, asError]
      return `client failover claim: ${error.message}`
    }
    if (error instanceof ServerUnreachableException) {
      const cause: unknown = error.cause
      const stack: string | undefined = error.stack
      void [cause, stack]
      return `unreachable: ${error.message}`
    }
    if (error instanceof FailoverException) {
      const status: number | undefined = error.status
      return `failover ${status}`
    }
    if (error instanceof Error) {
      // Any other status: a plain Error.
      return `${error.name}: ${error.message}`
    }
    throw error
  }
}

/** A switch over the class names, as some users log them. */
export function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error)
  switch (error.name) {
    case 'ApiKeyInvalidException':
    case 'VerificationNotFoundException':
      return error.message
    default:
      return `${error.name}`
  }
}

// ---------------------------------------------------------------------------------------------
// The failover pattern

export async function failoverPattern(verificationToken: string): Promise<boolean> {
  let allowedByFailover = false
  try {
    const result = await TrustCaptcha.getVerificationResult(apiKey, verificationToken)
    if (!result.verificationPassed || result.score > 0.5) return false
    return true
  } catch (error) {
    if (error instanceof FailoverException) {
      // The provider may be down: let the user through and remember it.
      allowedByFailover = true
      console.warn('TrustCaptcha failover:', error.name, error.message, error.status)
      return allowedByFailover
    }
    throw error
  }
}

// ---------------------------------------------------------------------------------------------
// User code creating and throwing the exceptions

export function throwingThemselves(kind: number): never {
  switch (kind) {
    case 0:
      throw new ServerUnreachableException()
    case 1:
      throw new ServerUnreachableException('TrustCaptcha is down for maintenance')
    case 2:
      throw new ServerUnreachableException('wrapped', { cause: new Error('ECONNREFUSED') })
    case 3:
      throw new ClientReportedServerUnreachableException()
    case 4:
      throw new ApiKeyInvalidException('custom message')
    case 5:
      throw new VerificationTokenInvalidException()
    case 6:
      throw new VerificationNotFoundException()
    case 7:
      throw new VerificationNotFinishedException()
    case 8:
      throw new VerificationResultExpiredException()
    default:
      throw new VerificationResultRetrievalLimitReachedException()
  }
}

export function constructingOthers(): void {
  const unreachable = new ServerUnreachableException()
  const asFailover: FailoverException = unreachable
  const asError: Error = unreachable
  unreachable.status = 503
  void [asFailover, asError]

  // A rejected promise typed for tests that mock the SDK.
  const rejected: Promise<VerificationResult> = Promise.reject(new ServerUnreachableException())
  rejected.catch(() => undefined)

  // VerificationResult and VerificationToken built by hand (test fixtures).
  const empty = new VerificationResult()
  const partial = new VerificationResult({ verificationPassed: true, score: 0.1 })
  const fixture: VerificationResult = {
    captchaId: 'c', verificationId: 'v', verificationPassed: true, score: 0.1,
    decisionType: 'DEFAULT', decisionAction: 'ALLOW', gatewayFailoverActive: false,
    riskScoringEnabled: true, minimalDataModeEnabled: false, origin: 'https://example.com',
    ipAddress: '203.0.113.7', countryCode: 'DE', deviceFamily: 'Other', operatingSystem: 'Linux',
    browser: 'Firefox', verificationStartedAt: '', verificationFinishedAt: '', resultExpiresAt: '',
    resultFirstFetchedAt: '', resultLastFetchedAt: '',
  }
  const verificationToken = new VerificationToken('00000000-0000-0000-0000-000000000000')
  const withFailover = new VerificationToken('00000000-0000-0000-0000-000000000000', undefined, true)
  const clientFailover: boolean = withFailover.clientFailover
  const expiresAt: string | undefined = verificationToken.expiresAt
  void [empty, partial, fixture, clientFailover, expiresAt]

  // @ts-expect-error: FailoverException is abstract
  void new FailoverException()

  // @ts-expect-error: a result fixture field with the wrong type
  void new VerificationResult({ score: 'high' })
}

// `ca`: PEM authorities trusted besides the system's roots, on every provider.
new TrustCaptcha({ apiKey: 'k', ca: '-----BEGIN CERTIFICATE-----' })
new TrustCaptcha({ apiKey: 'k', ca: Buffer.from('') })
new TrustCaptcha({ apiKey: 'k', ca: ['-----BEGIN CERTIFICATE-----', Buffer.from('')] })
// @ts-expect-error a number is not a certificate
new TrustCaptcha({ apiKey: 'k', ca: 42 })
