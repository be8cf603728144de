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
  hcaptcha: 'h-captcha-response',
  'recaptcha-enterprise': 'g-recaptcha-response',
  'friendly-captcha': 'frc-captcha-response'
}

/** Each provider's widget markup on its page: the provider's own element. */
const MARKUP = {
  trustcaptcha: /<trustcaptcha-component sitekey="[^"]+"/,
  swetrix: /<div class="swecaptcha" data-project-id="[^"]+">/,
  recaptcha: /<div class="g-recaptcha" data-sitekey="[^"]+">/,
  playtcha: /<div class="playtcha" data-sitekey="[^"]+" data-action="signup">/,
  turnstile: /<div class="cf-turnstile" data-sitekey="[^"]+" data-action="signup">/,
  hcaptcha: /<div class="h-captcha" data-sitekey="[^"]+">/,
  'recaptcha-enterprise': /<div class="g-recaptcha" data-sitekey="[^"]+" data-action="signup">/,
  'friendly-captcha': /<div class="frc-captcha" data-sitekey="[^"]+">/
}

/** What each provider's verified page says beyond the outcome: its verdict's own fields. */
const VERIFIED_DETAIL = {
  trustcaptcha: /Bot score 0(\.\d+)?, verification [0-9a-f-]{36}\./,
  swetrix: /Project AP[0-9A-Z]+, challenge solved at \d{4}-/,
  recaptcha: /Google answered success: true\./,
  playtcha: /Hostname 127\.0\.0\.1, action signup\./,
  turnstile: /Action signup, hostname 127\.0\.0\.1, challenge solved at \d{4}-\d\d-\d\dT/,
  hcaptcha: /Hostname 127\.0\.0\.1\./,
  'recaptcha-enterprise': /Action signup, score 0\.\d+ \(at least 0\.5 passes\)\./,
  'friendly-captcha': /Solved on http:\/\/127\.0\.0\.1:\d+\./
}

