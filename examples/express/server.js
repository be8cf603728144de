#!/usr/bin/env node
'use strict'
// The captcha-native demo: an Express app with one route per provider (TrustCaptcha, Swetrix,
// reCAPTCHA, Playtcha, Turnstile, hCaptcha, reCAPTCHA Enterprise, Friendly Captcha), each
// protected by `requireCaptcha` from captcha-native/middleware, and the emulator running in this
// same process in place of the providers.
//
//   node examples/express/server.js [--port N]     (default 3000; 0: any free port)
//
// Each provider's page carries the provider's own widget markup, with the widget script taken
// from the emulator (`emulator.widgetUrl(provider)`) instead of the provider: a person ticks the
// checkbox, picks what the emulator answers (pass, fail, expired, outage) in the widget, and
// submits the form; the result page offers to post the same token again (a replay). Loopback
// only: the widget's outage outcome lets any visitor make the emulator fail a verification.

const { parseArgs } = require('node:util')
const express = require('express')
// In your app: require('captcha-native') and require('captcha-native/middleware').
const { Emulator } = require('../../index.js')
const { requireCaptcha, TOKEN_FIELDS } = require('captcha-native/middleware')

const HOST = '127.0.0.1'
const DEFAULT_PORT = 3000
/** Each provider's deadline. */
const TIMEOUT_MS = 1500

const USAGE = `Usage: node examples/express/server.js [--port N]

Starts the captcha-native demo on http://${HOST}:N (default ${DEFAULT_PORT}; 0 picks a free port),
with the emulator in the same process. Ctrl+C stops both.`

// ---------------------------------------------------------------------------------------------
// The providers: how each route is protected, and the widget its page shows.

/** The sitekey a page gives a widget whose emulated provider checks none. */
const DEMO_SITEKEY = 'demo-sitekey'

