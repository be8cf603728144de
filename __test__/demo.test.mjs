// The Express demo (../examples/express/server.js) driven over HTTP as a browser would: start it
// with --port 0, read its URL, load the page, post each provider's forms as they are (action,
// hidden field, token), and check what the user sees; then Ctrl+C, which must exit 0.
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { readFileSync } from 'node:fs'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const SERVER = 'examples/express/server.js'

const FIELDS = {
  trustcaptcha: 'tc-verification-token',
  swetrix: 'swetrix-captcha-response',
  recaptcha: 'g-recaptcha-response',
  playtcha: 'playtcha-token',
  turnstile: 'cf-turnstile-response',
  hcaptcha: 'h-captcha-response'
}

/** What each provider's verified page says beyond the outcome: its verdict's own fields. */
const VERIFIED_DETAIL = {
  trustcaptcha: /Bot score 0\.1, country CH\./,
  swetrix: /Project AP00000000042/,
  recaptcha: /Action signup, score at least 0\.5\./,
  playtcha: /Hostname demo\.example\.com, action signup\./,
  turnstile: /Action signup, hostname demo\.example\.com, challenge solved at \d{4}-\d\d-\d\dT/,
  hcaptcha: /Risk score 0\.1 \(at most 0\.5 passes\), reasons safe, hostname demo\.example\.com\./
}

/** What a user sees for each button: the HTTP status and the outcome code. */
const EXPECTED = {
  pass: { status: 200, outcome: 'verified', failedOpen: false },
  fail: { status: 400, outcome: 'verification_failed', failedOpen: false },
  replay: { status: 400, outcome: 'verification_failed', failedOpen: false },
  outage: { status: 503, outcome: 'provider_unavailable', failedOpen: false },
  'outage-allow': { status: 200, outcome: 'failed_open', failedOpen: true }
}

let child
let url
let stdout = ''
let stderr = ''
let exited

