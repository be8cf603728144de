// The strongest alternative a Node user would pick: undici's `request()` on a `Pool` (no fetch
// spec layer: no Request/Response objects, no WHATWG streams), with the same requests
// captcha-native sends, the answer read, parsed as JSON and checked as the fetch client does.
import { Pool } from 'undici'

import { verificationRequest } from '../lib/protocol.mjs'
import { checkedAnswer } from './fetch-clients.mjs'

/** Connections of the pool: the benchmark's middle concurrency, so at c=64 none waits for one. */
export const CONNECTIONS = 64

/**
 * A `verify(token)` for `provider` that resolves on a passing verification and throws otherwise.
 * On an https `url` it trusts `ca` (PEM strings). It speaks HTTP/1.1 there too, undici's default
 * and its faster protocol: with `allowH2` it negotiates h2 with the emulator and made 5,047
 * verifications a second at c=64 against 47,211 for captcha-native over h2 (TrustCaptcha, `node
 * run.mjs --tls`, 2026-11-28), so the h1 pool is the stronger reference.
 */
export function undiciVerifier (provider, { url, credentials, ca }) {
  const request = verificationRequest(provider, credentials)
  // Built once, as an application would: the pool keeps its connections alive between calls.
  const pool = new Pool(url, {
    connections: CONNECTIONS,
    ...(url.startsWith('https:') && { connect: ca ? { ca } : {} })
  })
  return async function verify (token) {
    const { statusCode, body } = await pool.request({
      path: request.path, method: request.method, headers: request.headers, body: request.body(token)
    })
    return checkedAnswer(provider, statusCode, await body.text())
  }
}