const PROVIDERS = {
  trustcaptcha: {
    name: 'TrustCaptcha',
    options: (emulator) => ({
      provider: 'trustcaptcha',
      apiKey: emulator.credentials.trustcaptchaApiKey,
      apiHost: emulator.url,
      readTimeoutMs: TIMEOUT_MS,
      maxScore: 0.5 // TrustCaptcha's score is a bot score: refuse above 0.5
    }),
    widget: () => html`<trustcaptcha-component sitekey="${DEMO_SITEKEY}" language="en"></trustcaptcha-component>`,
    replayText: 'TrustCaptcha lets a result be fetched up to its retrieval limit (10 by default), so a replay passes until then',
    verified: (result) => `Bot score ${result.score}, verification ${result.verificationId}.`
  },
  swetrix: {
    name: 'Swetrix',
    options: (emulator) => ({
      provider: 'swetrix',
      secret: emulator.credentials.swetrixSecret,
      apiURL: `${emulator.url}/v1/captcha`,
      timeoutMs: TIMEOUT_MS
    }),
    widget: () => html`<div class="swecaptcha" data-project-id="AP00000000042"></div>`,
    replayText: 'Swetrix tokens verify once',
    verified: (result) => `Project ${result.pid}` +
      (Number.isFinite(result.timestamp) ? `, challenge solved at ${new Date(result.timestamp).toISOString()}.` : '.')
  },
  recaptcha: {
    name: 'reCAPTCHA',
    options: (emulator) => ({
      provider: 'recaptcha',
      secretKey: emulator.credentials.recaptchaSecret,
      siteverifyUrl: `${emulator.url}/recaptcha/api/siteverify`,
      timeoutMs: TIMEOUT_MS,
      retries: 0 // the default (10 retries, 1 s apart) would hold the request during an outage
    }),
    widget: () => html`<div class="g-recaptcha" data-sitekey="${DEMO_SITEKEY}"></div>`,
    replayText: 'Google answers timeout-or-duplicate',
    // authorize (wix-captcha-backend's shape) resolves `{ success: true }` and nothing more.
    verified: () => 'Google answered success: true.'
  },
  playtcha: {
    name: 'Playtcha',
    options: (emulator) => ({
      provider: 'playtcha',
      secret: emulator.credentials.playtchaSecret,
      apiHost: emulator.url,
      timeoutMs: TIMEOUT_MS
    }),
    widget: () => html`<div class="playtcha" data-sitekey="${DEMO_SITEKEY}" data-action="signup"></div>`,
    replayText: 'Playtcha answers already_redeemed',
    verified: (result) => `Hostname ${result.hostname}, action ${result.action}.`
  },
  turnstile: {
    name: 'Turnstile',
    options: (emulator) => ({
      provider: 'turnstile',
      secret: emulator.credentials.turnstileSecret,
      siteverifyUrl: `${emulator.url}/turnstile/v0/siteverify`,
      timeoutMs: TIMEOUT_MS,
      retries: 0, // the default (2 retries) would hold the request during an outage
      expectedAction: 'signup', // the action the widget was rendered with (data-action)
      expectedHostname: HOST // the site the widget was solved on
    }),
    widget: () => html`<div class="cf-turnstile" data-sitekey="${DEMO_SITEKEY}" data-action="signup"></div>`,
    replayText: 'Cloudflare answers timeout-or-duplicate',
    verified: (result) => `Action ${result.action}, hostname ${result.hostname}` +
      (result.challengeTs ? `, challenge solved at ${result.challengeTs}.` : '.')
  },
  hcaptcha: {
    name: 'hCaptcha',
    options: (emulator) => ({
      provider: 'hcaptcha',
      secret: emulator.credentials.hcaptchaSecret,
      siteverifyUrl: `${emulator.url}/siteverify`,
      timeoutMs: TIMEOUT_MS,
      retries: 0, // the default (2 retries) would hold the request during an outage
      sitekey: emulator.credentials.hcaptchaSitekey // refuses a token solved for another sitekey
    }),
    widget: (emulator) => html`<div class="h-captcha" data-sitekey="${emulator.credentials.hcaptchaSitekey}"></div>`,
    replayText: 'hCaptcha answers already-seen-response',
    verified: (result) => `Hostname ${result.hostname}.`
  },
  'recaptcha-enterprise': {
    name: 'reCAPTCHA Enterprise',
    options: (emulator) => ({
      provider: 'recaptcha-enterprise',
      apiKey: emulator.credentials.recaptchaEnterpriseApiKey,
      projectId: emulator.credentials.recaptchaEnterpriseProjectId,
      siteKey: emulator.credentials.recaptchaEnterpriseSiteKey,
      endpoint: emulator.url,
      timeoutMs: TIMEOUT_MS,
      retries: 0, // the default would hold the request during an outage
      expectedAction: 'signup', // the widget's data-action
      minScore: 0.5
    }),
    widget: (emulator) => html`<div class="g-recaptcha" data-sitekey="${emulator.credentials.recaptchaEnterpriseSiteKey}" data-action="signup"></div>`,
    replayText: 'Google answers invalidReason DUPE',
    verified: (result) => `Action ${result.tokenProperties.action}, score ${result.riskAnalysis.score} (at least 0.5 passes).`
  },
  'friendly-captcha': {
    name: 'Friendly Captcha',
    options: (emulator) => ({
      provider: 'friendly-captcha',
      apiKey: emulator.credentials.friendlyCaptchaApiKey,
      sitekey: emulator.credentials.friendlyCaptchaSitekey,
      apiEndpoint: emulator.url,
      timeout: TIMEOUT_MS
    }),
    widget: (emulator) => html`<div class="frc-captcha" data-sitekey="${emulator.credentials.friendlyCaptchaSitekey}"></div>`,
    replayText: 'Friendly Captcha answers response_duplicate',
    verified: (result) => `Solved on ${result.getResponse().data.challenge.origin}.`
  }
}

// ---------------------------------------------------------------------------------------------
// HTML

const ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

