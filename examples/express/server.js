#!/usr/bin/env node
'use strict'
// The captcha-native demo: an Express app with one route per provider (TrustCaptcha, Swetrix,
// reCAPTCHA, Playtcha, Turnstile, hCaptcha), each protected by `requireCaptcha` from
// captcha-native/middleware, and the emulator running in this same process in place of the
// providers.
//
//   node examples/express/server.js [--port N]     (default 3000; 0: any free port)
//
// No widget runs here: the page at / carries small forms that post, in the field the real widget
// fills in, tokens the server minted for that page: one that passes, one that fails, one already
// verified once (a replay), and valid ones posted with an outage flag that makes the emulator hang
// the provider's next request. Loopback only: the outage flag lets any visitor inject faults.

const { parseArgs } = require('node:util')
const { randomBytes } = require('node:crypto')
const express = require('express')
// In your app: require('captcha-native') and require('captcha-native/middleware').
const { Emulator } = require('../../index.js')
const { requireCaptcha, verifyRequest, TOKEN_FIELDS } = require('captcha-native/middleware')

const HOST = '127.0.0.1'
const DEFAULT_PORT = 3000
/** Each provider's deadline: an outage answers after this long rather than after 5-10 s. */
const TIMEOUT_MS = 1500

const USAGE = `Usage: node examples/express/server.js [--port N]

Starts the captcha-native demo on http://${HOST}:N (default ${DEFAULT_PORT}; 0 picks a free port),
with the emulator in the same process. Ctrl+C stops both.`

// ---------------------------------------------------------------------------------------------
// The providers: how each route is protected, and the tokens the page posts.

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
    passClaims: { score: 0.1, countryCode: 'CH' },
    fail: (emulator) => emulator.issue('trustcaptcha', { verificationPassed: false, score: 0.9 }),
    failText: 'a token whose result says verificationPassed: false',
    // TrustCaptcha results can be fetched several times; this one allows a single fetch.
    replayClaims: { retrievalLimit: 1 },
    replayText: 'a token issued with retrievalLimit: 1 and fetched once already',
    verified: (result) => `Bot score ${result.score}, country ${result.countryCode}.`
  },
  swetrix: {
    name: 'Swetrix',
    options: (emulator) => ({
      provider: 'swetrix',
      secret: emulator.credentials.swetrixSecret,
      apiURL: `${emulator.url}/v1/captcha`,
      timeoutMs: TIMEOUT_MS
    }),
    passClaims: { pid: 'AP00000000042' },
    fail: () => `swetrix_${randomBytes(32).toString('hex')}`,
    failText: 'a forged token Swetrix never issued',
    replayClaims: undefined,
    replayText: 'a token verified once already (Swetrix tokens verify once)',
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
      retries: 0, // the default (10 retries, 1 s apart) would hold the request during an outage
      expectedAction: 'signup',
      minScore: 0.5
    }),
    passClaims: { action: 'signup', score: 0.9 },
    fail: (emulator) => emulator.issue('recaptcha', { success: false }),
    failText: 'a token siteverify answers success: false for',
    replayClaims: { action: 'signup', score: 0.9 },
    replayText: 'a token verified once already (Google answers timeout-or-duplicate)',
    verified: () => 'Action signup, score at least 0.5.'
  },
  playtcha: {
    name: 'Playtcha',
    options: (emulator) => ({
      provider: 'playtcha',
      secret: emulator.credentials.playtchaSecret,
      apiHost: emulator.url,
      timeoutMs: TIMEOUT_MS
    }),
    passClaims: { hostname: 'demo.example.com', action: 'signup' },
    fail: () => `playtcha_${randomBytes(32).toString('hex')}`,
    failText: 'a token Playtcha never issued (token_invalid)',
    replayClaims: undefined,
    replayText: 'a token redeemed once already (already_redeemed)',
    verified: (result) => `Hostname ${result.hostname}, action ${result.action}.`
  },
  turnstile: {
    name: 'Turnstile',
    options: (emulator) => ({
      provider: 'turnstile',
      secret: emulator.credentials.turnstileSecret,
      siteverifyUrl: `${emulator.url}/turnstile/v0/siteverify`,
      timeoutMs: TIMEOUT_MS,
      retries: 0, // the default (2 retries) would outlast the one-request outage the page injects
      expectedAction: 'signup', // the action the widget was rendered with (data-action)
      expectedHostname: 'demo.example.com' // the site the widget was solved on
    }),
    passClaims: { action: 'signup', hostname: 'demo.example.com' },
    fail: (emulator) => emulator.issue('turnstile', { success: false }),
    failText: 'a token issued with success: false (siteverify answers invalid-input-response)',
    replayClaims: { action: 'signup', hostname: 'demo.example.com' },
    replayText: 'a token verified once already (Cloudflare answers timeout-or-duplicate)',
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
      retries: 0, // the default (2 retries) would outlast the one-request outage the page injects
      sitekey: emulator.credentials.hcaptchaSitekey, // refuses a token solved for another sitekey
      maxScore: 0.5 // hCaptcha Enterprise's score is a risk score: refuse above 0.5
    }),
    passClaims: { score: 0.1, scoreReason: ['safe'], hostname: 'demo.example.com' },
    fail: (emulator) => emulator.issue('hcaptcha', { success: false }),
    failText: 'a token issued with success: false (siteverify answers invalid-input-response)',
    replayClaims: { score: 0.1, scoreReason: ['safe'], hostname: 'demo.example.com' },
    replayText: 'a token verified once already (hCaptcha answers already-seen-response)',
    verified: (result) => `Risk score ${result.score} (at most 0.5 passes)` +
      (Array.isArray(result.scoreReason) && result.scoreReason.length > 0 ? `, reasons ${result.scoreReason.join(', ')}` : '') +
      `, hostname ${result.hostname}.`
  }
}

