// Shared helpers of the node tests.
import assert from 'node:assert/strict'
import http from 'node:http'
import net from 'node:net'
import { inspect } from 'node:util'

/** A TrustCaptcha widget token: base64 of the JSON of `fields`. */
export function trustToken (fields, encoding = 'base64') {
  return Buffer.from(JSON.stringify(fields)).toString(encoding)
}

/** The token of a published test id, `00000000-0000-0000-0000-00000000000N`. */
export function testIdToken (n, extra = {}) {
  return trustToken({ verificationId: `00000000-0000-0000-0000-00000000000${n}`, ...extra })
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
 * 407 unless `Proxy-Authorization` carries them. It records what it was asked.
 */
export async function startProxy ({ credentials, refuseConnect = false } = {}) {
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
    const [host, port] = req.url.split(':')
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
