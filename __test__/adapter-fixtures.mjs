// The providers the framework adapters' tests (fastify.test.mjs, koa.test.mjs) run against the
// embedded emulator: options, the widget's field, tokens that pass and fail, and a refused key.
import { Emulator } from '../index.js'

export function adapterProviders (emulator) {
  const credentials = emulator.credentials
  return {
    trustcaptcha: {
      field: 'tc-verification-token',
      options: () => ({ provider: 'trustcaptcha', apiKey: credentials.trustcaptchaApiKey, apiHost: emulator.url, readTimeoutMs: 2000, log: () => {} }),
      refusedKey: { apiKey: Emulator.identities.trustcaptcha.invalidApiKey.apiKey },
      secret: credentials.trustcaptchaApiKey,
      pass: () => emulator.issue('trustcaptcha', { score: 0.2 }),
      fail: () => emulator.issue('trustcaptcha', { verificationPassed: false })
    },
    turnstile: {
      field: 'cf-turnstile-response',
      options: () => ({ provider: 'turnstile', secret: credentials.turnstileSecret, siteverifyUrl: `${emulator.url}/turnstile/v0/siteverify`, timeoutMs: 2000, retries: 0, log: () => {} }),
      refusedKey: { secret: 'not-the-secret' },
      secret: credentials.turnstileSecret,
      pass: () => emulator.issue('turnstile', { action: 'login' }),
      fail: () => emulator.issue('turnstile', { success: false })
    },
    playtcha: {
      field: 'playtcha-token',
      options: () => ({ provider: 'playtcha', secret: credentials.playtchaSecret, apiHost: emulator.url, timeoutMs: 2000, log: () => {} }),
      refusedKey: { secret: 'wrong-secret' },
      secret: credentials.playtchaSecret,
      pass: () => emulator.issue('playtcha', { hostname: 'shop.example.com' }),
      fail: () => 'a-token-no-server-issued'
    }
  }
}

/** A status the provider answers during an outage, its body holding text that must never reach the browser. */
export function outage (emulator, provider, secret) {
  emulator.fault({ provider, kind: 'status', status: 503, body: `UPSTREAM-DETAIL ${secret}` })
}
