// A JS Swetrix validator written the way @swetrix/captcha-validator 1.0.0 is: one
// `http(s).request` per call on Node's default agent, the body read as text, then JSON.parse.
// It is the "sdk-style" reference of the benchmark; it keeps the package's tuple texts.
import http from 'node:http'
import https from 'node:https'

const DEFAULT_API_URL = 'https://api.swetrix.com/v1/captcha'

export function validateToken (token, secret, apiURL) {
  return new Promise((resolve) => {
    const value = typeof token === 'string' ? token : token?.token
    if (!value) return resolve([false, 'CAPTCHA token is missing'])
    const url = new URL(`${apiURL || DEFAULT_API_URL}/validate`)
    const body = JSON.stringify({ token: value, secret })
    const transport = url.protocol === 'https:' ? https : http
    const request = transport.request(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) }
    }, (response) => {
      let text = ''
      response.setEncoding('utf8')
      response.on('data', (chunk) => { text += chunk })
      response.on('end', () => {
        if (response.statusCode >= 400) {
          return resolve([false, `Request failed with status code ${response.statusCode}: ${text}`])
        }
        let parsed
        try {
          parsed = JSON.parse(text)
        } catch {
          return resolve([false, `Unable to parse JSON response: ${text}`])
        }
        resolve(parsed?.success ? [true, parsed.data] : [false, 'CAPTCHA validation failed'])
      })
    })
    request.on('error', (error) => resolve([false, `Unable to make API request, error: ${error}`]))
    request.end(body)
  })
}
