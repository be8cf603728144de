#!/usr/bin/env node
// One client variant, alone in its own process, so the CPU time, event-loop utilization and peak
// RSS it reports are that client's alone. It keeps `--concurrency` verifications in flight for
// `--duration` seconds after a `--warmup`, and prints one JSON line with the result.
//
//   node client.mjs --provider trustcaptcha --client native --concurrency 64 --duration 3 \
//     --url http://127.0.0.1:8787 [--warmup 1] [--tokens FILE] [--trustcaptcha-api-key K]
//     [--playtcha-secret S] [--wire-tool wrk|autocannon] [--module path/to/index.js] [--ca FILE]
//
// Against an HTTPS emulator (`emulator-process.mjs --tls`), `--ca FILE` is the PEM of its
// authority: native gets it as its providers' `ca` option, undici as its Pool's `connect.ca`;
// `fetch` and the SDK-style clients take no CA option, so they need NODE_EXTRA_CA_CERTS=FILE in
// their environment (run.mjs sets it); wrk and autocannon do not verify certificates.
//
// With `--count N` it runs N verifications instead of a timed window and reports the resident
// set after the first `--count-first` (10,000) and after all N, each after a full GC: the memory
// a long-running process keeps. Run it with `node --expose-gc` so the GC can be forced.
//
// Progress goes to stdout as JSON lines too: {"phase":"measure"} when the measured window opens
// and {"phase":"done"} when it closes (run.mjs reads the emulator's CPU at those two moments).
import { readFileSync } from 'node:fs'
import { performance } from 'node:perf_hooks'
import { parseArgs } from 'node:util'

import { loadAddon } from './lib/addon.mjs'
import { LatencyHistogram } from './lib/stats.mjs'
import { defaultWireTool, runWire } from './lib/wire.mjs'
import {
  CLIENTS, DEFAULT_CREDENTIALS, HCAPTCHA_TEST_SECRET, NEEDS_MINTED_TOKENS, RECAPTCHA_ENTERPRISE_TEST_SITE_KEY,
  RECAPTCHA_TEST_SECRET, SWETRIX_PASS_SECRET, TEST_TOKENS, TURNSTILE_TEST_SECRET, verificationRequest
} from './lib/protocol.mjs'

const { values: args } = parseArgs({
  options: {
    provider: { type: 'string' },
    client: { type: 'string' },
    concurrency: { type: 'string', default: '1' },
    duration: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '1' },
    url: { type: 'string' },
    tokens: { type: 'string' },
    ca: { type: 'string' }, // PEM file of the authority an HTTPS emulator's certificate is signed by
    'trustcaptcha-api-key': { type: 'string', default: DEFAULT_CREDENTIALS.trustcaptchaApiKey },
    'playtcha-secret': { type: 'string', default: DEFAULT_CREDENTIALS.playtchaSecret },
    'wire-tool': { type: 'string' }, // wrk or autocannon; default: wrk when installed
    count: { type: 'string' },
    // Another checkout's index.js, to compare builds with the same harness (lib/addon.mjs reads it).
    module: { type: 'string' },
    'count-first': { type: 'string', default: '10000' }
  }
})

const provider = args.provider
const client = args.client
const concurrency = Number(args.concurrency)
const durationMs = Number(args.duration) * 1000
const warmupMs = Number(args.warmup) * 1000
if (!CLIENTS[provider]?.includes(client)) {
  fail(`--provider/--client must be one of ${JSON.stringify(CLIENTS)}, got ${provider}/${client}`)
}
if (!args.url) fail('--url (the emulator) is required')
if (!(concurrency >= 1) || !(durationMs > 0) || !(warmupMs >= 0)) fail('bad --concurrency, --duration or --warmup')
const target = {
  url: args.url.replace(/\/+$/, ''),
  // The CA of an HTTPS emulator, as the providers' `ca` options and undici's `connect.ca` take it.
  ca: args.ca ? [readFileSync(args.ca, 'utf8')] : undefined,
  credentials: {
    ...DEFAULT_CREDENTIALS,
    trustcaptchaApiKey: args['trustcaptcha-api-key'],
    playtchaSecret: args['playtcha-secret']
  }
}