/** What the server answers for each outcome the widget can be given, on each route. */
const EXPECTED = {
  pass: { route: '', status: 200, outcome: 'verified', failedOpen: false },
  fail: { route: '', status: 400, outcome: 'verification_failed', failedOpen: false },
  expired: { route: '', status: 400, outcome: 'verification_failed', failedOpen: false },
  outage: { route: '', status: 503, outcome: 'provider_unavailable', failedOpen: false },
  'outage, open': { widget: 'outage', route: '/fail-open', status: 200, outcome: 'failed_open', failedOpen: true }
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

async function load (path) {
  const response = await fetch(new URL(path, url))
  assert.equal(response.status, 200, path)
  assert.match(response.headers.get('content-type'), /^text\/html/)
  assert.equal(response.headers.get('cache-control'), 'no-store')
  return { text: await response.text(), csp: response.headers.get('content-security-policy') }
}

/** A token from the emulator's widget route, asked as the provider's widget on the demo's page asks. */
async function widgetToken (emulatorUrl, provider, outcome) {
  const response = await fetch(`${emulatorUrl}/__emulator/widget/${provider}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: url },
    body: JSON.stringify({ outcome, action: 'signup' })
  })
  assert.equal(response.status, 200, `${provider} ${outcome}: ${await response.clone().text()}`)
  return (await response.json()).token
}

/** Posts `token` in the provider's field, as the widget's form does. */
function post (path, field, token, headers = {}) {
  return fetch(new URL(path, url), { method: 'POST', body: new URLSearchParams({ email: 'someone@example.com', [field]: token }), headers, redirect: 'manual' })
}

// ---------------------------------------------------------------------------------------------

describe('examples/express: the demo', () => {
  it('serves an index linking one page per provider', async () => {
    const { text } = await load('/')
    const links = [...text.matchAll(/<a href="\/try\/([a-z-]+)" data-provider="([a-z-]+)">/g)].map(([, path, provider]) => {
      assert.equal(path, provider)
      return provider
    })
    assert.deepEqual(links, Object.keys(FIELDS))
  })

  // Providers side by side; each one's outcomes in turn.
  describe('each provider: its widget page, then pass, fail, expired, outage (refused and let through), replay', { concurrency: true }, () => {
    for (const [provider, field] of Object.entries(FIELDS)) {
      it(provider, async () => {
        const { text, csp } = await load(`/try/${provider}`)
        const script = new RegExp(`<script src="(http://127\\.0\\.0\\.1:\\d+)/widget/${provider}\\.js" async defer></script>`).exec(text)
        assert.ok(script, `${provider}: the emulator's widget script`)
        const emulatorUrl = script[1]
        assert.match(text, MARKUP[provider])
        // Scripts from the emulator only; nothing inline, nothing else.
        assert.match(csp, new RegExp(`script-src ${emulatorUrl.replaceAll('.', '\\.')}; connect-src ${emulatorUrl.replaceAll('.', '\\.')};`))
        const form = attributes(/<form\b([^>]*)>/.exec(text)[1])
        assert.deepEqual([form.method, form.action], ['post', `/verify/${provider}`])
        assert.match(text, new RegExp(`formaction="/verify/${provider}/fail-open"`))

        let passed
        for (const [name, expected] of Object.entries(EXPECTED)) {
          const path = `/verify/${provider}${expected.route}`
          const outcome = expected.widget ?? name
          const token = await widgetToken(emulatorUrl, provider, outcome)
          const response = await post(path, field, token)
          const page = await response.text()
          assert.equal(response.status, expected.status, `${provider} ${name}: ${page}`)
          assert.match(response.headers.get('content-type'), /^text\/html/)
          const main = attributes(/<main\b([^>]*)>/.exec(page)[1])
          assert.deepEqual(main, { 'data-provider': provider, 'data-outcome': expected.outcome, 'data-status': String(expected.status) })
          assert.match(page, new RegExp(`<a href="/try/${provider}">`))
          // The result page offers the token again, to the same route.
          const replay = /<form\b([^>]*data-case="replay"[^>]*)>\s*<input\b([^>]*)>/.exec(page)
          assert.ok(replay, `${provider} ${name}: a replay form`)
          assert.equal(attributes(replay[1]).action, path)
          assert.deepEqual(attributes(replay[2]), { type: 'hidden', name: field, value: token })
          if (name === 'pass') {
            assert.match(page, VERIFIED_DETAIL[provider], `${provider}: the verdict's fields`)
            passed = token
          }

          const json = await post(path, field, await widgetToken(emulatorUrl, provider, outcome), { accept: 'application/json' })
          assert.equal(json.status, expected.status, `${provider} ${name} (JSON)`)
          assert.deepEqual(await json.json(), { provider, outcome: expected.outcome, failedOpen: expected.failedOpen })
        }
        // The replay of the passed token: refused, except by TrustCaptcha, whose results may be
        // fetched up to their retrieval limit (10 by default).
        const again = await post(`/verify/${provider}`, field, passed, { accept: 'application/json' })
        const expected = provider === 'trustcaptcha' ? [200, 'verified'] : [400, 'verification_failed']
        assert.deepEqual([again.status, (await again.json()).outcome], expected, `${provider}: the pass token again`)
      })
    }
  })

  it('refuses a form without a token, and escapes what it echoes', async () => {
    const empty = await fetch(`${url}/verify/swetrix`, { method: 'POST', body: new URLSearchParams({ other: 'x' }), headers: { accept: 'application/json' } })
    assert.equal(empty.status, 400)
    assert.deepEqual(await empty.json(), { provider: 'swetrix', outcome: 'token_missing', failedOpen: false })

    // A token is echoed in the replay form: escaped, never markup.
    const odd = await post('/verify/playtcha', 'playtcha-token', '"><script>alert(1)</script>')
    const page = await odd.text()
    assert.equal(odd.status, 400)
    assert.ok(!page.includes('<script>'), page)
    assert.match(page, /value="&quot;&gt;&lt;script&gt;alert\(1\)&lt;\/script&gt;"/)
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
