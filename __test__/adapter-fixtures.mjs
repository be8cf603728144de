// The providers every framework adapter's tests (express, fastify, koa, hono, nestjs, next) run
// against the embedded emulator: options, the widget's field, tokens that pass and fail, a key
// the provider refuses (a misconfiguration, where the provider has one) and the secret to look
// for in anything a browser or a log could see.
import { Emulator } from '../index.js'

/** Every provider the middleware serves, in the order of the README's table. */
export const ADAPTER_PROVIDERS = ['trustcaptcha', 'swetrix', 'recaptcha', 'playtcha', 'turnstile', 'hcaptcha', 'recaptcha-enterprise', 'friendly-captcha']

export function adapterProviders (emulator) {
  const credentials = emulator.credentials
  const log = () => {}
  return {
    trustcaptcha: {
      field: 'tc-verification-token',
      options: () => ({ provider: 'trustcaptcha', apiKey: credentials.trustcaptchaApiKey, apiHost: emulator.url, readTimeoutMs: 2000, log }),
      refusedKey: { apiKey: Emulator.identities.trustcaptcha.invalidApiKey.apiKey },
      secret: credentials.trustcaptchaApiKey,
      pass: () => emulator.issue('trustcaptcha', { score: 0.2 }),
      fail: () => emulator.issue('trustcaptcha', { verificationPassed: false })
    },
    swetrix: {
      field: 'swetrix-captcha-response',
      options: () => ({ provider: 'swetrix', secret: credentials.swetrixSecret, apiURL: `${emulator.url}/v1/captcha`, timeoutMs: 2000, log }),
      // Swetrix's validator never throws: a wrong secret is a refused token, not a misconfiguration.
      refusedKey: undefined,
      secret: credentials.swetrixSecret,
      pass: () => emulator.issue('swetrix', { pid: 'AP00000000042' }),
      fail: () => 'a-token-no-server-issued'
    },
    recaptcha: {
      field: 'g-recaptcha-response',
      options: () => ({ provider: 'recaptcha', secretKey: credentials.recaptchaSecret, siteverifyUrl: `${emulator.url}/recaptcha/api/siteverify`, timeoutMs: 2000, retries: 0, log }),
      refusedKey: { secretKey: 'not-the-secret' },
      secret: credentials.recaptchaSecret,
      pass: () => emulator.issue('recaptcha'),
      fail: () => emulator.issue('recaptcha', { success: false })
    },
    playtcha: {
      field: 'playtcha-token',
      options: () => ({ provider: 'playtcha', secret: credentials.playtchaSecret, apiHost: emulator.url, timeoutMs: 2000, log }),
      refusedKey: { secret: 'wrong-secret' },
      secret: credentials.playtchaSecret,
      pass: () => emulator.issue('playtcha', { hostname: 'shop.example.com' }),
      fail: () => 'a-token-no-server-issued'
    },
    turnstile: {
      field: 'cf-turnstile-response',
      options: () => ({ provider: 'turnstile', secret: credentials.turnstileSecret, siteverifyUrl: `${emulator.url}/turnstile/v0/siteverify`, timeoutMs: 2000, retries: 0, log }),
      refusedKey: { secret: 'not-the-secret' },
      secret: credentials.turnstileSecret,
      pass: () => emulator.issue('turnstile', { action: 'login' }),
      fail: () => emulator.issue('turnstile', { success: false })
    },
    hcaptcha: {
      field: 'h-captcha-response',
      options: () => ({ provider: 'hcaptcha', secret: credentials.hcaptchaSecret, siteverifyUrl: `${emulator.url}/siteverify`, timeoutMs: 2000, retries: 0, log }),
      refusedKey: { secret: 'not-the-secret' },
      secret: credentials.hcaptchaSecret,
      pass: () => emulator.issue('hcaptcha', { hostname: 'example.com', score: 0.1 }),
      fail: () => emulator.issue('hcaptcha', { success: false })
    },
    'recaptcha-enterprise': {
      field: 'g-recaptcha-response',
      options: () => ({
        provider: 'recaptcha-enterprise',
        apiKey: credentials.recaptchaEnterpriseApiKey,
        projectId: credentials.recaptchaEnterpriseProjectId,
        siteKey: credentials.recaptchaEnterpriseSiteKey,
        endpoint: emulator.url,
        timeoutMs: 2000,
        retries: 0,
        log
      }),
      refusedKey: { apiKey: 'not-the-api-key' },
      secret: credentials.recaptchaEnterpriseApiKey,
      pass: () => emulator.issue('recaptcha-enterprise', { action: 'signup', hostname: 'example.com', score: 0.8 }),
      fail: () => emulator.issue('recaptcha-enterprise', { invalidReason: 'BROWSER_ERROR' })
    },
    'friendly-captcha': {
      field: 'frc-captcha-response',
      options: () => ({
        provider: 'friendly-captcha',
        apiKey: credentials.friendlyCaptchaApiKey,
        sitekey: credentials.friendlyCaptchaSitekey,
        apiEndpoint: emulator.url,
        timeout: 2000,
        log
      }),
      refusedKey: { apiKey: 'frc-not-the-key-0002' },
      secret: credentials.friendlyCaptchaApiKey,
      pass: () => emulator.issue('friendly-captcha', { origin: 'https://shop.example' }),
      fail: () => 'a-response-no-server-issued'
    }
  }
}

/** A status the provider answers during an outage, its body holding text that must never reach the browser. */
export function outage (emulator, provider, secret) {
  emulator.fault({ provider, kind: 'status', status: 503, body: `UPSTREAM-DETAIL ${secret}` })
}