before(async () => {
  child = spawn(process.execPath, [SERVER, '--port', '0'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
  exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })))
  child.stderr.setEncoding('utf8').on('data', (chunk) => { stderr += chunk })
  child.stdout.setEncoding('utf8')
  url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL within 10 s; stdout: ${stdout}; stderr: ${stderr}`)), 10_000)
    child.stdout.on('data', (chunk) => {
      stdout += chunk
      const match = /^captcha-native demo on (http:\/\/127\.0\.0\.1:\d+) \(emulator at http:\/\/127\.0\.0\.1:\d+\)$/m.exec(stdout)
      if (match) {
        clearTimeout(timer)
        resolve(match[1])
      }
    })
    exited.then(({ code }) => {
      clearTimeout(timer)
      reject(new Error(`the demo exited (${code}) before printing its URL; stderr: ${stderr}`))
    })
  })
})

after(async () => {
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGKILL')
    await exited
  }
})

// ---------------------------------------------------------------------------------------------
// The page, read as a browser reads it

function unescapeHtml (text) {
  return text.replace(/&(amp|lt|gt|quot|#39);/g, (_, name) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[name])
}

function attributes (text) {
  const found = {}
  for (const [, name, value] of text.matchAll(/([\w-]+)="([^"]*)"/g)) found[name] = unescapeHtml(value)
  return found
}

/** The page's forms: `{ provider, kind, method, action, fields }`. */
function formsOf (page) {
  return [...page.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/g)].map(([, attrs, inner]) => {
    const form = attributes(attrs)
    const fields = [...inner.matchAll(/<input\b([^>]*)>/g)].map(([, input]) => attributes(input))
    return { provider: form['data-provider'], kind: form['data-case'], method: form.method, action: form.action, fields }
  })
}

async function loadPage () {
  const response = await fetch(`${url}/`)
  assert.equal(response.status, 200)
  assert.match(response.headers.get('content-type'), /^text\/html/)
  assert.equal(response.headers.get('cache-control'), 'no-store')
  return response.text()
}

/** Submits a form as a browser does: urlencoded hidden fields, POST to the form's action. */
function submit (form, headers = {}) {
  const body = new URLSearchParams(form.fields.map((field) => [field.name, field.value]))
  return fetch(new URL(form.action, url), { method: form.method.toUpperCase(), body, headers, redirect: 'manual' })
}

// ---------------------------------------------------------------------------------------------

describe('examples/express: the demo', () => {
  const pages = []

  it('serves a page with one section per provider and five forms each, with fresh tokens', async () => {
    // Two renderings: the buttons of the first are posted as a browser, the second's as JSON.
    for (let i = 0; i < 2; i++) pages.push(formsOf(await loadPage()))
    for (const forms of pages) {
      assert.equal(forms.length, 5 * Object.keys(FIELDS).length)
      for (const [provider, field] of Object.entries(FIELDS)) {
        const own = forms.filter((form) => form.provider === provider)
        assert.deepEqual(own.map((form) => form.kind), Object.keys(EXPECTED), provider)
        for (const form of own) {
          assert.equal(form.method, 'post')
          assert.match(form.action, new RegExp(`^/verify/${provider}(/fail-open)?(\\?outage=hang)?$`))
          assert.equal(form.fields.length, 1)
          assert.equal(form.fields[0].type, 'hidden')
          assert.equal(form.fields[0].name, field)
          assert.ok(form.fields[0].value.length > 20, `${provider} ${form.kind}: a token`)
        }
      }
    }
    const tokens = pages.flat().map((form) => form.fields[0].value)
    assert.equal(new Set(tokens).size, tokens.length, 'every token is minted for its form')
  })

  // Providers run side by side; each one's buttons in turn, since an outage faults its next request.
  describe('each provider: pass, fail, replay, outage (refused), outage (let through)', { concurrency: true }, () => {
    for (const provider of Object.keys(FIELDS)) {
      it(provider, async () => {
        for (const kind of Object.keys(EXPECTED)) {
          const expected = EXPECTED[kind]
          const [asPage, asJson] = pages.map((forms) => forms.find((form) => form.provider === provider && form.kind === kind))

          const response = await submit(asPage)
          const page = await response.text()
          assert.equal(response.status, expected.status, `${provider} ${kind}: ${page}`)
          assert.match(response.headers.get('content-type'), /^text\/html/)
          const main = attributes(/<main\b([^>]*)>/.exec(page)[1])
          assert.deepEqual(main, { 'data-provider': provider, 'data-outcome': expected.outcome, 'data-status': String(expected.status) })
          assert.match(page, /<a href="\/">Back to the demo<\/a>/)
          if (kind === 'pass') assert.match(page, VERIFIED_DETAIL[provider], `${provider}: the verdict's fields`)

          const json = await submit(asJson, { accept: 'application/json' })
          assert.equal(json.status, expected.status, `${provider} ${kind} (JSON)`)
          assert.deepEqual(await json.json(), { provider, outcome: expected.outcome, failedOpen: expected.failedOpen })
        }
        // The pass token posted a second time: refused (Turnstile's timeout-or-duplicate, hCaptcha's
        // already-seen-response...), except by TrustCaptcha, whose results may be fetched up to
        // their retrieval limit (10 by default; the replay button's allows 1).
        const used = pages[0].find((form) => form.provider === provider && form.kind === 'pass')
        const again = await submit(used, { accept: 'application/json' })
        assert.equal(again.status, provider === 'trustcaptcha' ? 200 : 400, `${provider}: the pass token again`)
      })
    }
  })

  it('refuses a form without a token, and escapes what it echoes', async () => {
    const empty = await fetch(`${url}/verify/swetrix`, { method: 'POST', body: new URLSearchParams({ other: 'x' }), headers: { accept: 'application/json' } })
    assert.equal(empty.status, 400)
    assert.deepEqual(await empty.json(), { provider: 'swetrix', outcome: 'token_missing', failedOpen: false })

    const odd = await fetch(`${url}/verify/playtcha?outage=%3Cscript%3Ealert(1)%3C/script%3E`, { method: 'POST', body: new URLSearchParams() })
    const page = await odd.text()
    assert.equal(odd.status, 400)
    assert.ok(!page.includes('<script>'), page)
    assert.match(page, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/)
  })

  it('is what npm start runs', () => {
    const { scripts } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
    assert.equal(scripts.start, 'node examples/express/server.js')
  })

  // Windows has no POSIX signals: kill() there ends the process at once, with no handler run.
  it('stops on SIGINT with exit code 0', { skip: process.platform === 'win32' && 'no POSIX signals on Windows' }, async () => {
    child.kill('SIGINT')
    const timeout = new Promise((resolve) => setTimeout(() => resolve('timeout'), 5000).unref())
    assert.deepEqual(await Promise.race([exited, timeout]), { code: 0, signal: null }, stderr)
    assert.match(stdout, /SIGINT: stopping the demo/)
  })
})
