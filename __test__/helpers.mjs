// Shared helpers of the node tests.
import assert from 'node:assert/strict'
import http from 'node:http'
import net from 'node:net'
import { inspect } from 'node:util'
import { execFile, spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { createRequire } from 'node:module'

const INDEX = fileURLToPath(new URL('../index.js', import.meta.url))
const { Emulator } = createRequire(import.meta.url)('../index.js')

/** A TrustCaptcha widget token: base64 of the JSON of `fields`. */
/**
 * False when the binary was built without the `testing` feature (a release build: the release
 * workflow tests those), so the tests of its hooks skip there. `npm test` builds with it, and
 * `.ci/run` sets CAPTCHA_NATIVE_REQUIRE_TEST_HOOKS so that a build without it fails them instead.
 */
export function testHooksSkip (binding) {
  if (typeof binding.__panicInNativeCode === 'function' || process.env.CAPTCHA_NATIVE_REQUIRE_TEST_HOOKS === '1') return false
  return 'the addon was built without the testing feature (npm test builds with it)'
}

export function trustToken (fields, encoding = 'base64') {
  return Buffer.from(JSON.stringify(fields)).toString(encoding)
}

/** The token of a published test id, `00000000-0000-0000-0000-00000000000N`. */
export function testIdToken (n, extra = {}) {
  return trustToken({ verificationId: Emulator.identities.trustcaptcha.testVerifications[n].verificationId, ...extra })
}

/** Asserts that `secret` appears nowhere a user or a log could see it in `error`. */
export function assertNoSecret (error, secret) {
  const views = [
    String(error), error.message, error.stack, inspect(error, { depth: 10, showHidden: true }),
    JSON.stringify(error), JSON.stringify(Object.getOwnPropertyNames(error).map((k) => String(error[k]))),
    error.cause && inspect(error.cause, { depth: 10, showHidden: true })
  ]
  for (const view of views) {
    if (view) assert.ok(!String(view).includes(secret), `the secret leaked into: ${view}`)
  }
}

/** Awaits `promise`, which must reject; returns the error and the milliseconds it took. */
export async function rejection (promise) {
  const started = performance.now()
  try {
    await promise
  } catch (error) {
    return { error, ms: performance.now() - started }
  }
  assert.fail('expected the promise to reject')
}

/**
 * A small forward (absolute-URI) and CONNECT proxy on loopback. With `credentials`, it answers
 * 407 unless `Proxy-Authorization` carries them; with `tunnelTo` (a port), every CONNECT leads
 * to that loopback port. It records what it was asked.
 */
export async function startProxy ({ credentials, refuseConnect = false, tunnelTo } = {}) {
  const seen = []
  const expected = credentials && 'Basic ' + Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')
  const authorized = (req) => !expected || req.headers['proxy-authorization'] === expected
  const server = http.createServer((req, res) => {
    seen.push({ method: req.method, url: req.url, proxyAuthorization: req.headers['proxy-authorization'] })
    if (!authorized(req)) {
      res.writeHead(407, { 'proxy-authenticate': 'Basic realm="test"' }).end()
      return
    }
    const target = new URL(req.url)
    const headers = { ...req.headers }
    delete headers['proxy-authorization']
    const upstream = http.request({ host: target.hostname, port: target.port, path: target.pathname + target.search, method: req.method, headers }, (answer) => {
      res.writeHead(answer.statusCode, answer.headers)
      answer.pipe(res)
    })
    upstream.on('error', () => res.writeHead(502).end())
    req.pipe(upstream)
  })
  server.on('connect', (req, socket, head) => {
    seen.push({ method: 'CONNECT', url: req.url, proxyAuthorization: req.headers['proxy-authorization'] })
    if (!authorized(req) || refuseConnect) {
      socket.end(`HTTP/1.1 ${refuseConnect ? 502 : 407} Refused\r\n\r\n`)
      return
    }
    // `tunnelTo`: every tunnel leads to that loopback port, whatever host it names.
    const [host, port] = tunnelTo ? ['127.0.0.1', tunnelTo] : req.url.split(':')
    const upstream = net.connect(Number(port), host, () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n')
      upstream.write(head)
      upstream.pipe(socket)
      socket.pipe(upstream)
    })
    upstream.on('error', () => socket.destroy())
    socket.on('error', () => upstream.destroy())
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address()
  return {
    host: '127.0.0.1',
    port,
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve) })
  }
}

