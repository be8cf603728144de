#!/usr/bin/env node
// Load with accounting: `total` verifications, `concurrency` in flight, round-robin over every
// provider against one in-process emulator, with one call in `faultEvery` preceded by a fault
// rule (`times: 1`) for that call's provider. Every Promise must settle within its deadline, the
// outcomes must add up exactly to what was sent (per provider and per kind of outcome), no file
// descriptor may leak, the resident set must stay bounded and nothing may reject unhandled.
//
//   node scripts/soak.mjs [--total 200000] [--concurrency 2000] [--fault-every 100]
//
// Accounting. A `times: 1` rule is taken by whichever request to that provider reaches the
// emulator next, not necessarily by the call started right after it, so outcomes are counted in
// aggregate: each rule is taken by exactly one request (rules in force never outnumber the calls
// to that provider started and not yet received, and every call sends one request), so per
// provider the calls that did not pass equal the non-delay rules added, and each kind of outcome
// occurs exactly as often as the fault kinds that produce it were injected.
import { readdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'

// The benchmark's protocol module: plain constants, no dependency of the benchmark's own.
import {
  HCAPTCHA_TEST_SECRET, HCAPTCHA_TEST_TOKEN, PROVIDERS, RECAPTCHA_ENTERPRISE_TEST_SITE_KEY, RECAPTCHA_TEST_SECRET, SWETRIX_PASS_SECRET,
  TRUSTCAPTCHA_TEST_ID, TRUSTCAPTCHA_TEST_TOKEN, TURNSTILE_DUMMY_TOKEN, TURNSTILE_TEST_SECRET
} from '../benchmark/lib/protocol.mjs'

const require = createRequire(import.meta.url)
const captcha = require('../index.js')
const {
  Emulator, TrustCaptcha, VerificationResult, ServerUnreachableException,
  VerificationResultRetrievalLimitReachedException, validateToken, authorize,
  RecaptchaUnavailableError, Playtcha, PlaytchaError, Turnstile, TurnstileUnavailableError, HCaptcha,
  HCaptchaUnavailableError, RecaptchaEnterprise, RecaptchaEnterpriseUnavailableError, FriendlyCaptchaClient, VerifyResult
} = captcha

export { PROVIDERS }

/**
 * Fault kinds, in rotation. `delay` still answers (a pass); the others never pass. TrustCaptcha
 * and Turnstile meet `reset` where the others meet `close`: a request of theirs lost on a pooled
 * connection closed before its answer is sent once more on a fresh one (a GET, and a POST with an
 * idempotency key; the keep-alive race, keepalive.test.mjs), so there a `close` would pass or not
 * depending on whether the pool had a connection, and its second request would take the next
 * rule: the counts could not add up.
 */
/** The providers whose request the connection layer repeats after a `close` (see FAULT_KINDS). */
const REPEATED_ON_CLOSE = ['trustcaptcha', 'turnstile']

const FAULT_KINDS = [
  { name: 'status503', rule: { kind: 'status', status: 503 } },
  { name: 'nonJson', rule: { kind: 'nonJson' } },
  { name: 'reset', rule: { kind: 'reset' } },
  { name: 'close', rule: { kind: 'close' } },
  { name: 'status429', rule: { kind: 'status', status: 429 } },
  { name: 'delay', rule: { kind: 'delay', ms: 25 } }
]

/** What the siteverify classes give (one engine), as `<Name>UnavailableError (<why>)`. */
const siteverifyExpected = (name) => ({
  status503: `${name} (answered 503)`,
  nonJson: `${name} (not a verdict)`,
  reset: `${name} (no answer)`,
  close: `${name} (no answer)`,
  status429: `${name} (answered 429)`,
  delay: 'pass'
})

/**
 * The outcome each fault kind gives, per provider (README: each provider's error table; with
 * reCAPTCHA, Turnstile and hCaptcha `retries: 0` and Playtcha failing open, its default).
 */
const EXPECTED_OUTCOME = {
  trustcaptcha: {
    status503: 'Error status 503',
    nonJson: 'ServerUnreachableException (not JSON)',
    reset: 'ServerUnreachableException (connection)',
    status429: 'VerificationResultRetrievalLimitReachedException 429',
    delay: 'pass'
  },
  swetrix: {
    status503: '[false, status 503]',
    nonJson: '[false, unable to parse JSON]',
    reset: '[false, no answer]',
    close: '[false, no answer]',
    status429: '[false, status 429]',
    delay: 'pass'
  },
  recaptcha: {
    status503: 'RecaptchaUnavailableError (answered 503)',
    nonJson: 'RecaptchaUnavailableError (not a verdict)',
    reset: 'RecaptchaUnavailableError (no answer)',
    close: 'RecaptchaUnavailableError (no answer)',
    status429: 'RecaptchaUnavailableError (answered 429)',
    delay: 'pass'
  },
  playtcha: {
    status503: 'failedOpen server_error 503',
    nonJson: 'failedOpen malformed_response',
    reset: 'failedOpen network_error',
    close: 'failedOpen network_error',
    status429: 'PlaytchaError 429',
    delay: 'pass'
  },
  turnstile: siteverifyExpected('TurnstileUnavailableError'),
  hcaptcha: siteverifyExpected('HCaptchaUnavailableError'),
  'recaptcha-enterprise': {
    status503: 'RecaptchaEnterpriseUnavailableError (answered 503)',
    nonJson: 'RecaptchaEnterpriseUnavailableError (not an assessment)',
    reset: 'RecaptchaEnterpriseUnavailableError (no answer)',
    close: 'RecaptchaEnterpriseUnavailableError (no answer)',
    status429: 'RecaptchaEnterpriseUnavailableError (answered 429)',
    delay: 'pass'
  },
  // Never rejects: the SDK's VerifyResult, failing open (its default policy) with its error code.
  'friendly-captcha': {
    status503: 'accepted unverified: verification_response_could_not_be_decoded 503',
    nonJson: 'accepted unverified: verification_response_could_not_be_decoded 200',
    reset: 'accepted unverified: request_failed',
    close: 'accepted unverified: request_failed',
    status429: 'accepted unverified: verification_response_could_not_be_decoded 429',
    delay: 'pass'
  }
}

/** The siteverify classes' unavailable errors, whose outcome names siteverifyExpected gives. */
const UNAVAILABLE = { turnstile: TurnstileUnavailableError, hcaptcha: HCaptchaUnavailableError }

const TIMEOUT_MS = 5000
const CONNECT_TIMEOUT_MS = 3000
/** Every call must settle within its timeout plus 10 %. */
const DEADLINE_MS = Math.round(TIMEOUT_MS * 1.1)
const RSS_BOUND_MIB = 64
const FD_TOLERANCE = 2
const MiB = 1048576

/** What one outcome is: `pass`, one of the expected non-passes, or an `unexpected: ...` text. */
function classify (provider, settled) {
  const { ok, value } = settled
  const cause = value?.cause?.message ?? ''
  switch (provider) {
    case 'trustcaptcha':
      if (ok) {
        return value instanceof VerificationResult && value.verificationPassed === true && value.verificationId === TRUSTCAPTCHA_TEST_ID
          ? 'pass'
          : unexpected('resolved', value)
      }
      if (value instanceof ServerUnreachableException && value.status === undefined) {
        if (cause === 'the answer is not a JSON object') return 'ServerUnreachableException (not JSON)'
        if (/^connection reset or closed/.test(cause)) return 'ServerUnreachableException (connection)'
      }
      if (value?.constructor === Error && value.status === 503 &&
        value.message === 'Failed to retrieve verification result, response code: 503') return 'Error status 503'
      if (value instanceof VerificationResultRetrievalLimitReachedException && value.status === 429) {
        return 'VerificationResultRetrievalLimitReachedException 429'
      }
      return unexpected('rejected', value)
    case 'swetrix': {
      // validateToken never rejects.
      if (!ok || !Array.isArray(value) || value.length !== 2) return unexpected(ok ? 'resolved' : 'rejected', value)
      const [status, data] = value
      if (status === true) return data && typeof data.challenge === 'string' ? 'pass' : unexpected('resolved', value)
      if (data === 'Request failed with status code 503: ') return '[false, status 503]'
      if (data === 'Request failed with status code 429: ') return '[false, status 429]'
      if (typeof data === 'string' && data.startsWith('Unable to parse JSON response: <html>')) return '[false, unable to parse JSON]'
      if (data === 'Unable to make API request, error: Error: socket hang up') return '[false, no answer]'
      return unexpected('resolved', value)
    }
    case 'recaptcha':
      if (ok) return value?.success === true ? 'pass' : unexpected('resolved', value)
      if (value instanceof RecaptchaUnavailableError && value.statusCode === 503 &&
        value.message === 'Request failed with status code 503' && value.errorCodes?.includes('siteverify-unavailable')) {
        if (cause === 'siteverify answered 503') return 'RecaptchaUnavailableError (answered 503)'
        if (cause === 'siteverify answered 429') return 'RecaptchaUnavailableError (answered 429)'
        if (cause.startsWith("siteverify's answer is not a verdict")) return 'RecaptchaUnavailableError (not a verdict)'
        if (cause.startsWith('no answer from siteverify: connection reset or closed')) return 'RecaptchaUnavailableError (no answer)'
      }
      return unexpected('rejected', value)
    case 'playtcha':
      if (!ok) {
        return value instanceof PlaytchaError && value.status === 429 ? 'PlaytchaError 429' : unexpected('rejected', value)
      }
      if (value?.success === true && value.failedOpen === false) return 'pass'
      if (value?.success === true && value.failedOpen === true) {
        if (value.unavailableReason === 'server_error' && value.status === 503) return 'failedOpen server_error 503'
        if (value.unavailableReason === 'malformed_response') return 'failedOpen malformed_response'
        if (value.unavailableReason === 'network_error') return 'failedOpen network_error'
      }
      return unexpected('resolved', value)
    case 'turnstile':
    case 'hcaptcha': {
      // The published test identities: a pass is a verdict with success true and no codes.
      if (ok) return value?.success === true && value.errorCodes?.length === 0 ? 'pass' : unexpected('resolved', value)
      // retries: 0, so one attempt, and the cause says which fault it met.
      if (value instanceof UNAVAILABLE[provider] && value.attempts === 1) {
        const name = value.name
        if (cause === 'siteverify answered 503') return `${name} (answered 503)`
        if (cause === 'siteverify answered 429') return `${name} (answered 429)`
        if (cause.startsWith("siteverify's answer is not a verdict")) return `${name} (not a verdict)`
        if (cause.startsWith('no answer from siteverify: connection reset or closed')) return `${name} (no answer)`
      }
      return unexpected('rejected', value)
    }
    case 'recaptcha-enterprise':
      // The emulator's fixed-score test key: every token is valid.
      if (ok) return value?.passed === true && value.riskAnalysis?.score === 0.9 ? 'pass' : unexpected('resolved', value)
      if (value instanceof RecaptchaEnterpriseUnavailableError && value.attempts === 1) {
        if (cause === 'reCAPTCHA Enterprise answered 503') return 'RecaptchaEnterpriseUnavailableError (answered 503)'
        if (cause === 'reCAPTCHA Enterprise answered 429') return 'RecaptchaEnterpriseUnavailableError (answered 429)'
        if (cause === "reCAPTCHA Enterprise's answer is not a JSON object") return 'RecaptchaEnterpriseUnavailableError (not an assessment)'
        if (cause.startsWith('no answer from reCAPTCHA Enterprise: connection reset or closed')) return 'RecaptchaEnterpriseUnavailableError (no answer)'
      }
      return unexpected('rejected', value)
    case 'friendly-captcha': {
      if (!ok || !(value instanceof VerifyResult)) return unexpected(ok ? 'resolved' : 'rejected', value)
      if (value.wasAbleToVerify()) return value.shouldAccept() && value.status === 200 ? 'pass' : unexpected('resolved', value.getResponse())
      if (!value.shouldAccept()) return unexpected('resolved', value)
      return `accepted unverified: ${value.getErrorCode()}${value.status === -1 ? '' : ` ${value.status}`}`
    }
  }
  return unexpected('provider', provider)
}

function unexpected (how, value) {
  let text
  if (value instanceof Error) {
    text = `${value.name}${value.status !== undefined ? ` status=${value.status}` : ''}: ${value.message}${value.cause ? ` (cause: ${value.cause.message})` : ''}`
  } else {
    try { text = JSON.stringify(value) } catch { text = String(value) }
  }
  return `unexpected: ${how} ${String(text).slice(0, 300)}`
}

/** Open file descriptors of this process, or null where /proc/self/fd does not exist. */
function countFds () {
  if (process.platform !== 'linux') return null
  try {
    return readdirSync('/proc/self/fd').length
  } catch {
    return null
  }
}

/** Every provider's verifier against `emulator`, each built once, as an application would. */
function makeVerifiers (emulator) {
  const { url, credentials } = emulator
  const trustCaptcha = new TrustCaptcha({
    apiKey: credentials.trustcaptchaApiKey, apiHost: url, connectTimeoutMs: CONNECT_TIMEOUT_MS, readTimeoutMs: TIMEOUT_MS
  })
  const swetrixUrl = `${url}/v1/captcha`
  const swetrixOptions = { timeoutMs: TIMEOUT_MS }
  const recaptchaOptions = {
    secretKey: RECAPTCHA_TEST_SECRET, siteverifyUrl: `${url}/recaptcha/api/siteverify`, retries: 0, timeoutMs: TIMEOUT_MS
  }
  const playtcha = new Playtcha({ secret: credentials.playtchaSecret, apiHost: url, timeoutMs: TIMEOUT_MS, failClosed: false })
  // retries: 0 as for reCAPTCHA: one request per call, so the emulator's count adds up.
  const turnstile = new Turnstile({
    secret: TURNSTILE_TEST_SECRET, siteverifyUrl: `${url}/turnstile/v0/siteverify`, retries: 0, timeoutMs: TIMEOUT_MS
  })
  const hcaptcha = new HCaptcha({ secret: HCAPTCHA_TEST_SECRET, siteverifyUrl: `${url}/siteverify`, retries: 0, timeoutMs: TIMEOUT_MS })
  const enterprise = new RecaptchaEnterprise({
    projectId: credentials.recaptchaEnterpriseProjectId,
    apiKey: credentials.recaptchaEnterpriseApiKey,
    siteKey: RECAPTCHA_ENTERPRISE_TEST_SITE_KEY,
    endpoint: url,
    retries: 0,
    timeoutMs: TIMEOUT_MS
  })
  const friendly = new FriendlyCaptchaClient({ apiKey: credentials.friendlyCaptchaApiKey, apiEndpoint: url })
  return {
    trustcaptcha: () => trustCaptcha.getVerificationResult(TRUSTCAPTCHA_TEST_TOKEN),
    swetrix: () => validateToken('soak-token', SWETRIX_PASS_SECRET, swetrixUrl, swetrixOptions),
    recaptcha: () => authorize('soak-token', recaptchaOptions),
    // Playtcha tokens are single use: one fresh token a call.
    playtcha: () => playtcha.verify(emulator.issue('playtcha')),
    // The published test identities verify any number of times, as TrustCaptcha's test id does.
    turnstile: () => turnstile.verify(TURNSTILE_DUMMY_TOKEN),
    hcaptcha: () => hcaptcha.verify(HCAPTCHA_TEST_TOKEN),
    // The emulator's key with a fixed testing score assesses any token, any number of times.
    'recaptcha-enterprise': () => enterprise.assess('soak-token'),
    // Friendly Captcha responses are single use: one fresh response a call.
    'friendly-captcha': () => friendly.verifyCaptchaResponse(emulator.issue('friendly-captcha'), { timeout: TIMEOUT_MS })
  }
}

/** Settles `promise` into { ok, value }; a synchronous throw of `call` counts as a rejection. */
function settle (call) {
  let promise
  try {
    promise = Promise.resolve(call())
  } catch (error) {
    return Promise.resolve({ ok: false, value: error })
  }
  return promise.then((value) => ({ ok: true, value }), (value) => ({ ok: false, value }))
}

/**
 * Which call of the run gets a fault rule before it starts. Fault number f goes to a call in
 * block f (calls f*faultEvery ... (f+1)*faultEvery - 1) whose provider is PROVIDERS[f % n], with
 * the kind FAULT_KINDS[floor(f / n) % kinds] (n providers): every provider meets every kind in
 * turn (TrustCaptcha and Turnstile `reset` for `close`, see FAULT_KINDS).
 */
function faultOf (index, faultEvery) {
  const f = Math.floor(index / faultEvery)
  const offset = (((f - f * faultEvery) % PROVIDERS.length) + PROVIDERS.length) % PROVIDERS.length
  if (index !== f * faultEvery + offset) return null
  const kind = FAULT_KINDS[Math.floor(f / PROVIDERS.length) % FAULT_KINDS.length]
  return REPEATED_ON_CLOSE.includes(PROVIDERS[index % PROVIDERS.length]) && kind.name === 'close'
    ? FAULT_KINDS.find((k) => k.name === 'reset')
    : kind
}

export async function soak ({ total = 200000, concurrency = 2000, faultEvery = 100, log = console.log } = {}) {
  if (!Number.isInteger(total) || total < 1) throw new TypeError('total must be a positive integer')
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new TypeError('concurrency must be a positive integer')
  if (!Number.isInteger(faultEvery) || faultEvery < PROVIDERS.length) {
    throw new TypeError(`faultEvery must be an integer of at least ${PROVIDERS.length}`)
  }
  const failures = []
  const fail = (text) => failures.push(text)

  let unhandled = 0
  const unhandledSamples = []
  const onUnhandled = (reason) => {
    unhandled++
    if (unhandledSamples.length < 5) unhandledSamples.push(unexpected('unhandled', reason))
  }
  process.on('unhandledRejection', onUnhandled)

  try {
    // Descriptors: a first round on a throwaway emulator makes what lives as long as the process
    // (the addon's runtime thread and its epoll and wake-up descriptors), so the count below
    // measures what the run itself leaves behind.
    const fdsInitial = countFds()
    {
      const warm = await Emulator.start()
      const verifiers = makeVerifiers(warm)
      for (const provider of PROVIDERS) await settle(verifiers[provider])
      await warm.close()
      await sleep(200)
    }
    const fdsBefore = countFds()

    const emulator = await Emulator.start()
    const verifiers = makeVerifiers(emulator)

    const perProvider = Object.fromEntries(PROVIDERS.map((provider) => [provider, {
      calls: 0, passes: 0, nonPasses: 0, expectedNonPasses: 0, unexpected: 0,
      faults: {}, outcomes: {}, expectedOutcomes: { pass: 0 }
    }]))
    const unexpectedSamples = []
    let faultsInjected = 0
    let started = 0
    let settled = 0
    let late = 0
    let maxSettleMs = 0
    let lastStartAt = 0

    // Memory: sampled every `sampleEvery` completions after the first `warmupCount`.
    const warmupCount = Math.min(20000, Math.floor(total / 5))
    const sampleEvery = Math.min(10000, Math.max(1, Math.floor(total / 20)))
    const rss = { afterWarmup: null, max: null, end: null, samples: [], boundMiB: RSS_BOUND_MIB, warmupCount, sampleEvery }
    const sampleRss = () => {
      const value = process.memoryUsage().rss / MiB
      rss.max = Math.max(rss.max ?? 0, value)
      return value
    }

    // The watchdog: calls in flight by start time; any older than DEADLINE_MS is overdue.
    const inFlight = new Map()
    const overdue = new Set()
    const sweeper = setInterval(() => {
      const now = performance.now()
      for (const [id, call] of inFlight) {
        if (now - call.at > DEADLINE_MS && !overdue.has(id)) {
          overdue.add(id)
          log(`soak: call #${id} (${call.provider}) has not settled after ${Math.round(now - call.at)} ms`)
        }
      }
    }, 250)
    sweeper.unref()

    const progressEvery = Math.max(1, Math.round(total / 10))
    const begin = performance.now()

    async function worker () {
      while (started < total) {
        const id = started++
        const provider = PROVIDERS[id % PROVIDERS.length]
        const account = perProvider[provider]
        account.calls++
        const fault = faultOf(id, faultEvery)
        if (fault) {
          emulator.fault({ provider, times: 1, ...fault.rule })
          faultsInjected++
          account.faults[fault.name] = (account.faults[fault.name] ?? 0) + 1
          if (fault.name !== 'delay') account.expectedNonPasses++
        }
        const at = performance.now()
        lastStartAt = at
        inFlight.set(id, { at, provider })
        const outcome = await settle(verifiers[provider])
        const ms = performance.now() - at
        inFlight.delete(id)
        settled++
        if (ms > maxSettleMs) maxSettleMs = ms
        if (ms > DEADLINE_MS) late++
        const kind = classify(provider, outcome)
        if (kind === 'pass') {
          account.passes++
        } else if (kind.startsWith('unexpected')) {
          account.unexpected++
          account.nonPasses++
          if (unexpectedSamples.length < 10) unexpectedSamples.push(`${provider}: ${kind}`)
        } else {
          account.nonPasses++
        }
        account.outcomes[kind] = (account.outcomes[kind] ?? 0) + 1

        if (settled === warmupCount) rss.afterWarmup = sampleRss()
        else if (settled > warmupCount && (settled - warmupCount) % sampleEvery === 0) {
          rss.samples.push({ completed: settled, rssMiB: round(sampleRss()) })
        }
        if (settled % progressEvery === 0) {
          log(`soak: ${settled}/${total} settled, ${Math.round(settled / ((performance.now() - begin) / 1000))}/s, rss ${round(process.memoryUsage().rss / MiB)} MiB`)
        }
      }
    }

    const workers = Promise.all(Array.from({ length: Math.min(concurrency, total) }, worker))
    // If a call never settles, its worker never ends: give up DEADLINE_MS (and a second) after
    // the last call started, and report what is still in flight.
    let gaveUp = false
    await new Promise((resolve) => {
      const check = setInterval(() => {
        if (started === total && performance.now() - lastStartAt > DEADLINE_MS + 1000) {
          gaveUp = true
          resolve()
        }
      }, 250)
      const done = () => { clearInterval(check); resolve() }
      workers.then(done, done)
    })
    const seconds = (performance.now() - begin) / 1000
    clearInterval(sweeper)
    const unsettled = total - settled
    const unsettledSamples = [...inFlight].slice(0, 5).map(([id, call]) => `#${id} ${call.provider} started ${Math.round(performance.now() - call.at)} ms ago`)
    rss.end = sampleRss()
    const emulatorStats = emulator.stats()
    await emulator.close()
    if (gaveUp) await Promise.race([workers, sleep(2000)]) // closing ends hung connections
    await sleep(200)
    const fdsAfter = countFds()

    // ---- the checks
    if (unsettled > 0 || gaveUp) fail(`${unsettled} of ${total} calls never settled (${unsettledSamples.join('; ')})`)
    if (settled !== total && !gaveUp) fail(`settled ${settled} !== total ${total}`)
    if (late > 0 || overdue.size > 0) fail(`${Math.max(late, overdue.size)} calls took longer than the ${DEADLINE_MS} ms deadline (slowest ${Math.round(maxSettleMs)} ms)`)

    let sumCalls = 0
    let sumPasses = 0
    let sumNonPasses = 0
    let sumExpectedNonPasses = 0
    let sumUnexpected = 0
    for (const provider of PROVIDERS) {
      const account = perProvider[provider]
      for (const [kind, count] of Object.entries(account.faults)) {
        const outcome = EXPECTED_OUTCOME[provider][kind]
        account.expectedOutcomes[outcome] = (account.expectedOutcomes[outcome] ?? 0) + count
      }
      account.expectedOutcomes.pass = account.calls - account.expectedNonPasses
      sumCalls += account.calls
      sumPasses += account.passes
      sumNonPasses += account.nonPasses
      sumExpectedNonPasses += account.expectedNonPasses
      sumUnexpected += account.unexpected
      if (account.unexpected !== 0) fail(`${provider}: ${account.unexpected} unexpected outcomes`)
      if (account.nonPasses !== account.expectedNonPasses) {
        fail(`${provider}: ${account.nonPasses} non-passes, expected exactly ${account.expectedNonPasses} (the non-delay faults injected for it)`)
      }
      if (account.passes !== account.calls - account.expectedNonPasses) {
        fail(`${provider}: ${account.passes} passes, expected exactly ${account.calls - account.expectedNonPasses}`)
      }
      if (account.passes + account.nonPasses !== account.calls) {
        fail(`${provider}: passes ${account.passes} + non-passes ${account.nonPasses} !== calls ${account.calls}`)
      }
      const kinds = new Set([...Object.keys(account.outcomes), ...Object.keys(account.expectedOutcomes)])
      for (const kind of kinds) {
        if ((account.outcomes[kind] ?? 0) !== (account.expectedOutcomes[kind] ?? 0)) {
          fail(`${provider}: ${account.outcomes[kind] ?? 0} × "${kind}", expected ${account.expectedOutcomes[kind] ?? 0}`)
        }
      }
    }
    if (sumCalls !== total) fail(`calls ${sumCalls} !== total ${total}`)
    if (sumPasses + sumNonPasses !== total) fail(`passes ${sumPasses} + non-passes ${sumNonPasses} !== total ${total}`)
    if (sumNonPasses !== sumExpectedNonPasses) fail(`non-passes ${sumNonPasses} !== expected ${sumExpectedNonPasses}`)
    // Every call sends exactly one request (the siteverify providers with retries: 0, nothing refused locally).
    if (emulatorStats.requests !== total) fail(`the emulator received ${emulatorStats.requests} requests for ${total} calls`)

    const fds = { initial: fdsInitial, before: fdsBefore, after: fdsAfter, tolerance: FD_TOLERANCE, checked: fdsBefore !== null && fdsAfter !== null }
    if (!fds.checked) {
      fds.note = `descriptor count skipped: no /proc/self/fd on ${process.platform}`
    } else if (Math.abs(fdsAfter - fdsBefore) > FD_TOLERANCE) {
      fail(`file descriptors: ${fdsBefore} before, ${fdsAfter} after (tolerance ${FD_TOLERANCE})`)
    }

    if (rss.afterWarmup === null) rss.afterWarmup = rss.end
    if (rss.end - rss.afterWarmup >= RSS_BOUND_MIB) {
      fail(`rss grew ${round(rss.end - rss.afterWarmup)} MiB after the first ${warmupCount} (bound ${RSS_BOUND_MIB} MiB)`)
    }
    if (unhandled !== 0) fail(`${unhandled} unhandled rejections: ${unhandledSamples.join('; ')}`)

    return {
      total,
      concurrency,
      faultEvery,
      seconds: round(seconds, 2),
      perSecond: Math.round(total / seconds),
      settled,
      unsettled,
      late,
      deadlineMs: DEADLINE_MS,
      maxSettleMs: Math.round(maxSettleMs),
      perProvider,
      totals: { calls: sumCalls, passes: sumPasses, nonPasses: sumNonPasses, expectedNonPasses: sumExpectedNonPasses, unexpected: sumUnexpected },
      faultsInjected,
      unexpectedSamples,
      emulator: emulatorStats,
      fds,
      rss: {
        ...rss,
        afterWarmup: round(rss.afterWarmup),
        max: round(rss.max),
        end: round(rss.end),
        growthMiB: round(rss.end - rss.afterWarmup),
        bound: `end - afterWarmup < ${RSS_BOUND_MIB} MiB`
      },
      unhandled,
      ok: failures.length === 0,
      failures
    }
  } finally {
    // Let a rejection that arrives in the same tick be counted before the listener goes.
    await sleep(0)
    process.off('unhandledRejection', onUnhandled)
  }
}

function round (value, digits = 1) {
  if (value === null || value === undefined) return value
  const scale = 10 ** digits
  return Math.round(value * scale) / scale
}

/** A readable summary of a report. */
function summarize (report) {
  const lines = []
  const pad = (value, width) => String(value).padStart(width)
  lines.push(`soak: ${report.total} verifications at concurrency ${report.concurrency}, 1 in ${report.faultEvery} faulted (${report.faultsInjected} faults)`)
  lines.push(`  time ${report.seconds} s, ${report.perSecond} verifications/s; settled ${report.settled}/${report.total}, slowest ${report.maxSettleMs} ms (deadline ${report.deadlineMs} ms)`)
  lines.push(`  ${'provider'.padEnd(13)}${pad('calls', 8)}${pad('passes', 9)}${pad('non-pass', 10)}${pad('expected', 10)}${pad('unexp.', 8)}`)
  for (const [provider, a] of Object.entries(report.perProvider)) {
    lines.push(`  ${provider.padEnd(13)}${pad(a.calls, 8)}${pad(a.passes, 9)}${pad(a.nonPasses, 10)}${pad(a.expectedNonPasses, 10)}${pad(a.unexpected, 8)}`)
    for (const [kind, count] of Object.entries(a.outcomes)) {
      if (kind !== 'pass') lines.push(`      ${pad(count, 6)} × ${kind} (expected ${a.expectedOutcomes[kind] ?? 0})`)
    }
  }
  const t = report.totals
  lines.push(`  ${'all'.padEnd(13)}${pad(t.calls, 8)}${pad(t.passes, 9)}${pad(t.nonPasses, 10)}${pad(t.expectedNonPasses, 10)}${pad(t.unexpected, 8)}`)
  const e = report.emulator
  lines.push(`  emulator: ${e.requests} requests, ${e.connectionsAccepted} connections accepted, peak ${e.peakConnectionsOpen} open`)
  lines.push(report.fds.checked
    ? `  file descriptors: ${report.fds.before} before, ${report.fds.after} after (tolerance ${report.fds.tolerance}; ${report.fds.initial} before the first emulator)`
    : `  file descriptors: ${report.fds.note}`)
  const r = report.rss
  lines.push(`  rss: ${r.afterWarmup} MiB after the first ${r.warmupCount}, max ${r.max} MiB, end ${r.end} MiB (growth ${r.growthMiB} MiB; bound: ${r.bound})`)
  lines.push(`  unhandled rejections: ${report.unhandled}`)
  for (const sample of report.unexpectedSamples) lines.push(`  unexpected sample: ${sample}`)
  lines.push(report.ok ? '  OK' : `  FAILED:\n${report.failures.map((f) => `    - ${f}`).join('\n')}`)
  return lines.join('\n')
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({
    options: {
      total: { type: 'string', default: '200000' },
      concurrency: { type: 'string', default: '2000' },
      'fault-every': { type: 'string', default: '100' },
      json: { type: 'boolean', default: false }
    }
  })
  let code = 1
  try {
    const report = await soak({ total: Number(values.total), concurrency: Number(values.concurrency), faultEvery: Number(values['fault-every']) })
    console.log(summarize(report))
    if (values.json) console.log(JSON.stringify(report, null, 2))
    code = report.ok ? 0 : 1
  } catch (error) {
    console.error('soak: the run itself failed:', error)
  }
  // Pooled keep-alive connections and the native runtime would keep the process alive.
  process.exit(code)
}
