// Type test: the emulator as a user's own test suite would use it.
// Compiled by `tsc -p __test__/types`, never run.

import {
  Emulator,
  TrustCaptcha,
  FailoverException,
  validateToken,
  authorize,
  Playtcha,
  PlaytchaError,
} from 'captcha-native'
import type {
  EmulatorOptions,
  EmulatorClaims,
  EmulatorStats,
  EmulatorRequest,
  EmulatorCredentials,
  EmulatorIdentities,
  EmulatorProvider,
  FaultRule,
  TrustCaptchaClaims,
  SwetrixClaims,
  RecaptchaClaims,
  PlaytchaClaims,
  TurnstileClaims,
  HCaptchaClaims,
} from 'captcha-native'

export async function emulatorUsage(): Promise<void> {
  const emulator = await Emulator.start({ trustcaptchaApiKey: 'k' })
  const defaults: Emulator = await Emulator.start()
  const options: EmulatorOptions = { host: '127.0.0.1', port: 0, trustcaptchaApiKey: 'k' }
  const configured = await Emulator.start(options)

  const url: string = emulator.url
  const credentials: EmulatorCredentials = emulator.credentials
  const key: string = emulator.credentials.trustcaptchaApiKey
  void [url, credentials, key]

  // HTTPS: the certificate to trust is a string only when serving TLS.
  const secure = await Emulator.start({ tls: true })
  const ca: string | undefined = secure.certificate
  if (ca !== undefined) new TrustCaptcha({ apiKey: key, apiHost: secure.url, ca })
  // @ts-expect-error possibly undefined
  const pem: string = secure.certificate
  // @ts-expect-error tls is a boolean
  await Emulator.start({ tls: 'yes' })
  const closing = await Emulator.start({ keepAliveTimeoutMs: 5 })
  // @ts-expect-error keepAliveTimeoutMs is a number of milliseconds
  await Emulator.start({ keepAliveTimeoutMs: '5' })
  void closing
  void pem

  const trustCaptcha = new TrustCaptcha({ apiKey: key, apiHost: emulator.url, proxy: false })

  // Tokens.
  const token: string = emulator.issue('trustcaptcha')
  const failing: string = emulator.issue('trustcaptcha', { verificationPassed: false, score: 0.9 })
  const claims: TrustCaptchaClaims = {
    verificationPassed: true,
    score: 0.1,
    decisionType: 'DEFAULT',
    decisionAction: 'ALLOW',
    gatewayFailoverActive: false,
    riskScoringEnabled: true,
    minimalDataModeEnabled: false,
    origin: 'https://example.com',
    ipAddress: '203.0.113.7',
    countryCode: 'DE',
    deviceFamily: 'Other',
    operatingSystem: 'Linux',
    browser: 'Firefox',
    finished: true,
    clientFailover: false,
    outageRecorded: false,
    retrievalLimit: 10,
    resultTtlMs: 300_000,
  }
  const full: string = emulator.issue('trustcaptcha', claims)
  const unfinished = emulator.issue('trustcaptcha', { finished: false })

  const result = await trustCaptcha.getVerificationResult(token)
  const passed: boolean = result.verificationPassed
  void [failing, full, unfinished, passed]

  // Every fault kind.
  emulator.fault({ provider: 'trustcaptcha', times: 1, kind: 'status', status: 503 })
  emulator.fault({ kind: 'status', status: 500, body: 'oops', headers: { 'retry-after': '1' } })
  emulator.fault({ provider: 'all', kind: 'delay', ms: 6000 })
  emulator.fault({ kind: 'nonJson' })
  emulator.fault({ kind: 'nonJson', status: 200 })
  emulator.fault({ kind: 'hugeBody', mib: 64 })
  emulator.fault({ kind: 'hugeBody', mib: 64, status: 200, times: 2 })
  emulator.fault({ kind: 'hang' })
  emulator.fault({ kind: 'reset', times: 3 })
  emulator.fault({ provider: 'trustcaptcha', kind: 'close' })
  emulator.fault({ provider: 'swetrix', kind: 'trickle', ms: 50 })
  // @ts-expect-error trickle needs its ms
  emulator.fault({ kind: 'trickle' })

  const rules: FaultRule[] = [
    { kind: 'hang', provider: 'trustcaptcha' },
    { kind: 'delay', ms: 10 },
  ]
  for (const rule of rules) emulator.fault(rule)
  emulator.clearFaults()

  try {
    await trustCaptcha.getVerificationResult(token)
  } catch (error) {
    if (!(error instanceof FailoverException)) throw error
  }

  emulator.advanceTime(300_001)

  // Stats and the request log.
  const stats: EmulatorStats = emulator.stats()
  const accepted: number = emulator.stats().connectionsAccepted
  const open: number = stats.connectionsOpen
  const peak: number = stats.peakConnectionsOpen
  const count: number = stats.requests
  void [accepted, open, peak, count]

  const requests: EmulatorRequest[] = emulator.requests()
  const userAgent: string | undefined = emulator.requests()[0]?.headers['user-agent']
  const first = requests[0]
  if (first !== undefined) {
    const method: string = first.method
    const path: string = first.path
    const query: string | undefined = first.query
    const provider: string | undefined = first.provider
    void [method, path, query, provider]
  }
  void userAgent
  emulator.clearRequests()

  // A connect timeout against the black hole.
  const blackhole: string = await emulator.blackholeUrl()
  const timingOut = new TrustCaptcha({ apiKey: key, apiHost: blackhole, connectTimeoutMs: 100 })
  void timingOut

  // @ts-expect-error: an unknown fault kind
  emulator.fault({ kind: 'explode' })

  // @ts-expect-error: a status fault needs its status
  emulator.fault({ kind: 'status' })

  // @ts-expect-error: a delay fault needs ms
  emulator.fault({ kind: 'delay', status: 503 })

  // @ts-expect-error: an unknown provider
  emulator.fault({ provider: 'altcha', kind: 'hang' })

  // @ts-expect-error: an unknown provider for issue
  emulator.issue('altcha')

  // @ts-expect-error: an unknown claim
  emulator.issue('trustcaptcha', { passed: true })

  // @ts-expect-error: the constructor is private: use Emulator.start()
  void new Emulator()

  // @ts-expect-error: url is read-only
  emulator.url = 'http://elsewhere'

  await emulator.close()
  await defaults.close()
  await configured.close()
}

