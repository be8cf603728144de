// Type test: requireCaptcha and verifyRequest (subpath/middleware.d.ts) as users write them, with
// Express and with node:http. Compiled by `tsc -p __test__/types`, never run.

import http from 'node:http'
import { Turnstile, FriendlyCaptchaClient } from 'captcha-native'
import express, { Request, Response } from 'express'
import { TrustCaptcha, Playtcha, VerificationResult, PlaytchaUnavailableError } from 'captcha-native'
import {
  requireCaptcha,
  verifyRequest,
  TOKEN_FIELDS,
  CaptchaOptions,
  CaptchaOutcome,
  CaptchaMiddleware,
  CaptchaLogDetails,
  CaptchaSecretResolver,
  CaptchaSkipped,
  CaptchaVerified,
  CaptchaRequest,
} from 'captcha-native/middleware'

const app = express()

// One middleware per provider, each configured once.
const trustcaptcha: CaptchaMiddleware = requireCaptcha({
  provider: 'trustcaptcha',
  apiKey: process.env.TRUSTCAPTCHA_API_KEY ?? '<key>',
  readTimeoutMs: 3000,
  maxScore: 0.5,
  onUnavailable: 'allow',
  log: (message: string, details: CaptchaLogDetails) => console.warn(message, details.provider, details.reason),
})
const swetrix = requireCaptcha({ provider: 'swetrix', secret: process.env.SWETRIX_SECRET ?? '<secret>', timeoutMs: 5000, proxy: false })
const recaptcha = requireCaptcha({ provider: 'recaptcha', expectedAction: 'signup', minScore: 0.5, retries: 2 })
const playtcha = requireCaptcha({
  provider: 'playtcha',
  client: new Playtcha({ secret: process.env.PLAYTCHA_SECRET ?? '<secret>' }),
  requestProperty: 'human',
})

app.post('/signup', express.urlencoded({ extended: false }), trustcaptcha, (req: Request, res: Response) => {
  // requireCaptcha declares `req.captcha` on Express's Request.
  const outcome = req.captcha
  if (outcome?.ok) {
    res.status(201).json({ created: true, failedOpen: outcome.failedOpen })
    return
  }
  res.status(500).end()
})
app.post('/comment', express.json(), swetrix, (req, res) => { res.json({ code: req.captcha?.code }) })
app.post('/login', express.urlencoded({ extended: false }), recaptcha, (req, res) => { res.sendStatus(204) })
app.post('/play', playtcha, (req, res) => { res.json({}) })

// A typed route body still takes the middleware.
interface SignupBody { email: string; 'tc-verification-token'?: string }
app.post('/typed', express.json(), trustcaptcha, (req: Request<Record<string, string>, { ok: boolean }, SignupBody>, res: Response<{ ok: boolean }>) => {
  res.json({ ok: req.body.email.length > 0 })
})

// A shared client, and the provider's widget field.
const client = new TrustCaptcha({ apiKey: '<key>' })
requireCaptcha({ provider: 'trustcaptcha', client, field: TOKEN_FIELDS.trustcaptcha })
const field: 'swetrix-captcha-response' = TOKEN_FIELDS.swetrix

// verifyRequest: the outcome narrows on `ok` and `code`, and its result on the provider.
const trustOptions = { provider: 'trustcaptcha', apiKey: '<key>' } as const
http.createServer(async (req, res) => {
  const outcome = await verifyRequest(req, trustOptions)
  if (outcome.code === 'verified') {
    const result: VerificationResult = outcome.result
    const score: number = result.score
    res.end(String(score))
    return
  }
  if (outcome.code === 'failed_open') {
    const failedOpen: true = outcome.failedOpen
    console.warn('let through', failedOpen, outcome.error?.message)
  }
  if (!outcome.ok) {
    const status: 400 | 503 = outcome.status
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: outcome.code }))
  }
})

