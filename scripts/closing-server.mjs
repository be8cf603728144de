#!/usr/bin/env node
// Spurious failures against a server that closes idle keep-alive connections. The emulator runs
// with `keepAliveTimeoutMs` (as Node's `server.keepAliveTimeout`, only a few milliseconds): after
// each answer, a connection that has not begun a new request within that time is closed, without
// `Connection: close`. Each provider makes `calls` sequential calls, each after a pause that
// sweeps across the keep-alive timeout, so that some requests go out on a connection the server
// is closing at that very moment. Every call is valid: any failure is spurious.
//
//   node scripts/closing-server.mjs [--calls 1000] [--keep-alive-timeout-ms 3] [--tls]
//
// It prints, per provider: the calls, the spurious failures (with the outcome they gave), the
// requests the emulator saw, and the calls whose request reached it more than once (must be 0
// for the single-use POST providers). reCAPTCHA, Turnstile and hCaptcha run with `retries: 0`:
// their own SDK-level retries would otherwise hide what the connection did (and re-send the token).
import { createRequire } from 'node:module'
import { setTimeout as sleep } from 'node:timers/promises'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'

import { PROVIDERS } from '../benchmark/lib/protocol.mjs'

const require = createRequire(import.meta.url)
const {
  Emulator, TrustCaptcha, ServerUnreachableException, validateToken, authorize, RecaptchaUnavailableError, Playtcha,
  Turnstile, TurnstileUnavailableError, HCaptcha, HCaptchaUnavailableError, RecaptchaEnterprise,
  RecaptchaEnterpriseUnavailableError, FriendlyCaptchaClient
} = require('../index.js')

export { PROVIDERS }

/** The outcome of one call: `{ value }` or `{ error }`. */
export const settle = (promise) => promise.then((value) => ({ value }), (error) => ({ error }))

/** The pause before call `i`, in ms: a sweep around the keep-alive timeout `idle`. */
export function pauseBefore (i, idle) {
  // 0, 1, ..., 2 * idle + 1 ms, then again: some calls come well within the timeout, some right
  // at it (the race), some after it (the pool must notice the close, or race it).
  return i % (2 * idle + 2)
}

/** Every provider's call against `emulator`, each client built once. `timeoutMs` each. */
export function clients (emulator, { timeoutMs = 5000, ca } = {}) {
  const { url, credentials } = emulator
  const trustCaptcha = new TrustCaptcha({ apiKey: credentials.trustcaptchaApiKey, apiHost: url, readTimeoutMs: timeoutMs, ca })
  const playtcha = new Playtcha({ secret: credentials.playtchaSecret, apiHost: url, timeoutMs, ca })
  const recaptcha = { secretKey: credentials.recaptchaSecret, siteverifyUrl: `${url}/recaptcha/api/siteverify`, retries: 0, timeoutMs, ca }
  const turnstile = new Turnstile({ secret: credentials.turnstileSecret, siteverifyUrl: `${url}/turnstile/v0/siteverify`, retries: 0, timeoutMs, ca })
  const hcaptcha = new HCaptcha({ secret: credentials.hcaptchaSecret, siteverifyUrl: `${url}/siteverify`, retries: 0, timeoutMs, ca })
  const enterprise = new RecaptchaEnterprise({
    projectId: credentials.recaptchaEnterpriseProjectId,
    apiKey: credentials.recaptchaEnterpriseApiKey,
    siteKey: credentials.recaptchaEnterpriseSiteKey,
    endpoint: url,
    retries: 0,
    timeoutMs,
    ca
  })
  const friendly = new FriendlyCaptchaClient({ apiKey: credentials.friendlyCaptchaApiKey, apiEndpoint: url, ca })
  return {
    trustcaptcha: () => trustCaptcha.getVerificationResult(emulator.issue('trustcaptcha')),
    swetrix: () => validateToken(emulator.issue('swetrix'), credentials.swetrixSecret, `${url}/v1/captcha`, { timeoutMs, ca }),
    recaptcha: () => authorize(emulator.issue('recaptcha'), recaptcha),
    playtcha: () => playtcha.verify(emulator.issue('playtcha')),
    turnstile: () => turnstile.verify(emulator.issue('turnstile')),
    hcaptcha: () => hcaptcha.verify(emulator.issue('hcaptcha')),
    'recaptcha-enterprise': () => enterprise.assess(emulator.issue('recaptcha-enterprise')),
    'friendly-captcha': () => friendly.verifyCaptchaResponse(emulator.issue('friendly-captcha'), { timeout: timeoutMs })
  }
}

/**
 * What a call's outcome is: 'pass', the provider's "unavailable" outcome ('unavailable: <why>'),
 * or 'unexpected: ...' (a verdict against a valid token: a token sent twice would give one).
 */