// Node reads NODE_EXTRA_CA_CERTS once, at start: the file it names must hold the CA already.
if (target.ca && (client === 'fetch' || client === 'sdk-style') && !extraCertificatesHold(target.ca[0])) {
  fail(`${client} takes no CA option: run it with NODE_EXTRA_CA_CERTS=${args.ca}`)
}

function extraCertificatesHold (pem) {
  try {
    return readFileSync(process.env.NODE_EXTRA_CA_CERTS, 'utf8').includes(pem.trim())
  } catch {
    return false
  }
}

function fail (message) {
  console.error(`client.mjs: ${message}`)
  process.exit(2)
}

function emit (object) {
  process.stdout.write(`${JSON.stringify(object)}\n`)
}

// ---------------------------------------------------------------------------------------------
// Tokens: one reusable test token, or (Playtcha) pre-minted single-use tokens read from a file.

function tokenSource () {
  if (!NEEDS_MINTED_TOKENS.has(provider)) {
    const token = TEST_TOKENS[provider]
    return { next: () => token, minted: null }
  }
  if (!args.tokens) fail(`${provider} tokens are single use: pass --tokens FILE (one token a line)`)
  const tokens = readFileSync(args.tokens, 'utf8').split('\n').filter(Boolean)
  let used = 0
  return { next: () => tokens[used++], minted: tokens.length, all: () => tokens }
}

// ---------------------------------------------------------------------------------------------
// The clients: each builds once what a real application would build once, then `verify(token)`
// resolves on a passing verification and throws on anything else (an error, not throughput).

