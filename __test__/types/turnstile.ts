// Type tests for Cloudflare Turnstile, written the way Cloudflare's docs use siteverify (the
// token from `cf-turnstile-response`, `remoteip`, an idempotency key for retries, the action
// and hostname checked). Compiled by `tsc -p __test__/types`, never run.

import { Turnstile, TurnstileUnavailableError, TurnstileConfigurationError, FailoverException, isProviderUnavailable } from 'captcha-native'
import type { TurnstileVerdict, TurnstileVerifyOptions, TurnstileErrorCode, SiteverifyOptions, SiteverifyCheckCode } from 'captcha-native'
import * as sub from 'captcha-native/turnstile'
import { randomUUID } from 'node:crypto'

declare const body: Record<string, string>
declare const ip: string

export async function usage(): Promise<boolean> {
  const turnstile = new Turnstile({ secret: process.env.TURNSTILE_SECRET ?? '' })
  // Cloudflare's own example: the token, the visitor's IP, and a UUID reused on retries.
  const idempotencyKey = randomUUID()
  const verdict: TurnstileVerdict = await turnstile.verify(body['cf-turnstile-response'], { remoteip: ip, idempotencyKey })
  if (verdict.success) {
    const when: string | undefined = verdict.challengeTs
    const hostname: string | undefined = verdict.hostname
    const action: string | undefined = verdict.action
    const cdata: string | undefined = verdict.cdata
    const ephemeral: unknown = verdict.metadata?.ephemeral_id
    void [when, hostname, action, cdata, ephemeral]
  } else {
    const codes: TurnstileErrorCode[] = verdict.errorCodes
    if (codes.includes('timeout-or-duplicate')) console.log('already redeemed or expired')
  }
  const check: SiteverifyCheckCode = 'action-mismatch'
  void check

  const options: TurnstileVerifyOptions = { expectedAction: 'login', expectedHostname: ['example.com', 'www.example.com'] }
  await turnstile.verify(body['cf-turnstile-response'], options)
  await Turnstile.verify('secret', 'token', { siteverifyUrl: 'http://127.0.0.1:8787/turnstile/v0/siteverify', timeoutMs: 3000, remoteip: ip })

  const config: SiteverifyOptions = { secret: 's', siteverifyUrl: 'https://x', timeoutMs: 1, retries: 0, proxy: false, ca: [Buffer.from('')] }
  void new sub.Turnstile(config)

  try {
    return (await turnstile.verify('t')).success
  } catch (error) {
    if (error instanceof TurnstileUnavailableError) {
      const attempts: number = error.attempts
      const failover: FailoverException = error
      void [attempts, failover]
      return isProviderUnavailable(error)
    }
    if (error instanceof TurnstileConfigurationError) {
      const codes: string[] = error.errorCodes
      void codes
    }
    throw error
  }
}

// Mistakes the types catch.
// @ts-expect-error the secret is required
new Turnstile({})
// @ts-expect-error remoteip, as Cloudflare spells it
void new Turnstile({ secret: 's' }).verify('t', { remoteIp: '1.2.3.4' })
// @ts-expect-error Turnstile has no score
void new Turnstile({ secret: 's' }).verify('t', { minScore: 0.5 })
// @ts-expect-error retries is a number
new Turnstile({ secret: 's', retries: '2' })
