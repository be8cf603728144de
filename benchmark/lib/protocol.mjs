// What one verification is, per provider: the identities that let a run reuse a token, and the
// exact HTTP request captcha-native sends, so the fetch and undici clients and the wire ceiling
// send the same.
// The identities and the provider list are the package's own (`Emulator.identities`, written once
// in the emulator's Rust), never restated here; the package is the one lib/addon.mjs loads.
import { randomUUID } from 'node:crypto'

import { createRequire } from 'node:module'

import { ADDON_PATH, loadAddon } from './addon.mjs'

const { Emulator } = loadAddon()
const { trustcaptcha, swetrix, recaptcha, playtcha, turnstile, hcaptcha } = Emulator.identities
const recaptchaEnterprise = Emulator.identities['recaptcha-enterprise']
const friendlyCaptcha = Emulator.identities['friendly-captcha']

/** Published TrustCaptcha test id ...0: "finished", answered without consuming anything. */
export const TRUSTCAPTCHA_TEST_ID = trustcaptcha.testVerifications[0].verificationId
/** A widget token for that id. */
export const TRUSTCAPTCHA_TEST_TOKEN = trustcaptcha.testVerifications[0].token
/** `Trustcaptcha/` + base64 of {"language":"nodejs","version":"3.0.0"}, as the SDK announces itself. */
export const TRUSTCAPTCHA_USER_AGENT = 'Trustcaptcha/eyJsYW5ndWFnZSI6Im5vZGVqcyIsInZlcnNpb24iOiIzLjAuMCJ9'
/** The Swetrix test secret that always passes, whatever the token. */
export const SWETRIX_PASS_SECRET = swetrix.testSecrets.pass.secret
/** Google's published reCAPTCHA test secret: every token passes. */
export const RECAPTCHA_TEST_SECRET = recaptcha.testSecretKey.secretKey
/** Any non-empty token does for Swetrix PASS and the reCAPTCHA test secret. */
export const ANY_TOKEN = 'benchmark-token'
/** Cloudflare's published Turnstile test secret that passes, with its dummy token (reusable). */
export const TURNSTILE_TEST_SECRET = turnstile.testSecrets.pass.secret
export const TURNSTILE_DUMMY_TOKEN = turnstile.dummyToken
/** hCaptcha's published test secret and its Publisher test token (reusable). */
export const HCAPTCHA_TEST_SECRET = hcaptcha.testSecret
export const HCAPTCHA_TEST_TOKEN = hcaptcha.testKeys.publisher.token
/**
 * The emulator's reCAPTCHA Enterprise key whose `testingOptions` fix the score at 0.9: any token
 * is valid with it, any number of times (Google publishes no test keys of its own).
 */
export const RECAPTCHA_ENTERPRISE_TEST_SITE_KEY = recaptchaEnterprise.testSiteKeys.human.siteKey
/** `Frc-Sdk`, as captcha-native sends it: the JS clients send the same bytes. */
export const FRIENDLY_CAPTCHA_SDK_HEADER = `captcha-native@${createRequire(ADDON_PATH)('./package.json').version}`

/** The reusable token each provider's runs send (Playtcha's are minted per run instead). */
export const TEST_TOKENS = Object.freeze({
  trustcaptcha: TRUSTCAPTCHA_TEST_TOKEN,
  swetrix: ANY_TOKEN,
  recaptcha: ANY_TOKEN,
  turnstile: TURNSTILE_DUMMY_TOKEN,
  hcaptcha: HCAPTCHA_TEST_TOKEN,
  'recaptcha-enterprise': ANY_TOKEN
})

/** The emulator's default credentials (README, "The emulator"), for a client run by hand. */
export const DEFAULT_CREDENTIALS = Object.freeze({
  trustcaptchaApiKey: trustcaptcha.apiKey,
  swetrixSecret: swetrix.secret,
  recaptchaSecret: recaptcha.secretKey,
  playtchaSecret: playtcha.secret,
  recaptchaEnterpriseApiKey: recaptchaEnterprise.apiKey,
  recaptchaEnterpriseProjectId: recaptchaEnterprise.projectId,
  friendlyCaptchaApiKey: friendlyCaptcha.apiKey
})

/**
 * The clients measured per provider. reCAPTCHA (wix-captcha-backend runs inside Wix) and Playtcha
 * (a server contract, no Node SDK) have no original JS client to imitate, so no sdk-style; nor has
 * Turnstile (Cloudflare documents a plain fetch, no SDK), and hCaptcha's `hcaptcha` package has no
 * imitation here yet. reCAPTCHA's `native` is `authorize`, its `native-class` the `Recaptcha`
 * class, on the siteverify engine Turnstile and hCaptcha share. reCAPTCHA Enterprise's Node
 * client (`@google-cloud/recaptcha-enterprise`) speaks gRPC with a service account, not REST with
 * an API key, so it has no sdk-style. Friendly Captcha's sdk-style is no imitation: it is
 * `@friendlycaptcha/server-sdk` itself, as published (a dependency of this folder).
 */