export async function otherProviders(): Promise<void> {
  const options: EmulatorOptions = {
    trustcaptchaApiKey: 'k',
    swetrixSecret: 'swetrix-secret',
    recaptchaSecret: 'recaptcha-secret',
    playtchaSecret: 'playtcha-secret',
    turnstileSecret: 'turnstile-secret',
    hcaptchaSecret: 'hcaptcha-secret',
    hcaptchaSitekey: 'hcaptcha-sitekey',
  }
  const emulator = await Emulator.start(options)
  const { swetrixSecret, recaptchaSecret, playtchaSecret, turnstileSecret, hcaptchaSecret, hcaptchaSitekey } = emulator.credentials
  const secrets: string[] = [swetrixSecret, recaptchaSecret, playtchaSecret, turnstileSecret, hcaptchaSecret, hcaptchaSitekey]
  void secrets

  // Swetrix.
  const swetrixClaims: SwetrixClaims = { challenge: 'c', pid: 'AP00000000000', invalidPayload: false }
  const swetrixToken: string = emulator.issue('swetrix', swetrixClaims)
  const [status, data] = await validateToken(swetrixToken, swetrixSecret, `${emulator.url}/v1/captcha`)
  if (status) void data.challenge
  emulator.issue('swetrix', { invalidPayload: true })

  // reCAPTCHA.
  const recaptchaClaims: RecaptchaClaims = {
    success: true,
    hostname: 'example.com',
    apkPackageName: 'com.example.app',
    score: 0.9,
    action: 'login',
    ageMs: 30_000,
    expiresInMs: 60_000,
    singleUse: false,
  }
  const recaptchaToken: string = emulator.issue('recaptcha', recaptchaClaims)
  await authorize(recaptchaToken, {
    secretKey: recaptchaSecret,
    siteverifyUrl: `${emulator.url}/recaptcha/api/siteverify`,
    retries: 0,
  })
  emulator.issue('recaptcha', { success: false })

  // Playtcha.
  const playtchaClaims: PlaytchaClaims = {
    hostname: 'example.com',
    action: 'comment',
    score: 0.8,
    degraded: true,
    degradedReason: 'monthly_usage_band',
    unknownProject: false,
    rateLimited: true,
    retryAfter: 2,
    dbError: false,
  }
  const playtcha = new Playtcha({ secret: playtchaSecret, apiHost: emulator.url })
  try {
    await playtcha.verify(emulator.issue('playtcha', playtchaClaims))
  } catch (error) {
    if (!(error instanceof PlaytchaError)) throw error
    const retryAfter: number | undefined = error.retryAfter
    void retryAfter
  }
  await playtcha.verify(emulator.issue('playtcha', { dbError: true }))

  // Turnstile.
  const turnstileClaims: TurnstileClaims = {
    success: true,
    hostname: 'example.com',
    action: 'login',
    cdata: 'session-1',
    ephemeralId: 'x:9f78e0ed210960d7693b167e',
    interactive: false,
    expiresInMs: 300_000,
    singleUse: true,
  }
  const turnstileToken: string = emulator.issue('turnstile', turnstileClaims)
  await fetch(`${emulator.url}/turnstile/v0/siteverify`, {
    method: 'POST',
    body: new URLSearchParams({ secret: turnstileSecret, response: turnstileToken }),
  })
  emulator.issue('turnstile', { success: false })

  // hCaptcha.
  const hcaptchaClaims: HCaptchaClaims = {
    success: true,
    hostname: 'example.com',
    credit: false,
    score: 0.2,
    scoreReason: ['safe'],
    sitekey: hcaptchaSitekey,
    expiresInMs: 120_000,
    singleUse: false,
  }
  await fetch(`${emulator.url}/siteverify`, {
    method: 'POST',
    body: new URLSearchParams({ secret: hcaptchaSecret, response: emulator.issue('hcaptcha', hcaptchaClaims) }),
  })

  // The claims by provider, as a helper of a user's own might take them.
  function issueWith<P extends EmulatorProvider>(provider: P, claims: EmulatorClaims[P]): string {
    return emulator.issue(provider, claims)
  }
  issueWith('playtcha', { score: 0.1 })

  // Every provider by name, without claims.
  const providers: EmulatorProvider[] = ['trustcaptcha', 'swetrix', 'recaptcha', 'playtcha', 'turnstile', 'hcaptcha']
  for (const provider of providers) emulator.issue(provider)

  // Faults per provider.
  emulator.fault({ provider: 'swetrix', kind: 'status', status: 429, body: '{"statusCode":429}' })
  emulator.fault({ provider: 'recaptcha', times: 2, kind: 'status', status: 503 })
  emulator.fault({ provider: 'playtcha', kind: 'nonJson', status: 200 })
  emulator.fault({ provider: 'turnstile', kind: 'status', status: 500 })
  emulator.fault({ provider: 'hcaptcha', kind: 'hang' })
  emulator.fault({ provider: 'all', kind: 'reset' })

  const provider: EmulatorProvider | undefined = emulator.requests()[0]?.provider
  void provider

  // @ts-expect-error: a Swetrix claim that does not exist
  emulator.issue('swetrix', { score: 0.5 })

  // @ts-expect-error: reCAPTCHA's score is a number
  emulator.issue('recaptcha', { score: 'high' })

  // @ts-expect-error: the claims are camelCase
  emulator.issue('recaptcha', { apk_package_name: 'com.example.app' })

  // @ts-expect-error: a Playtcha claim that does not exist
  emulator.issue('playtcha', { success: false })

  // @ts-expect-error: Turnstile has no score
  emulator.issue('turnstile', { score: 0.5 })

  // @ts-expect-error: expiresInMs is a number of milliseconds
  emulator.issue('turnstile', { expiresInMs: '5m' })

  // @ts-expect-error: hCaptcha's score reasons are a list
  emulator.issue('hcaptcha', { scoreReason: 'bot' })

  // @ts-expect-error: the claims are camelCase
  emulator.issue('hcaptcha', { score_reason: ['bot'] })

  // A provider held in a variable takes the claims of any of them.
  for (const provider of providers) emulator.issue(provider, { hostname: 'example.com' })

  // @ts-expect-error: a claim no provider has
  emulator.issue(providers[0]!, { passed: true })

  // @ts-expect-error: an unknown credential option
  void Emulator.start({ friendlyCaptchaSecret: 's' })

  // @ts-expect-error: a secret is a string
  void Emulator.start({ playtchaSecret: 42 })

  // @ts-expect-error: not a credential of the emulator
  void emulator.credentials.friendlyCaptchaSecret

  // The identities: default credentials and test identities, each with what it answers.
  const identities: EmulatorIdentities = Emulator.identities
  const client = new TrustCaptcha({ apiKey: identities.trustcaptcha.apiKey, apiHost: emulator.url })
  const finished = identities.trustcaptcha.testVerifications[0]
  if (finished !== undefined) {
    const id: string = finished.verificationId
    const status: number = finished.status
    await client.getVerificationResult(finished.token)
    void [id, status, finished.answers]
  }
  const pass: string = identities.swetrix.testSecrets.pass.secret
  await validateToken('any', pass, emulator.url + '/v1/captcha')
  await authorize('any', { secretKey: identities.recaptcha.testSecretKey.secretKey })
  const hostname: string = identities.recaptcha.testSecretKey.hostname
  const defaults2: EmulatorCredentials = {
    trustcaptchaApiKey: identities.trustcaptcha.apiKey,
    swetrixSecret: identities.swetrix.secret,
    recaptchaSecret: identities.recaptcha.secretKey,
    playtchaSecret: identities.playtcha.secret,
    turnstileSecret: identities.turnstile.secret,
    hcaptchaSecret: identities.hcaptcha.secret,
    hcaptchaSitekey: identities.hcaptcha.sitekey,
    recaptchaEnterpriseApiKey: identities['recaptcha-enterprise'].apiKey,
    recaptchaEnterpriseProjectId: identities['recaptcha-enterprise'].projectId,
    recaptchaEnterpriseSiteKey: identities['recaptcha-enterprise'].siteKey,
    friendlyCaptchaApiKey: identities['friendly-captcha'].apiKey,
    friendlyCaptchaSitekey: identities['friendly-captcha'].sitekey,
  }
  void [hostname, defaults2]
  const dummy: string = identities.turnstile.dummyToken
  const turnstilePass: string = identities.turnstile.testSecrets.pass.secret
  const invisible: string = identities.turnstile.testSitekeys.passInvisible.sitekey
  void [dummy, turnstilePass, invisible]
  // @ts-expect-error: Cloudflare publishes no such test secret
  void identities.turnstile.testSecrets.used
  const bot = identities.hcaptcha.testKeys.enterpriseBotDetected
  const botScore: number | undefined = bot.score
  const botToken: string = bot.token
  const hcaptchaTestSecret: string = identities.hcaptcha.testSecret
  void [botScore, botToken, hcaptchaTestSecret]
  // @ts-expect-error: the score is read-only
  bot.score = 0

  // @ts-expect-error: the identities are read-only
  identities.swetrix.secret = 'other'

  // @ts-expect-error: Swetrix publishes no such test secret
  void identities.swetrix.testSecrets.expired

  // @ts-expect-error: Playtcha publishes no test identity
  void identities.playtcha.testSecret

  await emulator.close()
}