async function makeVerifier () {
  const { url, credentials } = target
  // The HTTPS emulator's CA, for every native client; nothing at all on plain HTTP.
  const tls = target.ca ? { ca: target.ca } : {}
  if (client === 'fetch') {
    const { fetchVerifier } = await import('./reference/fetch-clients.mjs')
    return fetchVerifier(provider, target)
  }
  if (client === 'undici') {
    const { undiciVerifier } = await import('./reference/undici-clients.mjs')
    return undiciVerifier(provider, target)
  }
  if (client === 'sdk-style' && provider === 'trustcaptcha') {
    const { SdkStyleTrustCaptcha } = await import('./reference/trustcaptcha-sdk.mjs')
    const trustCaptcha = new SdkStyleTrustCaptcha({ apiKey: credentials.trustcaptchaApiKey, apiHost: url })
    return async (token) => expectTrustCaptchaPassed(await trustCaptcha.getVerificationResult(token))
  }
  if (client === 'sdk-style' && provider === 'friendly-captcha') {
    // The SDK itself, as published: its fetch, its AbortController, its timer per call.
    const { FriendlyCaptchaClient } = await import('@friendlycaptcha/server-sdk')
    const frc = new FriendlyCaptchaClient({ apiKey: credentials.friendlyCaptchaApiKey, apiEndpoint: url })
    return async (token) => expectFriendlyCaptchaVerified(await frc.verifyCaptchaResponse(token))
  }
  if (client === 'sdk-style' && provider === 'swetrix') {
    const { validateToken } = await import('./reference/swetrix-validator.mjs')
    return async (token) => expectSwetrixPassed(await validateToken(token, SWETRIX_PASS_SECRET, `${url}/v1/captcha`))
  }
  // captcha-native, loaded only by the native clients so the others' RSS does not include it.
  const native = loadAddon()
  switch (provider) {
    case 'trustcaptcha': {
      const trustCaptcha = new native.TrustCaptcha({ apiKey: credentials.trustcaptchaApiKey, apiHost: url, ...tls })
      return async (token) => expectTrustCaptchaPassed(await trustCaptcha.getVerificationResult(token))
    }
    case 'swetrix':
      return async (token) => expectSwetrixPassed(await native.validateToken(token, SWETRIX_PASS_SECRET, `${url}/v1/captcha`, target.ca && tls))
    case 'recaptcha':
      if (client === 'native-class') {
        const recaptcha = new native.Recaptcha({ secret: RECAPTCHA_TEST_SECRET, siteverifyUrl: `${url}/recaptcha/api/siteverify`, retries: 0, ...tls })
        return async (token) => expectSiteverifyPassed(await recaptcha.verify(token))
      }
      // Configured once, as an application would; no retries, so a failure shows as an error.
      native.configureRecaptcha({ secretKey: RECAPTCHA_TEST_SECRET, siteverifyUrl: `${url}/recaptcha/api/siteverify`, retries: 0, ...tls })
      return async (token) => {
        const outcome = await native.authorize(token)
        if (outcome?.success !== true) throw new Error(`authorize resolved ${JSON.stringify(outcome)}`)
      }
    case 'playtcha': {
      const playtcha = new native.Playtcha({ secret: credentials.playtchaSecret, apiHost: url, ...tls })
      return async (token) => {
        const result = await playtcha.verify(token)
        // Failing open is the verifier being unavailable: not a verification.
        if (result.success !== true || result.failedOpen) throw new Error(`failed open: ${result.unavailableReason} ${result.status ?? ''}`)
      }
    }
    case 'turnstile': {
      // Each call sends a fresh idempotency key, as it always does; no retries, as for reCAPTCHA.
      const turnstile = new native.Turnstile({ secret: TURNSTILE_TEST_SECRET, siteverifyUrl: `${url}/turnstile/v0/siteverify`, retries: 0, ...tls })
      return async (token) => expectSiteverifyPassed(await turnstile.verify(token))
    }
    case 'hcaptcha': {
      const hcaptcha = new native.HCaptcha({ secret: HCAPTCHA_TEST_SECRET, siteverifyUrl: `${url}/siteverify`, retries: 0, ...tls })
      return async (token) => expectSiteverifyPassed(await hcaptcha.verify(token))
    }
    case 'recaptcha-enterprise': {
      // No retries, as for the siteverify classes: a failure shows as an error.
      const enterprise = new native.RecaptchaEnterprise({
        projectId: credentials.recaptchaEnterpriseProjectId,
        apiKey: credentials.recaptchaEnterpriseApiKey,
        siteKey: RECAPTCHA_ENTERPRISE_TEST_SITE_KEY,
        endpoint: url,
        retries: 0,
        ...tls
      })
      return async (token) => {
        const verdict = await enterprise.assess(token)
        if (verdict.passed !== true) throw new Error(`verdict ${JSON.stringify(verdict.errorCodes)}`)
      }
    }
    case 'friendly-captcha': {
      const frc = new native.FriendlyCaptchaClient({ apiKey: credentials.friendlyCaptchaApiKey, apiEndpoint: url, ...tls })
      return async (token) => expectFriendlyCaptchaVerified(await frc.verifyCaptchaResponse(token))
    }
  }
  throw new Error(`no client ${client} for ${provider}`)
}

function expectTrustCaptchaPassed (result) {
  if (result.verificationPassed !== true) throw new Error(`verificationPassed is ${result.verificationPassed}`)
}

/** Friendly Captcha resolves every outcome: only a verified, accepted response counts (failing open does not). */
function expectFriendlyCaptchaVerified (result) {
  if (!result.wasAbleToVerify() || !result.shouldAccept()) throw new Error(`not verified: ${result.getErrorCode()} ${JSON.stringify(result.getResponseError())}`)
}

function expectSwetrixPassed ([ok, data]) {
  if (ok !== true) throw new Error(String(data))
}

/** The siteverify classes resolve a refusal too: only `success: true` is a verification. */
function expectSiteverifyPassed (verdict) {
  if (verdict.success !== true) throw new Error(`verdict ${JSON.stringify(verdict.errorCodes)}`)
}