export function classify (provider, { value, error }) {
  switch (provider) {
    case 'trustcaptcha':
      if (!error) return value?.verificationPassed === true ? 'pass' : `unexpected: ${JSON.stringify(value)}`
      if (error instanceof ServerUnreachableException) return `unavailable: ${error.cause?.message}`
      break
    case 'swetrix': {
      const [ok, data] = value ?? []
      if (ok === true) return 'pass'
      if (typeof data === 'string' && data.startsWith('Unable to make API request, error: ')) return `unavailable: ${data}`
      return `unexpected: ${JSON.stringify(value ?? String(error))}`
    }
    case 'recaptcha':
      if (!error) return value?.success === true ? 'pass' : `unexpected: ${JSON.stringify(value)}`
      if (error instanceof RecaptchaUnavailableError) return `unavailable: ${error.cause?.message}`
      break
    case 'playtcha':
      if (error) break
      if (value?.success === true && value.failedOpen === false) return 'pass'
      if (value?.failedOpen === true) return `unavailable: ${value.unavailableReason}`
      return `unexpected: ${JSON.stringify(value)}`
    case 'turnstile':
      if (!error) return value?.success === true ? 'pass' : `unexpected: ${JSON.stringify(value)}`
      if (error instanceof TurnstileUnavailableError) return `unavailable: ${error.cause?.message}`
      break
    case 'hcaptcha':
      if (!error) return value?.success === true ? 'pass' : `unexpected: ${JSON.stringify(value)}`
      if (error instanceof HCaptchaUnavailableError) return `unavailable: ${error.cause?.message}`
      break
    case 'recaptcha-enterprise':
      if (!error) return value?.passed === true ? 'pass' : `unexpected: ${JSON.stringify(value)}`
      if (error instanceof RecaptchaEnterpriseUnavailableError) return `unavailable: ${error.cause?.message}`
      break
    case 'friendly-captcha':
      // Never rejects: a verdict, or a failure to verify (a request that failed, an unreadable answer).
      if (error) break
      if (value.wasAbleToVerify()) return value.shouldAccept() ? 'pass' : `unexpected: ${JSON.stringify(value.getResponse())}`
      if (value.isRequestOrTimeoutError() || value.isDecodeError()) return `unavailable: ${value.getErrorCode()}`
      return `unexpected: ${value.getErrorCode()} (status ${value.status})`
  }
  return `unexpected: ${error?.name}: ${error?.message}`
}

/**
 * Runs `calls` sequential calls of `provider` against `emulator` (which must close idle
 * connections after `idle` ms). Per call, the requests the emulator received during it.
 */
export async function run (emulator, provider, { calls, idle, call }) {
  const outcomes = {}
  let sentTwice = 0
  const before = emulator.stats().requests
  for (let i = 0; i < calls; i++) {
    await sleep(pauseBefore(i, idle))
    const seenBefore = emulator.stats().requests
    const outcome = await settle(call())
    // Calls run one at a time and the emulator counts a request before answering it, so the
    // difference is what this call sent that reached the server.
    const seen = emulator.stats().requests - seenBefore
    if (seen > 1) sentTwice++
    const kind = classify(provider, outcome)
    outcomes[kind] = (outcomes[kind] ?? 0) + 1
  }
  const passes = outcomes.pass ?? 0
  return { provider, calls, passes, failures: calls - passes, outcomes, requestsSeen: emulator.stats().requests - before, sentTwice }
}

async function main () {
  const { values } = parseArgs({
    options: {
      calls: { type: 'string', default: '1000' },
      'keep-alive-timeout-ms': { type: 'string', default: '3' },
      tls: { type: 'boolean', default: false }
    }
  })
  const calls = Number(values.calls)
  const idle = Number(values['keep-alive-timeout-ms'])
  if (!Number.isInteger(calls) || calls < 1) throw new TypeError('--calls must be a positive integer')
  if (!Number.isInteger(idle) || idle < 0) throw new TypeError('--keep-alive-timeout-ms must be a whole number')
  console.log(`closing server: keepAliveTimeoutMs ${idle}, ${calls} sequential calls per provider, pauses 0..${2 * idle + 1} ms${values.tls ? ', HTTPS' : ''}`)
  console.log('provider       calls  spurious failures  requests seen  calls sent twice')
  const rows = []
  for (const provider of PROVIDERS) {
    // One emulator per provider, so each count is that provider's alone.
    const emulator = await Emulator.start({ keepAliveTimeoutMs: idle, tls: values.tls })
    try {
      const call = clients(emulator, { ca: emulator.certificate })[provider]
      const row = await run(emulator, provider, { calls, idle, call })
      rows.push(row)
      console.log(`${provider.padEnd(14)} ${String(row.calls).padStart(5)}  ${String(row.failures).padStart(17)}  ${String(row.requestsSeen).padStart(13)}  ${String(row.sentTwice).padStart(16)}`)
      for (const [kind, count] of Object.entries(row.outcomes)) {
        if (kind !== 'pass') console.log(`    ${count} x ${kind}`)
      }
    } finally {
      await emulator.close()
    }
  }
  return rows
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error) => {
    console.error(error)
    process.exit(1)
  })
}
