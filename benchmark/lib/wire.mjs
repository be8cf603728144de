// The wire ceiling: the same verification request from a raw keep-alive load generator, so the
// clients can be compared with what the emulator serves when no client library is in the way.
// wrk (C, one thread per core) when it is installed; autocannon (JS, one thread) otherwise: on 2
// cores autocannon's own JavaScript saturates before the emulator does, so it is a floor of the
// ceiling rather than the ceiling itself.
import { execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import { performance } from 'node:perf_hooks'

import { LatencyHistogram } from './stats.mjs'

const require = createRequire(import.meta.url)

/** 'wrk' when wrk is on the PATH, else 'autocannon'. */
export function defaultWireTool () {
  try {
    execFileSync('wrk', ['-v'], { stdio: 'ignore' })
    return 'wrk'
  } catch (error) {
    // wrk -v prints its usage and exits 1: it is there. ENOENT: it is not.
    return error.code === 'ENOENT' ? 'autocannon' : 'wrk'
  }
}

/**
 * Runs the load and resolves the same result fields as the in-process clients (CPU, ELU and RSS
 * are the load generator's, so null). `request` is from protocol.mjs; `tokens` from client.mjs;
 * `emit` reports the measured window's phases.
 */
export function runWire (tool, { url, request, tokens, perToken, concurrency, durationMs, warmupMs, emit }) {
  const run = tool === 'wrk' ? runWrk : runAutocannon
  return run({ url, request, tokens, perToken, concurrency, durationMs, warmupMs, emit })
}

/** A Lua string literal (the values here are printable ASCII: header values, JSON, paths). */
function lua (text) {
  if (!/^[\x20-\x7e]*$/.test(text)) throw new Error(`not printable ASCII: ${JSON.stringify(text)}`)
  return `"${text.replace(/[\\"]/g, (c) => `\\${c}`)}"`
}

/** Stand for the token and for Turnstile's idempotency key in a body, to cut it around them. */
const TOKEN_SLOT = 'TOKEN-SLOT-5f1c9e'
const KEY_SLOT = 'KEY-SLOT-8a3d27'

/**
 * wrk takes whole seconds and needs no warm-up (no JIT; it connects in microseconds), so it runs
 * once, for the duration rounded up to a second. Per-thread Lua states count the responses that
 * are passing verifications; with single-use tokens each thread takes its own slice of the file,
 * and with `freshKey` each request gets a random version-4 UUID made in Lua.
 */
async function runWrk ({ url, request, tokens, perToken, concurrency, durationMs, emit }) {
  const threads = Math.max(1, Math.min(concurrency, os.cpus().length))
  const seconds = Math.max(1, Math.ceil(durationMs / 1000))
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'captcha-native-wrk-'))
  const marker = request.passMarker
  let body = request.body(perToken ? TOKEN_SLOT : tokens.next(), KEY_SLOT)
  let tokenSetup = ''
  if (perToken || request.freshKey) {
    // The body around the slots: token and key are spliced in per request, the rest is what JS would send.
    const spliced = body.split(new RegExp(`(${TOKEN_SLOT}|${KEY_SLOT})`)).filter(Boolean)
      .map((part) => part === TOKEN_SLOT ? 'token' : part === KEY_SLOT ? 'uuid()' : lua(part)).join(' .. ')
    const file = path.join(scratch, 'tokens.txt')
    if (perToken) writeFileSync(file, tokens.all().join('\n'))
    tokenSetup = `
local tokens, next_token = {}, 1
init = function(args)
  -- wrk seeds every thread's Lua alike: without this the threads would send the same keys.
  math.randomseed(os.time() * 64 + id)
  ${perToken
    ? `-- this thread's slice of the file: lines id, id + threads, id + 2 threads, ...
  local line = 0
  for token in io.lines(${lua(file)}) do
    if line % ${threads} == id then tokens[#tokens + 1] = token end
    line = line + 1
  end`
    : ''}
end
-- 16 bits at a time, well within what Lua's numbers and %x hold exactly.
local function uuid()
  local r = math.random
  return string.format("%04x%04x-%04x-4%03x-%04x-%04x%04x%04x",
    r(0, 65535), r(0, 65535), r(0, 65535), r(0, 4095), 32768 + r(0, 16383), r(0, 65535), r(0, 65535), r(0, 65535))
end
request = function()
  ${perToken
    ? `local token = tokens[next_token]
  next_token = next_token + 1
  if token == nil then
    exhausted = 1
    wrk.thread:stop()
    token = "exhausted"
  end`
    : ''}
  return wrk.format(nil, nil, nil, ${spliced})
end`
    body = undefined
  }
  const headerLines = Object.entries(request.headers).map(([name, value]) => `wrk.headers[${lua(name)}] = ${lua(value)}`).join('\n')
  const script = `
wrk.method = ${lua(request.method)}
${headerLines}
${body === undefined ? '' : `wrk.body = ${lua(body)}`}
local threads_list, thread_count = {}, 0
setup = function(thread)
  thread:set("id", thread_count)
  thread_count = thread_count + 1
  threads_list[#threads_list + 1] = thread
end
responses, passes, exhausted = 0, 0, 0
response = function(status, headers, body)
  responses = responses + 1
  if status >= 200 and status < 300 and string.find(body, ${lua(marker)}, 1, true) then passes = passes + 1 end
end
${tokenSetup}
done = function(summary, latency, requests)
  local r, p, e = 0, 0, 0
  for _, thread in ipairs(threads_list) do
    r = r + thread:get("responses"); p = p + thread:get("passes"); e = e + thread:get("exhausted")
  end
  local errors = summary.errors
  io.write(string.format('\\nWIRE_RESULT {"responses":%d,"passes":%d,"exhausted":%d,"durationMicros":%d,"p50Micros":%d,"p99Micros":%d,"status":%d,"connect":%d,"read":%d,"write":%d,"timeout":%d}\\n',
    r, p, e, summary.duration, latency:percentile(50), latency:percentile(99), errors.status, errors.connect, errors.read, errors.write, errors.timeout))
end`
  const scriptFile = path.join(scratch, 'request.lua')
  writeFileSync(scriptFile, script)
  try {
    emit({ phase: 'measure' })
    const output = await new Promise((resolve, reject) => {
      const child = spawn('wrk', ['-t', String(threads), '-c', String(concurrency), '-d', `${seconds}s`,
        '--timeout', '10s', '-s', scriptFile, url], { stdio: ['ignore', 'pipe', 'pipe'] })
      let out = ''
      child.stdout.on('data', (chunk) => { out += chunk })
      child.stderr.on('data', (chunk) => { out += chunk })
      child.on('error', reject)
      child.on('exit', (code) => code === 0 ? resolve(out) : reject(new Error(`wrk exited ${code}: ${out}`)))
    })
    emit({ phase: 'done' })
    const line = output.split('\n').find((l) => l.startsWith('WIRE_RESULT '))
    if (!line) throw new Error(`wrk printed no result: ${output}`)
    const w = JSON.parse(line.slice('WIRE_RESULT '.length))
    const connectionErrors = w.connect + w.read + w.write + w.timeout
    const failed = w.responses - w.passes
    const errorSamples = []
    // wrk counts answers outside 2xx–3xx; the rest of the failures had a body that did not pass.
    if (w.status) errorSamples.push({ message: 'non-2xx/3xx answers', count: w.status })
    if (failed > w.status) errorSamples.push({ message: 'answers that are not a passing verification', count: failed - w.status })
    if (connectionErrors) errorSamples.push({ message: `socket errors (connect ${w.connect}, read ${w.read}, write ${w.write}, timeout ${w.timeout})`, count: connectionErrors })
    const windowSeconds = w.durationMicros / 1e6
    return {
      tool: 'wrk',
      windowSeconds,
      verifications: w.passes,
      errors: failed + connectionErrors,
      errorSamples,
      perSecond: w.passes / windowSeconds,
      // wrk's latencies are over every answer: meaningless when none passed.
      p50Ms: w.passes ? w.p50Micros / 1000 : null,
      p99Ms: w.passes ? w.p99Micros / 1000 : null,
      tokensExhausted: w.exhausted > 0
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true })
  }
}

