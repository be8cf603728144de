// What run.mjs and instructions.mjs share: the emulator in a process of its own
// (emulator-process.mjs), and the arguments of one client.mjs run against it.
import { fork } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

import { MODULE_ARGUMENT } from './addon.mjs'

const benchmark = path.join(path.dirname(fileURLToPath(import.meta.url)), '..')
const CLIENT_SCRIPT = path.join(benchmark, 'client.mjs')

/**
 * Forks emulator-process.mjs (on the captcha-native of `--module`, when given; serving HTTPS with
 * `tls`) and resolves `{ url, credentials, certificate, request(message), stop() }` once it
 * listens; `certificate` is the PEM of the authority to trust with `tls`, else undefined.
 * `request` sends a message (`{ type: 'mint' | 'cpu', ... }`) and resolves the answer.
 */
export function startEmulator ({ tls = false } = {}) {
  const argv = [...(MODULE_ARGUMENT ? ['--module', MODULE_ARGUMENT] : []), ...(tls ? ['--tls'] : [])]
  const child = fork(path.join(benchmark, 'emulator-process.mjs'), argv, { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] })
  const pending = new Map()
  let nextId = 0
  child.on('message', (message) => {
    const waiting = pending.get(message.id)
    pending.delete(message.id)
    if (!waiting) return
    if (message.ok) waiting.resolve(message)
    else waiting.reject(new Error(message.error))
  })
  const request = (message) => new Promise((resolve, reject) => {
    const id = nextId++
    pending.set(id, { resolve, reject })
    child.send({ ...message, id })
  })
  return new Promise((resolve, reject) => {
    let buffered = ''
    child.stdout.setEncoding('utf8')
    child.stdout.on('data', function onData (chunk) {
      buffered += chunk
      const newline = buffered.indexOf('\n')
      if (newline < 0) return
      child.stdout.off('data', onData)
      const { url, credentials, certificate } = JSON.parse(buffered.slice(0, newline))
      resolve({ url, credentials, certificate, request, stop: () => child.kill('SIGTERM') })
    })
    child.on('exit', (code) => reject(new Error(`the emulator process exited (${code}) before listening`)))
  })
}

/**
 * The arguments of one client.mjs run against `emulator` (`{ url, credentials }`), the script's
 * path first: node options or a wrapper (valgrind) go before them. A timed run takes `duration`
 * and `warmup` (seconds); a counted one `count` and, optionally, `countFirst`. `tokensFile`,
 * `ca` (a file holding the PEM of the HTTPS emulator's authority), `module` (by default this
 * process's `--module`) and (for the wire client) `wireTool` are passed when given.
 */
export function clientArgs (emulator, {
  provider, client = 'native', concurrency, duration, warmup, count, countFirst, tokensFile, ca, wireTool, module = MODULE_ARGUMENT
}) {
  const args = [CLIENT_SCRIPT, '--provider', provider, '--client', client, '--concurrency', String(concurrency)]
  if (count !== undefined) {
    args.push('--count', String(count))
    if (countFirst !== undefined) args.push('--count-first', String(countFirst))
  } else {
    args.push('--duration', String(duration), '--warmup', String(warmup))
  }
  args.push(
    '--url', emulator.url,
    '--trustcaptcha-api-key', emulator.credentials.trustcaptchaApiKey,
    '--playtcha-secret', emulator.credentials.playtchaSecret
  )
  if (tokensFile) args.push('--tokens', tokensFile)
  if (ca) args.push('--ca', ca)
  if (client === 'wire' && wireTool) args.push('--wire-tool', wireTool)
  if (module) args.push('--module', module)
  return args
}

/**
 * The environment of a client.mjs process: with `ca` (the file of clientArgs), NODE_EXTRA_CA_CERTS
 * names it too, which is how the JS clients that take no CA option of ours (`fetch`, the
 * SDK-style ones) trust it, as a Node application would without changing its code. Every client
 * process gets it alike; native and undici are also given the CA as their own option.
 */
export function clientEnv (ca) {
  return ca ? { ...process.env, NODE_EXTRA_CA_CERTS: ca } : process.env
}