/**
 * A plain HTTP server on loopback that records each request (method, path, headers, raw body,
 * arrival time) and answers with `answer(request)`: `{ status, body, headers }` (default 200 `{}`).
 */
export async function captureServer (answer = () => ({})) {
  const seen = []
  const server = http.createServer((req, res) => {
    const chunks = []
    req.on('data', (chunk) => chunks.push(chunk))
    req.on('end', () => {
      const request = { method: req.method, path: req.url, headers: req.headers, body: Buffer.concat(chunks).toString(), at: performance.now() }
      seen.push(request)
      const { status = 200, body = '{}', headers = { 'content-type': 'application/json' } } = answer(request, seen.length)
      res.writeHead(status, headers).end(typeof body === 'string' ? body : JSON.stringify(body))
    })
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${server.address().port}`
  return { url, seen, close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve) }) }
}

/**
 * `captureServer`, for a test file that makes many: each server made is closed in `after`.
 * Pass node:test's `after`.
 */
export function captureServers (after) {
  const servers = []
  after(() => Promise.all(servers.map((server) => server.close())))
  return async (answer) => {
    const made = await captureServer(answer)
    servers.push(made)
    return made
  }
}

/**
 * A server that sends 200 JSON headers at once, then one body byte every 100 ms for 5 s: never
 * idle, never complete in time. For deadlines on the whole request.
 */
export async function trickleServer () {
  const server = http.createServer((req, res) => {
    req.resume()
    res.writeHead(200, { 'content-type': 'application/json' })
    res.write('{')
    let left = 50
    const timer = setInterval(() => { if (--left > 0) res.write(' '); else { clearInterval(timer); res.end('}') } }, 100)
    res.on('close', () => clearInterval(timer))
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve) })
  }
}

/** A loopback port with nothing listening on it. */
export async function closedPort () {
  const server = net.createServer()
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address()
  await new Promise((resolve) => server.close(resolve))
  return port
}

/**
 * Runs `body` (the text of an async function given `captcha`) in a child process with `env`
 * added (and no *_proxy variable of ours), and returns what it returns, through JSON. For
 * behaviour that depends on the environment, read when a connection pool is built.
 */
export function inChild (body, env) {
  const script = `const captcha = require(${JSON.stringify(INDEX)});
    (async (captcha) => { ${body} })(captcha).then((v) => process.stdout.write(JSON.stringify(v)), (e) => { console.error(e); process.exit(1) })`
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/_proxy$/i.test(k)))
  // A variable given as undefined is removed from the child's environment.
  const childEnv = Object.fromEntries(Object.entries({ ...clean, ...env }).filter(([, value]) => value !== undefined))
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['-e', script], { env: childEnv, timeout: 20_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`child failed: ${stderr}`))
      else resolve(JSON.parse(stdout))
    })
  })
}

/** Runs `test` with a fresh emulator started with `options`, and closes it whatever happens. */
export async function withEmulator (options, test) {
  const emulator = await Emulator.start(options)
  try {
    return await test(emulator)
  } finally {
    await emulator.close()
  }
}

/** What the command prints up to its last banner line. */
export async function banner (child) {
  let output = ''
  for await (const chunk of child.stdout) {
    output += chunk
    if (output.includes('Press Ctrl+C')) break
  }
  return output
}

/** Runs `node ...args` to its end; resolves its exit code and what it wrote to stderr. */
export async function exitOf (args) {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr.on('data', (d) => { stderr += d })
  const [code] = await once(child, 'exit')
  return { code, stderr }
}
