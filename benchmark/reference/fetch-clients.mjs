// The best plain JS can do: Node's built-in fetch (undici, keep-alive by default on Node 20) with
// the same requests captcha-native sends, the answer parsed as JSON and checked like a real client.
import { verificationRequest } from '../lib/protocol.mjs'

/** A `verify(token)` for `provider` that resolves on a passing verification and throws otherwise. */
export function fetchVerifier (provider, { url, credentials }) {
  const request = verificationRequest(provider, credentials)
  const endpoint = `${url}${request.path}`
  // Each provider's "passed" in its own terms, read from the parsed body.
  const passed = {
    trustcaptcha: (response, body) => response.ok && body.verificationPassed === true,
    swetrix: (response, body) => response.status < 400 && Boolean(body?.success),
    recaptcha: (response, body) => response.status === 200 && body.success === true,
    playtcha: (response, body) => response.ok && body.success === true,
    turnstile: (response, body) => response.status === 200 && body.success === true,
    hcaptcha: (response, body) => response.status === 200 && body.success === true
  }[provider]
  return async function verify (token) {
    const response = await fetch(endpoint, { method: request.method, headers: request.headers, body: request.body(token) })
    const text = await response.text()
    let body
    try {
      body = JSON.parse(text)
    } catch {
      throw new Error(`status ${response.status}, not JSON: ${text.slice(0, 120)}`)
    }
    if (!passed(response, body)) throw new Error(`status ${response.status}: ${text.slice(0, 120)}`)
    return body
  }
}