async function playtchaOutcome (body: unknown): Promise<void> {
  const options: CaptchaOptions = { provider: 'playtcha', secret: '<secret>', failClosed: true }
  const outcome = await verifyRequest({ body, headers: { 'content-type': 'application/json' } }, { provider: 'playtcha', secret: '<secret>' })
  if (outcome.code === 'verified') {
    const hostname: string | undefined = outcome.result.hostname
    const degraded: boolean | undefined = outcome.result.degraded
    console.log(hostname, degraded, options)
  } else if (outcome.code === 'provider_unavailable') {
    console.log(outcome.result?.unavailableReason, outcome.error instanceof PlaytchaUnavailableError)
  }
  const swetrixOutcome: CaptchaOutcome<'swetrix'> = await verifyRequest({ body }, { provider: 'swetrix', secret: 's' })
  if (swetrixOutcome.ok && !swetrixOutcome.failedOpen) console.log(swetrixOutcome.result.pid)
  const any: CaptchaOutcome = swetrixOutcome
  console.log(any.provider)
}

// Mistakes the types catch.
// @ts-expect-error an unknown provider
requireCaptcha({ provider: 'altcha', secret: 's' })
// @ts-expect-error Swetrix needs its secret
requireCaptcha({ provider: 'swetrix' })
// @ts-expect-error TrustCaptcha's score is a bot score: maxScore, not minScore
requireCaptcha({ provider: 'trustcaptcha', apiKey: 'k', minScore: 0.5 })
// @ts-expect-error a client, or the options that would configure one, not both
requireCaptcha({ provider: 'trustcaptcha', client, apiKey: 'k' })
// @ts-expect-error onUnavailable is 'reject' or 'allow'
requireCaptcha({ provider: 'recaptcha', onUnavailable: 'ignore' })
// @ts-expect-error reCAPTCHA's secret option is secretKey
requireCaptcha({ provider: 'recaptcha', secret: 's' })
// @ts-expect-error Turnstile needs its secret
requireCaptcha({ provider: 'turnstile' })
// @ts-expect-error hCaptcha's score is a risk score: maxScore, not minScore
requireCaptcha({ provider: 'hcaptcha', secret: 's', minScore: 0.5 })
// @ts-expect-error Friendly Captcha's outage policy is onUnavailable, not strict
requireCaptcha({ provider: 'friendly-captcha', apiKey: 'k', strict: true })
// @ts-expect-error reCAPTCHA Enterprise needs its project
requireCaptcha({ provider: 'recaptcha-enterprise', apiKey: 'k', siteKey: 's' })
// @ts-expect-error a shared Turnstile client, or its options, not both
requireCaptcha({ provider: 'turnstile', client: new Turnstile({ secret: 's' }), secret: 's' })

// Turnstile and hCaptcha: their options and checks, or a shared client; the verdict on the outcome.
export async function siteverify(body: Record<string, string>): Promise<void> {
  requireCaptcha({ provider: 'turnstile', secret: process.env.TURNSTILE_SECRET ?? '', expectedAction: 'login', remoteip: null })
  requireCaptcha({ provider: 'turnstile', client: new Turnstile({ secret: 's' }), expectedHostname: ['example.com'] })
  requireCaptcha({ provider: 'hcaptcha', secret: 's', sitekey: 'k', maxScore: 0.7, onUnavailable: 'allow' })
  const outcome = await verifyRequest({ body }, { provider: 'turnstile', secret: 's' })
  if (outcome.ok && !outcome.failedOpen) console.log(outcome.result.action, outcome.result.errorCodes)
  const field: 'cf-turnstile-response' = TOKEN_FIELDS.turnstile
  const hfield: 'h-captcha-response' = TOKEN_FIELDS.hcaptcha
  void [field, hfield]
}