/** Escapes text for HTML content and double-quoted attributes. */
function escapeHtml (value) {
  return String(value).replace(/[&<>"']/g, (c) => ESCAPES[c])
}

/** A template tag escaping every interpolated value; `raw(html)` marks already-built markup. */
const RAW = Symbol('raw html')
function raw (html) {
  return { [RAW]: html }
}
function html (strings, ...values) {
  let out = strings[0]
  values.forEach((value, i) => {
    const parts = Array.isArray(value) ? value : [value]
    out += parts.map((part) => (part && part[RAW] !== undefined ? part[RAW] : escapeHtml(part ?? ''))).join('')
    out += strings[i + 1]
  })
  return raw(out)
}

const STYLE = `
body { font: 16px/1.5 system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #222 }
section { border: 1px solid #ccc; border-radius: 6px; padding: 0 1rem 1rem; margin: 1rem 0 }
form { display: inline-block; margin: 0 .5rem .5rem 0 }
button { font: inherit; padding: .3rem .8rem; cursor: pointer }
code { background: #f3f3f3; padding: 0 .2rem }
.small { color: #555; font-size: .9rem }
.ok { color: #06631b } .refused { color: #a30d0d } .open { color: #8a5a00 }
`

function page (title, body) {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
${body[RAW]}
</body>
</html>
`
}

/**
 * Sends an HTML page; never cached. Scripts load, and call, only the emulator (the widgets);
 * forms post only here.
 */
function sendHtml (res, status, title, body, emulatorUrl) {
  res.status(status)
  const scripts = emulatorUrl ? `script-src ${emulatorUrl}; connect-src ${emulatorUrl}; ` : ''
  res.set({
    'cache-control': 'no-store',
    'content-security-policy': `default-src 'none'; ${scripts}style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'`,
    'x-content-type-options': 'nosniff'
  })
  res.type('html').send(page(title, body))
}

function wantsJson (req) {
  return req.accepts(['html', 'json']) === 'json'
}

// ---------------------------------------------------------------------------------------------
// The pages: an index, and one page per provider with its widget.

/** How each outcome the widget offers shows on the server. */
const WIDGET_OUTCOMES = html`<ul class="small">
<li><b>pass</b>: a token the provider verifies;</li>
<li><b>fail</b>: a token the provider refuses;</li>
<li><b>expired</b>: a token whose time is up (the provider's own expiry answer);</li>
<li><b>outage</b>: a valid token, but the emulator answers its verification 503, as a provider
that is down: <b>Sign up</b> (<code>onUnavailable: 'reject'</code>, the default) answers 503,
<b>Sign up, open on outage</b> (<code>onUnavailable: 'allow'</code>) lets the request through and
logs why.</li>
</ul>`

function renderIndex () {
  const links = Object.entries(PROVIDERS).map(([id, provider]) =>
    html`<li><a href="/try/${id}" data-provider="${id}">${provider.name}</a> <span class="small">(token field <code>${TOKEN_FIELDS[id]}</code>)</span></li>`)
  return html`<h1>captcha-native demo</h1>
<p>One route per provider, each protected by <code>requireCaptcha</code> from
<code>captcha-native/middleware</code>. The providers, and their widgets, are played by the
emulator running in this process: no account, no network.</p>
<ul>${links}</ul>
<p class="small">Each page shows the provider's widget as the emulator serves it: pick what the
provider will answer, tick the checkbox, and sign up.</p>
${WIDGET_OUTCOMES}`
}

function renderTry (demo, id) {
  const provider = PROVIDERS[id]
  const route = `/verify/${id}`
  return html`<h1>${provider.name}</h1>
<p class="small">The page's markup is ${provider.name}'s own; only the script comes from the emulator,
<code>${demo.emulator.widgetUrl(id)}</code>. The widget puts its token in
<code>${TOKEN_FIELDS[id]}</code>, which <code>POST ${route}</code> verifies.</p>
<form method="post" action="${route}" data-provider="${id}">
<p><label>Email <input name="email" type="email" value="someone@example.com"></label></p>
${provider.widget(demo.emulator)}
<p><button type="submit" data-policy="reject">Sign up</button>
<button type="submit" formaction="${route}/fail-open" data-policy="allow">Sign up, open on outage</button></p>
</form>
${WIDGET_OUTCOMES}
<p><a href="/">All providers</a></p>
<script src="${demo.emulator.widgetUrl(id)}" async defer></script>`
}

// ---------------------------------------------------------------------------------------------
// Results