/** The emulator faults the outage flag can inject: the provider's next request only. */
const OUTAGES = {
  hang: { kind: 'hang' }, // no answer: the route gives up after TIMEOUT_MS
  503: { kind: 'status', status: 503 } // the provider answers 503 at once
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

/** Sends an HTML page; never cached, so that Back fetches fresh tokens. */
function sendHtml (res, status, title, body) {
  res.status(status)
  res.set({
    'cache-control': 'no-store',
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    'x-content-type-options': 'nosniff'
  })
  res.type('html').send(page(title, body))
}

function wantsJson (req) {
  return req.accepts(['html', 'json']) === 'json'
}

// ---------------------------------------------------------------------------------------------
// The page: one section of forms per provider, with tokens minted for this rendering.

/** One button: a form posting `token` in the provider's widget field. */
function button (id, kind, label, action, token, title) {
  return html`<form method="post" action="${action}" data-provider="${id}" data-case="${kind}">
<input type="hidden" name="${TOKEN_FIELDS[id]}" value="${token}">
<button type="submit" title="${title}">${label}</button>
</form>`
}

async function renderIndex (demo) {
  const { emulator } = demo
  const sections = await Promise.all(Object.entries(PROVIDERS).map(async ([id, provider]) => {
    const pass = emulator.issue(id, provider.passClaims)
    const fail = provider.fail(emulator)
    // The replay token is verified once now, exactly as the route would, so posting it is a replay.
    const replay = emulator.issue(id, provider.replayClaims)
    const spent = await verifyRequest({ body: { [TOKEN_FIELDS[id]]: replay } }, demo.spendOptions[id])
    const route = `/verify/${id}`
    return html`<section id="${id}">
<h2>${provider.name}</h2>
<p class="small">Protected route <code>POST ${route}</code>; the token goes in <code>${TOKEN_FIELDS[id]}</code>.
Fail posts ${provider.failText}; replay posts ${provider.replayText}${spent.ok ? '' : ` (its first verification answered ${spent.code})`}.</p>
${button(id, 'pass', 'Pass', route, pass, 'a fresh token the provider verifies')}
${button(id, 'fail', 'Fail', route, fail, provider.failText)}
${button(id, 'replay', 'Replay', route, replay, provider.replayText)}
${button(id, 'outage', 'Outage: refuse (503)', `${route}?outage=hang`, emulator.issue(id, provider.passClaims),
  `the emulator hangs ${provider.name}'s next request; onUnavailable: 'reject' answers 503`)}
${button(id, 'outage-allow', 'Outage: let through', `${route}/fail-open?outage=hang`, emulator.issue(id, provider.passClaims),
  `the emulator hangs ${provider.name}'s next request; onUnavailable: 'allow' lets the request through`)}
</section>`
  }))
  return html`<h1>captcha-native demo</h1>
<p>One route per provider (${Object.values(PROVIDERS).map((provider) => provider.name).join(', ')}), each protected by <code>requireCaptcha</code> from
<code>captcha-native/middleware</code>. The providers are played by the emulator at
<code>${emulator.url}</code>, running in this process.</p>
<p class="small">No widget runs here: each button posts a token the server minted for this page,
in the field the real widget fills in. <b>Pass</b>: a fresh token. <b>Fail</b>: a token the provider
refuses. <b>Replay</b>: a token this page already verified once. <b>Outage</b>: the emulator hangs
the provider's next request and the route gives up after ${TIMEOUT_MS} ms; with
<code>onUnavailable: 'reject'</code> (the default) it answers 503, with <code>'allow'</code> it lets
the request through, not verified, and logs why. Tokens work once: reload the page for new ones.</p>
${sections}`
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
    text: (name) => `${name} refused the token: it failed the check, was never issued, or was already used. The request was refused.`
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
  const name = PROVIDERS[provider].name
  const known = OUTCOME_TEXT[code] ?? { title: code, css: 'refused', text: () => '' }
  sendHtml(res, status, `${known.title}: ${name}`, html`<main data-provider="${provider}" data-outcome="${code}" data-status="${status}">
<h1 class="${known.css}">${known.title}</h1>
<p>${known.text(name)}</p>
${detail ? html`<p>${detail}</p>` : ''}
<p class="small">HTTP ${status}, outcome <code>${code}</code>, failedOpen <code>${String(failedOpen)}</code>.</p>
<p><a href="/">Back to the demo</a> (fresh tokens)</p>
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

/** `?outage=hang` (or `503`): the emulator fails the provider's next request. */
function outageFlag (provider, emulator) {
  return (req, res, next) => {
    const kind = req.query.outage
    if (kind === undefined) return next()
    const fault = typeof kind === 'string' && Object.hasOwn(OUTAGES, kind) ? OUTAGES[kind] : undefined
    if (!fault) {
      const shown = Array.isArray(kind) ? kind.join(',') : String(kind)
      sendHtml(res, 400, 'Unknown outage', html`<main data-outcome="unknown_outage" data-status="400">
<h1 class="refused">Unknown outage</h1>
<p>There is no outage named “${shown}”: use <code>?outage=hang</code> or <code>?outage=503</code>.</p>
<p><a href="/">Back to the demo</a></p>
</main>`)
      return
    }
    emulator.fault({ provider, times: 1, ...fault })
    next()
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
    app.post(`/verify/${id}`, form, outageFlag(id, emulator), answeringRefusals(reject, id), protectedAction(id))
    app.post(`/verify/${id}/fail-open`, form, outageFlag(id, emulator), answeringRefusals(allow, id), protectedAction(id))
  }

  app.get('/', async (req, res, next) => {
    try {
      sendHtml(res, 200, 'captcha-native demo', await renderIndex(demo))
    } catch (error) {
      next(error)
    }
  })
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
  const demo = { emulator, spendOptions: {} }
  for (const [id, provider] of Object.entries(PROVIDERS)) {
    demo.spendOptions[id] = { ...provider.options(emulator), log: () => {} }
  }
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