// ---------------------------------------------------------------------------------------------
// The load loop for in-process clients: `concurrency` workers, each with one call in flight.

async function runClient (verify, tokens) {
  let phase = 'warmup' // then 'measure', then 'closed'
  let histogram = new LatencyHistogram()
  let verifications = 0
  let errors = 0
  let errorSamples = new Map()
  let tokensExhausted = false
  const window = {}
  let closed
  const windowClosed = new Promise((resolve) => { closed = resolve })
  const openAt = performance.now() + warmupMs
  let closeAt = Infinity

  // The window opens and closes on the clock, checked after every call: node:http and fetch at
  // high concurrency can starve timers for seconds (the loop keeps serving sockets), so a
  // setTimeout alone would stretch the window. The timers stay as a backstop for a silent loop.
  function tick () {
    const now = performance.now()
    if (phase === 'warmup' && now >= openAt) openWindow()
    if (phase === 'measure' && now >= closeAt) closeWindow()
  }

  function openWindow () {
    // Counters restart here: the warm-up opened connections and warmed the JIT.
    histogram = new LatencyHistogram()
    verifications = 0
    errors = 0
    errorSamples = new Map()
    window.cpuStart = process.cpuUsage()
    window.eluStart = performance.eventLoopUtilization()
    window.start = performance.now()
    closeAt = window.start + durationMs
    phase = 'measure'
    emit({ phase: 'measure' })
    setTimeout(tick, durationMs)
  }

  function closeWindow () {
    if (phase !== 'measure') return
    // The window is what really elapsed, the CPU and ELU over the same span.
    window.end = performance.now()
    window.cpu = process.cpuUsage(window.cpuStart)
    window.elu = performance.eventLoopUtilization(window.eluStart).utilization
    phase = 'closed'
    emit({ phase: 'done' })
    closed()
  }

  async function worker () {
    while (phase !== 'closed') {
      const token = tokens.next()
      if (token === undefined) {
        tokensExhausted = true
        if (phase === 'warmup') openWindow() // so the result says so rather than hangs
        closeWindow()
        break
      }
      const started = performance.now()
      let failure = null
      try {
        await verify(token)
      } catch (error) {
        failure = error
      }
      tick()
      if (phase === 'closed') break // completed after the window: counted nowhere
      if (failure) {
        errors++
        const message = String(failure?.message ?? failure).slice(0, 200)
        errorSamples.set(message, (errorSamples.get(message) ?? 0) + 1)
      } else {
        verifications++
        histogram.record(performance.now() - started)
      }
    }
  }

  const warmupTimer = setTimeout(tick, warmupMs)
  const workers = Array.from({ length: concurrency }, worker)
  await windowClosed
  clearTimeout(warmupTimer)
  // In-flight calls drain (not counted), for at most 10 s.
  await Promise.race([Promise.all(workers), new Promise((resolve) => setTimeout(resolve, 10_000).unref())])

  const seconds = (window.end - window.start) / 1000
  const cpuMs = (window.cpu.user + window.cpu.system) / 1000
  return {
    windowSeconds: seconds,
    verifications,
    errors,
    errorSamples: [...errorSamples].slice(0, 5).map(([message, count]) => ({ message, count })),
    perSecond: verifications / seconds,
    p50Ms: histogram.percentile(0.5),
    p99Ms: histogram.percentile(0.99),
    cpuMs,
    cpuMsPer1000: verifications ? cpuMs / verifications * 1000 : null,
    cpuCores: cpuMs / (window.end - window.start),
    elu: window.elu,
    // The event loop's busy time per verification (ELU × window ÷ verifications = ELU ÷ rate):
    // what each verification takes from the application's JavaScript thread.
    eventLoopMicrosPerVerification: verifications ? window.elu * (window.end - window.start) * 1000 / verifications : null,
    tokensExhausted
  }
}

// ---------------------------------------------------------------------------------------------
// The memory run: a fixed number of verifications, the resident set sampled along the way.