const OUTCOME_TEXT = {
  verified: {
    title: 'Passed',
    css: 'ok',
    text: (name) => `${name} verified the token: the protected action would run now.`
  },
  failed_open: {
    title: 'Provider unavailable: let through',
    css: 'open',
    text: (name) => `${name} was unavailable (no answer in time, or an error status). This route lets requests through when the provider is down (onUnavailable: 'allow'), so the request went on without a check; the server logged why.`
  },
  verification_failed: {
    title: 'Refused',
    css: 'refused',
    text: (name) => `${name} refused the token: it failed the check, expired, was never issued, or was already used. The request was refused.`
  },
  token_missing: {
    title: 'Refused: no token',
    css: 'refused',
    text: (name) => `The request carried no ${name} token, so nothing was asked of ${name}. The request was refused.`
  },
  body_too_large: {
    title: 'Refused: body too large',
    css: 'refused',
    text: () => 'The request body was too large to look for a token in. The request was refused.'
  },
  provider_unavailable: {
    title: 'Provider unavailable: refused',
    css: 'refused',
    text: (name) => `${name} was unavailable (no answer in time, or an error status). This route refuses requests when the provider is down (onUnavailable: 'reject', the default), so the request was refused; the server logged why.`
  }
}

/** Answers an outcome: JSON `{ provider, outcome, failedOpen }` or a page saying what happened. */
function sendOutcome (req, res, { provider, code, status, failedOpen, detail }) {
  if (wantsJson(req)) {
    res.status(status).set('cache-control', 'no-store').json({ provider, outcome: code, failedOpen })
    return
  }
  const { name, replayText } = PROVIDERS[provider]
  const known = OUTCOME_TEXT[code] ?? { title: code, css: 'refused', text: () => '' }
  // The token just posted, offered again: what a replayed (stolen or double-submitted) token gets.
  const field = TOKEN_FIELDS[provider]
  const token = typeof req.body?.[field] === 'string' && req.body[field] !== '' ? req.body[field] : undefined
  const replay = token === undefined
    ? ''
    : html`<form method="post" action="${req.originalUrl}" data-provider="${provider}" data-case="replay">
<input type="hidden" name="${field}" value="${token}">
<button type="submit" title="${replayText}">Replay: send the same token again</button>
</form>`
  sendHtml(res, status, `${known.title}: ${name}`, html`<main data-provider="${provider}" data-outcome="${code}" data-status="${status}">
<h1 class="${known.css}">${known.title}</h1>
<p>${known.text(name)}</p>
${detail ? html`<p>${detail}</p>` : ''}
<p class="small">HTTP ${status}, outcome <code>${code}</code>, failedOpen <code>${String(failedOpen)}</code>.</p>
${replay}
<p><a href="/try/${provider}">Try ${name} again</a> · <a href="/">All providers</a></p>
</main>`)
}

/**
 * `requireCaptcha` answers a refusal itself, with `res.status(code).json({ error: code })`. The
 * demo hands it a small response object that turns that answer into its own page (or JSON).
 */
function answeringRefusals (middleware, provider) {
  return (req, res, next) => {
    let status = 400
    const refusal = {
      get headersSent () { return res.headersSent },
      setHeader: (name, value) => res.setHeader(name, value),
      status (code) {
        status = code
        return this
      },
      json (body) {
        sendOutcome(req, res, { provider, code: body.error, status, failedOpen: false })
      }
    }
    return middleware(req, refusal, next)
  }
}

/** The route's handler: reached only when the middleware let the request through. */
function protectedAction (provider) {
  return (req, res) => {
    const { code, failedOpen, result } = req.captcha
    const detail = code === 'verified' && result ? PROVIDERS[provider].verified(result) : undefined
    sendOutcome(req, res, { provider, code, status: 200, failedOpen, detail })
  }
}

// ---------------------------------------------------------------------------------------------
// The app