/**
 * autocannon in this process: one instance through warm-up and window (the connections stay
 * open, as the clients' do), counting only the responses inside the window we time ourselves.
 */
async function runAutocannon ({ url, request, tokens, perToken, concurrency, durationMs, warmupMs, emit }) {
  const autocannon = require('autocannon')
  let phase = 'warmup'
  let responses = 0
  let passes = 0
  let connectionErrors = 0
  let tokensExhausted = false
  let lastStatus = 0
  const statuses = new Map()
  const histogram = new LatencyHistogram()
  const window = {}
  let instance

  function closeWindow () {
    if (phase !== 'measure') return
    window.end = performance.now()
    phase = 'closed'
    emit({ phase: 'done' })
    instance.stop()
  }

  const options = {
    url,
    method: request.method,
    headers: request.headers,
    body: perToken || request.freshKey ? undefined : request.body(tokens.next()),
    connections: concurrency,
    pipelining: 1,
    timeout: 10,
    // Long enough never to end on its own: our timers open and close the window, then stop it.
    duration: (warmupMs + durationMs) / 1000 + 30,
    // Called for every response, right after its 'response' event: a pass is a 2xx with a passing body.
    verifyBody: (text) => {
      const passed = lastStatus >= 200 && lastStatus < 300 && text.includes(request.passMarker)
      if (phase === 'measure' && passed) passes++
      return passed
    }
  }
  if (perToken || request.freshKey) {
    // A body per request: a fresh single-use token, or (freshKey) the reusable one with a new key.
    options.requests = [{
      setupRequest (built) {
        const token = tokens.next()
        if (token === undefined) {
          tokensExhausted = true
          setImmediate(closeWindow)
        }
        return { ...built, body: request.body(token ?? 'exhausted') }
      }
    }]
  }
  // As in client.mjs: the window opens and closes on the clock, checked at every response, with
  // timers only as a backstop (a saturated loop fires them late).
  const openAt = performance.now() + warmupMs
  function tick () {
    const now = performance.now()
    if (phase === 'warmup' && now >= openAt) {
      window.start = now
      phase = 'measure'
      emit({ phase: 'measure' })
      setTimeout(tick, durationMs)
    }
    if (phase === 'measure' && now >= window.start + durationMs) closeWindow()
  }

  instance = autocannon(options)
  instance.on('response', (_client, status, _bytes, ms) => {
    lastStatus = status
    tick()
    if (phase !== 'measure') return
    responses++
    statuses.set(status, (statuses.get(status) ?? 0) + 1)
    // autocannon's own histogram has whole-millisecond resolution; ours matches the clients'.
    if (status >= 200 && status < 300) histogram.record(ms)
  })
  instance.on('reqError', () => { if (phase === 'measure') connectionErrors++ })
  setTimeout(tick, warmupMs)
  await instance

  const windowSeconds = (window.end - window.start) / 1000
  const failed = responses - passes
  const errorSamples = [...statuses].filter(([status]) => status < 200 || status >= 300)
    .map(([status, count]) => ({ message: `status ${status}`, count }))
  if (connectionErrors) errorSamples.push({ message: 'connection errors or timeouts', count: connectionErrors })
  return {
    tool: 'autocannon',
    windowSeconds,
    verifications: passes,
    errors: failed + connectionErrors,
    errorSamples,
    perSecond: passes / windowSeconds,
    // Responses that were 2xx but not passing are in `errors`; their latency is in the histogram.
    p50Ms: histogram.percentile(0.5),
    p99Ms: histogram.percentile(0.99),
    tokensExhausted
  }
}