export const CLIENTS = {
  trustcaptcha: ['native', 'sdk-style', 'fetch', 'undici', 'wire'],
  swetrix: ['native', 'sdk-style', 'fetch', 'undici', 'wire'],
  recaptcha: ['native', 'native-class', 'fetch', 'undici', 'wire'],
  playtcha: ['native', 'fetch', 'undici', 'wire'],
  turnstile: ['native', 'fetch', 'undici', 'wire'],
  hcaptcha: ['native', 'fetch', 'undici', 'wire'],
  'recaptcha-enterprise': ['native', 'fetch', 'undici', 'wire'],
  'friendly-captcha': ['native', 'sdk-style', 'fetch', 'undici', 'wire']
}

/**
 * The providers measured, in the docs' order: those the emulator serves (`Emulator.identities`)
 * that have clients here.
 */
export const PROVIDERS = Object.keys(Emulator.identities).filter((provider) => provider in CLIENTS)

/**
 * Playtcha's and Friendly Captcha's tokens are single use with no test identity: each run gets
 * pre-minted ones.
 */
export const NEEDS_MINTED_TOKENS = new Set(['playtcha', 'friendly-captcha'])

/**
 * The request of one verification: { method, path, headers, body(token) } and `passMarker`, text
 * that a 2xx answer's body holds when the verification passed (anything else is an error). The
 * emulator's JSON is compact, so a substring check is exact enough for a load generator. With
 * `freshKey`, body(token, key) carries a new UUID per call unless given `key` (the wire's slot).
 */
export function verificationRequest (provider, credentials) {
  switch (provider) {
    case 'trustcaptcha':
      return {
        method: 'GET',
        path: `/v2/verifications/${TRUSTCAPTCHA_TEST_ID}/results`,
        headers: {
          authorization: `Bearer ${credentials.trustcaptchaApiKey}`,
          accept: 'application/json',
          'user-agent': TRUSTCAPTCHA_USER_AGENT
        },
        body: () => undefined,
        passMarker: '"verificationPassed":true'
      }
    case 'swetrix':
      return {
        method: 'POST',
        path: '/v1/captcha/validate',
        headers: { 'content-type': 'application/json' },
        body: (token) => JSON.stringify({ token, secret: SWETRIX_PASS_SECRET }),
        passMarker: '"success":true'
      }
    case 'recaptcha':
      return {
        method: 'POST',
        path: '/recaptcha/api/siteverify',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: (token) => new URLSearchParams({ secret: RECAPTCHA_TEST_SECRET, response: token }).toString(),
        passMarker: '"success":true'
      }
    case 'playtcha':
      return {
        method: 'POST',
        path: '/v1/verify',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: (token) => JSON.stringify({ secret: credentials.playtchaSecret, token }),
        passMarker: '"success":true'
      }
    case 'turnstile':
      return {
        method: 'POST',
        path: '/turnstile/v0/siteverify',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        // captcha-native sends a fresh idempotency key with every call (README, "Safe retries").
        body: (token, key = randomUUID()) => new URLSearchParams({ secret: TURNSTILE_TEST_SECRET, response: token, idempotency_key: key }).toString(),
        freshKey: true,
        passMarker: '"success":true'
      }
    case 'hcaptcha':
      return {
        method: 'POST',
        path: '/siteverify',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: (token) => new URLSearchParams({ secret: HCAPTCHA_TEST_SECRET, response: token }).toString(),
        passMarker: '"success":true'
      }
    case 'recaptcha-enterprise':
      return {
        method: 'POST',
        path: `/v1/projects/${credentials.recaptchaEnterpriseProjectId}/assessments?key=${encodeURIComponent(credentials.recaptchaEnterpriseApiKey)}`,
        headers: { 'content-type': 'application/json' },
        body: (token) => JSON.stringify({ event: { token, siteKey: RECAPTCHA_ENTERPRISE_TEST_SITE_KEY } }),
        passMarker: '"valid":true'
      }
    case 'friendly-captcha':
      return {
        method: 'POST',
        path: '/api/v2/captcha/siteverify',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json',
          'frc-sdk': FRIENDLY_CAPTCHA_SDK_HEADER,
          'x-api-key': credentials.friendlyCaptchaApiKey
        },
        body: (token) => JSON.stringify({ response: token }),
        passMarker: '"success":true'
      }
    default:
      throw new Error(`unknown provider ${provider}`)
  }
}