function createApp (demo) {
  const { emulator } = demo
  const app = express()
  app.disable('x-powered-by')
  const form = express.urlencoded({ extended: false, limit: '16kb' })
  const log = (message, details) => console.warn(`${message}: ${details.reason}`)

  for (const [id, provider] of Object.entries(PROVIDERS)) {
    // One options object per route: each middleware builds its client once.
    const reject = requireCaptcha({ ...provider.options(emulator), log })
    const allow = requireCaptcha({ ...provider.options(emulator), onUnavailable: 'allow', log })
    app.post(`/verify/${id}`, form, answeringRefusals(reject, id), protectedAction(id))
    app.post(`/verify/${id}/fail-open`, form, answeringRefusals(allow, id), protectedAction(id))
    app.get(`/try/${id}`, (req, res) => sendHtml(res, 200, `${provider.name}: captcha-native demo`, renderTry(demo, id), emulator.url))
  }

  app.get('/', (req, res) => sendHtml(res, 200, 'captcha-native demo', renderIndex()))
  app.get('/verify/*splat', (req, res) => res.redirect(303, '/'))

  // A misconfiguration (a refused key or secret) reaches here through next(error).
  app.use((error, req, res, next) => {
    console.error(error)
    if (res.headersSent) return next(error)
    if (wantsJson(req)) return res.status(500).json({ error: 'internal_error' })
    sendHtml(res, 500, 'Server error', html`<main data-outcome="internal_error" data-status="500">
<h1 class="refused">Server error</h1><p>The server logged what went wrong.</p><p><a href="/">Back to the demo</a></p>
</main>`)
  })
  return app
}

/**
 * Starts the emulator, then the app on `host:port`. Resolves `{ url, emulator, server, close }`;
 * `close()` stops both.
 */
async function startDemo ({ port = DEFAULT_PORT, host = HOST } = {}) {
  const emulator = await Emulator.start({ host: '127.0.0.1' })
  const demo = { emulator }
  const app = createApp(demo)
  let server
  try {
    server = await new Promise((resolve, reject) => {
      const listening = app.listen(port, host)
      listening.once('listening', () => resolve(listening))
      listening.once('error', reject)
    })
  } catch (error) {
    await emulator.close()
    throw error
  }
  const address = server.address()
  let closing
  return {
    url: `http://${host}:${address.port}`,
    emulator,
    server,
    close () {
      closing ??= (async () => {
        const closed = new Promise((resolve) => server.close(() => resolve()))
        server.closeAllConnections()
        await closed
        await emulator.close()
      })()
      return closing
    }
  }
}

function parsePort (args) {
  const { values } = parseArgs({ args, options: { port: { type: 'string' }, help: { type: 'boolean', short: 'h' } } })
  if (values.help) return { help: true }
  if (values.port === undefined) return { port: DEFAULT_PORT }
  const port = /^\d+$/.test(values.port) ? Number(values.port) : NaN
  if (!(Number.isInteger(port) && port >= 0 && port <= 65535)) {
    throw new TypeError(`--port must be a port number (0 for any free port), not '${values.port}'`)
  }
  return { port }
}

async function main () {
  let options
  try {
    options = parsePort(process.argv.slice(2))
  } catch (error) {
    console.error(`${error.message}\n\n${USAGE}`)
    process.exitCode = 2
    return
  }
  if (options.help) {
    console.log(USAGE)
    return
  }

  // Stop handlers first, then the banner: Ctrl+C works from the moment the URL is printed.
  const started = startDemo({ port: options.port })
  let stopping = false
  const stop = (signal) => {
    if (stopping) process.exit(130) // a second Ctrl+C: do not wait
    stopping = true
    console.log(`${signal}: stopping the demo`)
    started.then((demo) => demo.close()).then(() => {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
    }, (error) => {
      console.error(error)
      process.exit(1)
    })
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)

  let demo
  try {
    demo = await started
  } catch (error) {
    console.error(error.code === 'EADDRINUSE'
      ? `port ${options.port} is in use: try --port 0 for any free port`
      : `the demo did not start: ${error.message}`)
    process.exit(1)
  }
  if (!stopping) {
    console.log(`captcha-native demo on ${demo.url} (emulator at ${demo.emulator.url})`)
    console.log('Press Ctrl+C to stop.')
  }
}

if (require.main === module) main()

module.exports = { startDemo }
