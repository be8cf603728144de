// A JS TrustCaptcha client written the way @trustcomponent/trustcaptcha-nodejs v3 is: decode the
// token, then one `axios.get` per verification with the SDK's headers, timeout and options.
// It is the "sdk-style" reference of the benchmark, not a product: no error classes, only the work.
import axios from 'axios'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i
const RESULT_FIELDS = [
  'captchaId', 'verificationId', 'verificationPassed', 'score', 'decisionType', 'decisionAction',
  'gatewayFailoverActive', 'riskScoringEnabled', 'minimalDataModeEnabled', 'origin', 'ipAddress',
  'countryCode', 'deviceFamily', 'operatingSystem', 'browser', 'verificationStartedAt',
  'verificationFinishedAt', 'resultExpiresAt', 'resultFirstFetchedAt', 'resultLastFetchedAt'
]

/** The SDK builds its User-Agent on every call (base64 of its language and version). */
function buildUserAgent () {
  const encoded = Buffer.from(JSON.stringify({ language: 'nodejs', version: '3.0.0' }), 'utf-8').toString('base64')
  return `Trustcaptcha/${encoded}`
}

/** VerificationToken.fromBase64: base64 → JSON → a UUID (or a test id prefix). */
function parseToken (base64Token) {
  const json = JSON.parse(Buffer.from(base64Token, 'base64').toString('utf-8'))
  if (!json.verificationId) throw new Error('Missing required fields in verification token')
  if (!UUID.test(json.verificationId) && !json.verificationId.startsWith('00000000-0000-0000-0000-00000000000')) {
    throw new Error('Invalid UUID in verification token')
  }
  return { verificationId: json.verificationId, clientFailover: json.clientFailover === true }
}

export class SdkStyleTrustCaptcha {
  constructor ({ apiKey, apiHost = 'https://api.trustcomponent.com', readTimeoutMs = 5000, proxy } = {}) {
    this.apiKey = apiKey.trim()
    this.apiHost = apiHost
    this.readTimeoutMs = readTimeoutMs
    this.proxy = proxy
  }

  async getVerificationResult (base64Token) {
    const token = parseToken(base64Token)
    const params = token.clientFailover ? '?clientFailover=true' : ''
    const url = `${this.apiHost}/v2/verifications/${token.verificationId}/results${params}`
    // As the SDK: the module-level axios, default agent, a fresh request config every call.
    const response = await axios.get(url, {
      headers: { Authorization: `Bearer ${this.apiKey}`, 'User-Agent': buildUserAgent() },
      timeout: this.readTimeoutMs,
      maxRedirects: 0,
      proxy: this.proxy
    })
    const result = {}
    for (const field of RESULT_FIELDS) result[field] = response.data[field]
    return result
  }
}
