// Plain JS as most code writes it: Node's built-in fetch (undici, keep-alive by default on Node 20)
// with the same requests captcha-native sends, the answer parsed as JSON and checked like a real
// client. undici-clients.mjs is the faster way below it.
import { verificationRequest } from '../lib/protocol.mjs'

/** Each provider's "passed" in its own terms, from the status and the parsed body. */
const PASSED = {
  trustcaptcha: (status, body) => status >= 200 && status < 300 && body.verificationPassed === true,
  swetrix: (status, body) => status < 400 && Boolean(body?.success),
  recaptcha: (status, body) => status === 200 && body.success === true,
  playtcha: (status, body) => status >= 200 && status < 300 && body.success === true,
  turnstile: (status, body) => status === 200 && body.success === true,
  hcaptcha: (status, body) => status === 200 && body.success === true,
  'recaptcha-enterprise': (status, body) => status === 200 && body.tokenProperties?.valid === true,
  'friendly-captcha': (status, body) => status === 200 && body.success === true
}

/**
 * What a JS client does with an answer, shared by the fetch and undici clients: parse `text` as
 * JSON and return it when it is a passing verification of `provider`, else throw.
 */
export function checkedAnswer (provider, status, text) {
  let body
  try {
    body = JSON.parse(text)
  } catch {
    throw new Error(`status ${status}, not JSON: ${text.slice(0, 120)}`)
  }
  if (!PASSED[provider](status, body)) throw new Error(`status ${status}: ${text.slice(0, 120)}`)
  return body
}

/** A `verify(token)` for `provider` that resolves on a passing verification and throws otherwise. */
export function fetchVerifier (provider, { url, credentials }) {
  const request = verificationRequest(provider, credentials)
  const endpoint = `${url}${request.path}`
  return async function verify (token) {
    const response = await fetch(endpoint, { method: request.method, headers: request.headers, body: request.body(token) })
    return checkedAnswer(provider, response.status, await response.text())
  }
}