/** The resident set in MiB after a full GC (when `--expose-gc` allows one). */
function settledRssMiB () {
  globalThis.gc?.()
  return process.memoryUsage().rss / 1048576
}

async function runCount (verify, tokens, total, first) {
  let started = 0
  let completed = 0
  let errors = 0
  const samples = []
  // Ten samples in all, at `first` and then evenly up to `total`, to show where the set settles.
  const marks = new Set([first, ...Array.from({ length: 9 }, (_, i) => Math.round(first + (total - first) * (i + 1) / 9))])
  const begin = performance.now()
  async function worker () {
    while (started < total) {
      started++
      try {
        await verify(tokens.next())
      } catch {
        errors++
      }
      completed++
      if (marks.has(completed)) {
        const rssMiB = settledRssMiB()
        const { heapTotal, heapUsed, external } = process.memoryUsage()
        samples.push({ verifications: completed, rssMiB, heapTotalMiB: heapTotal / 1048576, heapUsedMiB: heapUsed / 1048576, externalMiB: external / 1048576 })
      }
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  const seconds = (performance.now() - begin) / 1000
  const atFirst = samples.find((sample) => sample.verifications === first)
  const atEnd = samples.find((sample) => sample.verifications === total)
  return {
    count: total,
    countFirst: first,
    errors,
    perSecond: total / seconds,
    gcForced: typeof globalThis.gc === 'function',
    rssAfterFirstMiB: atFirst.rssMiB,
    rssAfterAllMiB: atEnd.rssMiB,
    rssGrowthMiB: atEnd.rssMiB - atFirst.rssMiB,
    // V8 sizes its young generation to the allocation rate: heapTotal grows while heapUsed stays
    // flat. What the resident set does outside V8's heap is native memory (ours, libuv's, malloc's).
    heapTotalGrowthMiB: atEnd.heapTotalMiB - atFirst.heapTotalMiB,
    heapUsedGrowthMiB: atEnd.heapUsedMiB - atFirst.heapUsedMiB,
    outsideHeapGrowthMiB: (atEnd.rssMiB - atEnd.heapTotalMiB) - (atFirst.rssMiB - atFirst.heapTotalMiB),
    samples
  }
}

// ---------------------------------------------------------------------------------------------

const tokens = tokenSource()
const request = verificationRequest(provider, target.credentials)
const count = args.count === undefined ? null : Number(args.count)
const countFirst = Number(args['count-first'])
if (count !== null && (client === 'wire' || !(Number.isInteger(count) && Number.isInteger(countFirst) && count > countFirst && countFirst > 0))) {
  fail('--count needs an in-process client and whole numbers with --count > --count-first > 0')
}
if (count !== null && tokens.minted !== null && tokens.minted < count) fail(`--count ${count} needs as many tokens; the file has ${tokens.minted}`)
const result = count !== null
  ? await runCount(await makeVerifier(), tokens, count, countFirst)
  : client === 'wire'
  ? await runWire(args['wire-tool'] ?? defaultWireTool(), {
    url: `${target.url}${request.path}`,
    request,
    tokens,
    perToken: NEEDS_MINTED_TOKENS.has(provider),
    concurrency,
    durationMs,
    warmupMs,
    emit
  })
  : await runClient(await makeVerifier(), tokens)
emit({
  provider,
  client,
  concurrency,
  ...result,
  // The load generator's CPU, ELU and memory are not a client's: not reported.
  ...(client === 'wire' && { cpuMs: null, cpuMsPer1000: null, cpuCores: null, elu: null, eventLoopMicrosPerVerification: null }),
  // The process's peak resident set (KiB on Linux), warm-up included: what the client cost in memory.
  peakRssMiB: client === 'wire' ? null : process.resourceUsage().maxRSS / 1024,
  tokensMinted: tokens.minted
})
// Keep-alive sockets and native pools would keep the process alive; the result is out.
process.exit(0)
