// Type tests for the Playtcha client: its server contract, as a class of the TrustCaptcha class's
// shape. Compiled by `tsc -p __test__/types`, never run.

import {
  Playtcha,
  PlaytchaError,
  PlaytchaUnavailableError,
  FailoverException,
  isProviderUnavailable,
} from 'captcha-native'
import type {
  PlaytchaOptions,
  PlaytchaResult,
  PlaytchaVerifiedResult,
  PlaytchaFailedOpenResult,
  PlaytchaUnavailableReason,
  PlaytchaErrorCode,
  ProxyConfig,
} from 'captcha-native'

declare const secret: string
declare const token: string

// ---------------------------------------------------------------------------------------------
// The constructor, the instance method and the static shortcut

export async function usage(): Promise<void> {
  // The seed's shape.
  const result = await new Playtcha({ secret: process.env.PLAYTCHA_SECRET ?? '' }).verify(token)
  const success: true = result.success
  const failedOpen: boolean = result.failedOpen
  void [success, failedOpen]

  const playtcha = new Playtcha({ secret })
  const proxy: ProxyConfig = { host: 'proxy.internal', port: 3128 }
  const options: PlaytchaOptions = {
    secret,
    apiHost: 'https://playtcha.com',
    timeoutMs: 5000,
    failClosed: true,
    proxy,
  }
  const configured = new Playtcha(options)
  const noProxy = new Playtcha({ secret, proxy: false })

  const all: PlaytchaResult[] = await Promise.all([
    playtcha.verify(token),
    configured.verify(token),
    noProxy.verify(token),
    Playtcha.verify(secret, token),
  ])
  void all

  // @ts-expect-error: the options object is required
  void new Playtcha()

  // @ts-expect-error: the secret is required
  void new Playtcha({ apiHost: 'https://playtcha.com' })

  // @ts-expect-error: the secret is a string
  void new Playtcha({ secret: 42 })

  // @ts-expect-error: failClosed is a boolean
  void new Playtcha({ secret, failClosed: '1' })

  // @ts-expect-error: timeouts are numbers of milliseconds
  void new Playtcha({ secret, timeoutMs: '5000' })

  // @ts-expect-error: proxy is an object or false, never true
  void new Playtcha({ secret, proxy: true })

  // @ts-expect-error: an unknown option (TrustCaptcha's name for the key is not ours)
  void new Playtcha({ secret, apiKey: secret })

  // @ts-expect-error: the static shortcut takes the secret and the token
  void Playtcha.verify(token)

  // @ts-expect-error: the instance method takes only the token
  void playtcha.verify(secret, token)

  // @ts-expect-error: the token is a string
  void playtcha.verify(42)
}

// ---------------------------------------------------------------------------------------------
// The result: verified, or failed open

export async function results(playtcha: Playtcha): Promise<string> {
  const result = await playtcha.verify(token)

  // Fields readable before narrowing.
  const score: number | undefined = result.score
  const status: number | undefined = result.status
  void [score, status]

  if (result.failedOpen) {
    const failed: PlaytchaFailedOpenResult = result
    const reason: PlaytchaUnavailableReason = result.unavailableReason
    const answered: number | undefined = result.status
    void [failed, answered]

    // @ts-expect-error: a failed-open result has no hostname
    const hostname: string = result.hostname
    void hostname
    return `allowed during an outage: ${reason}`
  }

  const verified: PlaytchaVerifiedResult = result
  const challengeTs: string | undefined = result.challengeTs
  const hostname: string | undefined = result.hostname
  const action: string | undefined = result.action
  if (result.degraded) console.warn('Playtcha degraded:', result.degradedReason)
  void [verified, challengeTs, hostname, action]

  // @ts-expect-error: a verified result has no unavailable reason
  const reason: PlaytchaUnavailableReason = result.unavailableReason
  void reason

  // @ts-expect-error: not a field of the result
  void result.verificationPassed

  return 'verified'
}

export function fixtures(): PlaytchaResult[] {
  const reasons: PlaytchaUnavailableReason[] = ['server_error', 'timeout', 'network_error', 'malformed_response']
  void reasons
  return [
    { success: true, failedOpen: false },
    { success: true, failedOpen: false, hostname: 'example.com', score: 0.9, degraded: true, degradedReason: 'monthly_usage_band' },
    { success: true, failedOpen: true, unavailableReason: 'timeout' },
    { success: true, failedOpen: true, unavailableReason: 'server_error', status: 503 },
    // @ts-expect-error: success is always true: a refusal rejects
    { success: false, failedOpen: false },
    // @ts-expect-error: a failed-open result says why
    { success: true, failedOpen: true },
    // @ts-expect-error: an unknown reason
    { success: true, failedOpen: true, unavailableReason: 'down' },
  ]
}

// ---------------------------------------------------------------------------------------------
// Errors: instanceof on both classes

export async function errors(playtcha: Playtcha): Promise<number> {
  try {
    const result = await playtcha.verify(token)
    if (isProviderUnavailable(result)) return 202
    return 200
  } catch (error) {
    if (error instanceof PlaytchaError) {
      const code: PlaytchaErrorCode = error.code
      const text: string = error.code
      const status: number | undefined = error.status
      const requestId: string | undefined = error.requestId
      const hint: string | undefined = error.hint
      const host: string | undefined = error.host
      const retryAfter: number | undefined = error.retryAfter
      void [text, requestId, hint, host, retryAfter]
      switch (code) {
        case 'token_missing':
        case 'token_invalid':
        case 'http_error':
        case 'unexpected_redirect':
          return 400
        case 'already_redeemed':
          return 409
        case 'rate_limited_ip':
          return 429
        default:
          return status ?? 400
      }
    }
    if (error instanceof PlaytchaUnavailableError) {
      const asFailover: FailoverException = error
      const reason: PlaytchaUnavailableReason = error.reason
      const status: number | undefined = error.status
      const code: string | undefined = error.code
      const requestId: string | undefined = error.requestId
      const cause: unknown = error.cause
      void [asFailover, reason, code, requestId, cause]

      // @ts-expect-error: retryAfter belongs to PlaytchaError
      void error.retryAfter
      return status ?? 503
    }
    if (error instanceof FailoverException) return 503
    throw error
  }
}

export function constructing(): void {
  const refused = new PlaytchaError()
  refused.code = 'bad_secret'
  refused.status = 401
  const custom = new PlaytchaError('nope', { cause: new Error('x') })
  custom.code = 'a_code_playtcha_adds_later'
  const down = new PlaytchaUnavailableError()
  down.reason = 'network_error'
  const asFailover: FailoverException = down
  void asFailover

  // @ts-expect-error: an unknown unavailable reason
  down.reason = 'down'

  // A PlaytchaError fails closed: it is no FailoverException at run time.
  const isFailover: boolean = (refused as unknown) instanceof FailoverException
  void isFailover
}