// reCAPTCHA Enterprise and Friendly Captcha: options or a client; the assessment or the VerifyResult on the outcome.
export async function assessedAndFriendly(body: Record<string, string>): Promise<void> {
  const enterprise = await verifyRequest({ body }, {
    provider: 'recaptcha-enterprise', projectId: 'p', apiKey: 'k', siteKey: 's', expectedAction: 'signup', minScore: 0.5, userAgent: null
  })
  if (enterprise.ok && !enterprise.failedOpen) console.log(enterprise.result.riskAnalysis, enterprise.result.passed)
  const friendly = await verifyRequest({ body }, { provider: 'friendly-captcha', apiKey: 'k', sitekey: 's', apiEndpoint: 'eu', timeout: 5000 })
  if (friendly.ok && !friendly.failedOpen) console.log(friendly.result.getResponse())
  requireCaptcha({ provider: 'friendly-captcha', client: new FriendlyCaptchaClient({ apiKey: 'k' }), onUnavailable: 'allow' })
  const frc: 'frc-captcha-response' = TOKEN_FIELDS['friendly-captcha']
  void frc
}

// skip, a secret resolved per request, and the metrics hooks.
const tenantSecrets = new Map<string, string>()
const resolver: CaptchaSecretResolver = async (request: CaptchaRequest) => tenantSecrets.get(String(request.headers?.['x-tenant'])) ?? ''
app.post('/tenant', express.json(), requireCaptcha({
  provider: 'turnstile',
  // A resolver typed with Express's own Request fits.
  secret: (req: Request) => tenantSecrets.get(req.hostname) ?? '',
  skip: (req: Request) => req.get('x-internal') === 'yes' || process.env.NODE_ENV === 'development',
  onVerified: (outcome: CaptchaVerified) => { console.log(outcome.provider, outcome.code) },
  onRefused: (outcome) => { const code: 'token_missing' | 'verification_failed' | 'body_too_large' = outcome.code; void code },
  onOutage: async (outcome, request) => { const code: 'failed_open' | 'provider_unavailable' = outcome.code; console.log(code, request.ip) },
}), (req, res) => {
  const skipped: boolean = req.captcha?.code === 'skipped'
  res.json({ skipped })
})
requireCaptcha({ provider: 'trustcaptcha', apiKey: resolver, skip: async () => false })
requireCaptcha({ provider: 'swetrix', secret: resolver })
requireCaptcha({ provider: 'recaptcha', secretKey: resolver })
requireCaptcha({ provider: 'playtcha', secret: () => 's' })
requireCaptcha({ provider: 'hcaptcha', secret: resolver, sitekey: 'k' })
requireCaptcha({ provider: 'recaptcha-enterprise', projectId: 'p', apiKey: resolver, siteKey: 's' })
requireCaptcha({ provider: 'friendly-captcha', apiKey: resolver, sitekey: 's' })

export async function skippedOutcomes(body: unknown): Promise<void> {
  // With skip, the outcome may be `skipped` (no result); without, it never is.
  const withSkip = await verifyRequest({ body }, { provider: 'playtcha', secret: 's', skip: () => true })
  if (withSkip.code === 'skipped') {
    const skipped: CaptchaSkipped<'playtcha'> = withSkip
    const none: undefined = skipped.result
    void none
  }
  if (withSkip.code === 'verified') console.log(withSkip.result.hostname)
  const without = await verifyRequest({ body }, { provider: 'playtcha', secret: 's' })
  if (without.ok && !without.failedOpen) console.log(without.result.hostname)
}

// @ts-expect-error a resolver resolves a string
requireCaptcha({ provider: 'turnstile', secret: async () => 42 })
// @ts-expect-error skip returns a boolean
requireCaptcha({ provider: 'swetrix', secret: 's', skip: () => 'yes' })
// @ts-expect-error the outage policy is onUnavailable; its hook is onOutage
requireCaptcha({ provider: 'swetrix', secret: 's', onUnavailable: () => {} })
// @ts-expect-error a resolver and a shared client, not both
requireCaptcha({ provider: 'turnstile', client: new Turnstile({ secret: 's' }), secret: () => 's' })
// @ts-expect-error onVerified is told a verified outcome: its code is 'verified'
requireCaptcha({ provider: 'swetrix', secret: 's', onVerified: (outcome) => { const code: 'skipped' = outcome.code; void code } })

export { app, playtchaOutcome, field }
