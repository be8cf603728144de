// An example app (examples/<name>/server.js) run as a user runs it, for every test that drives
// one (examples.test.mjs, and the framework tests checking their own example's answers): started
// with `--port 0`, waited for until it prints examples/README.md's line, stopped after.
import { spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import path from 'node:path'
import assert from 'node:assert/strict'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
/** How long an example may take to print its line, unless its example.json says otherwise. */
const START_TIMEOUT_MS = 20_000

/** `examples/<name>/example.json`'s `startTimeoutMs`, for an example that builds first. */
export function startTimeoutOf (name) {
  const file = path.join(ROOT, 'examples', name, 'example.json')
  if (!existsSync(file)) return START_TIMEOUT_MS
  const { startTimeoutMs } = JSON.parse(readFileSync(file, 'utf8'))
  assert.ok(Number.isInteger(startTimeoutMs) && startTimeoutMs > 0, `${file}: startTimeoutMs must be a positive integer`)
  return startTimeoutMs
}

/** Resolves when `promise` does, or rejects after `ms` with `message()`. */
export function within (promise, ms, message) {
  let timer
  const timeout = new Promise((resolve, reject) => { timer = setTimeout(() => reject(new Error(message())), ms) })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

/**
 * Starts examples/<name>/server.js on any free port, in its own process group (whatever it starts,
 * a build or a worker, is stopped with it), and resolves once it printed
 * `captcha-native <name> example on URL (emulator at URL)`: `{ app, emulator, child, exited,
 * stderr(), kill() }`, `app` and `emulator` its URLs, `exited` resolving `{ code, signal }`,
 * `kill()` stopping the group unless it already exited. Rejects if it exits first, or prints no
 * such line within its start timeout (startTimeoutOf), the process then killed.
 */
export async function startExample (name, { env } = {}) {
  const line = new RegExp(`^captcha-native ${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} example on (http://127\\.0\\.0\\.1:\\d+) \\(emulator at (http://127\\.0\\.0\\.1:\\d+)\\)$`, 'm')
  const child = spawn(process.execPath, [path.join('examples', name, 'server.js'), '--port', '0'], {
    cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], detached: true, env: { ...process.env, ...env }
  })
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })))
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8')
  child.stderr.setEncoding('utf8').on('data', (chunk) => { stderr += chunk })
  const kill = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return
    try {
      process.kill(-child.pid, 'SIGKILL')
    } catch {
      // Already gone.
    }
    await exited
  }
  const printed = new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      stdout += chunk
      const match = line.exec(stdout)
      if (match) resolve(match.slice(1))
    })
    // 'close', not 'exit': by then the last of its stderr has been read, for the message.
    child.once('close', (code, signal) => reject(new Error(`examples/${name} exited (${code ?? signal}) before printing its line; stdout: ${stdout}; stderr: ${stderr}`)))
  })
  const timeoutMs = startTimeoutOf(name)
  try {
    const [app, emulator] = await within(printed, timeoutMs,
      () => `examples/${name} printed no 'captcha-native ${name} example on ...' line within ${timeoutMs} ms; stdout: ${stdout}; stderr: ${stderr}`)
    return { app, emulator, child, exited, stderr: () => stderr, kill }
  } catch (error) {
    await kill()
    throw error
  }
}

/**
 * A Turnstile token carrying `claims` from the emulator at `emulator` (an example's), as a process
 * that did not start it gets one: `POST {emulator}/__emulator/issue/turnstile`.
 */
export async function issueTurnstile (emulator, claims = {}) {
  const answer = await fetch(`${emulator}/__emulator/issue/turnstile`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(claims)
  })
  assert.equal(answer.status, 200, await answer.clone().text())
  return (await answer.json()).token
}
