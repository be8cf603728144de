// The emulated widgets in a real Chromium (playwright-core, Debian's /usr/bin/chromium): for each
// provider, a page with the provider's own markup and the emulator's script URL, protected by
// requireCaptcha over node:http. A person's click (or the JS API) gets the token, the form is
// submitted, and the server's answer is the one each outcome promises.
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import http from 'node:http'
import { createRequire } from 'node:module'
import { adapterProviders, ADAPTER_PROVIDERS } from './adapter-fixtures.mjs'
import { launchBrowser } from './browser.mjs'

const require = createRequire(import.meta.url)
const { Emulator } = require('../index.js')
const { requireCaptcha } = require('captcha-native/middleware')

// One Chromium for the file, or the reason the file skips (__test__/browser.mjs).
const launched = await launchBrowser()
const skip = launched.skip ?? false

/** Each provider's markup, the field the widget fills, and the expiry code its refusal carries. */
const MARKUP = {
  turnstile: (a) => `<div class="cf-turnstile" data-sitekey="1x00000000000000000000AA" data-action="signup" data-cdata="c-42" data-callback="onToken" data-expired-callback="onExpired" ${a}></div>`,
  hcaptcha: (a) => `<div class="h-captcha" data-sitekey="10000000-ffff-ffff-ffff-000000000001" data-callback="onToken" data-expired-callback="onExpired" ${a}></div>`,
  recaptcha: (a) => `<div class="g-recaptcha" data-sitekey="6LeIxAcTAAAAAJcZVRqyHh71UMIEGNQ_MXjiZKhI" data-callback="onToken" data-expired-callback="onExpired" ${a}></div>`,
  'recaptcha-enterprise': (a) => `<div class="g-recaptcha" data-sitekey="emulator-recaptcha-enterprise-site-key" data-action="signup" data-callback="onToken" data-expired-callback="onExpired" ${a}></div>`,
  trustcaptcha: (a) => `<trustcaptcha-component sitekey="00000000-0000-0000-0000-000000000000" ${a}></trustcaptcha-component>
    <script>document.querySelector('trustcaptcha-component').addEventListener('captchaSolved', (e) => onToken(e.detail))</script>`,
  'friendly-captcha': (a) => `<div class="frc-captcha" data-sitekey="emulator-friendly-captcha-sitekey" data-start="none" ${a}></div>
    <script>
      const frc = document.querySelector('.frc-captcha')
      frc.addEventListener('frc:widget.complete', (e) => onToken(e.detail.response))
      frc.addEventListener('frc:widget.expire', () => onExpired())
    </script>`,
  swetrix: (a) => `<div class="swecaptcha" data-project-id="AP00000000042" ${a}></div>`,
  playtcha: (a) => `<div class="playtcha" data-sitekey="pk_test" data-callback="onToken" data-expired-callback="onExpired" ${a}></div>`
}
/** Where the real widget fires an expired callback (or event), the emulated one does too. */
const EXPIRES = new Set(['turnstile', 'hcaptcha', 'recaptcha', 'recaptcha-enterprise', 'friendly-captcha', 'playtcha'])

const PAGE_HELPERS = `<script>
  window.tokens = []; window.expired = 0
  function onToken (token) { window.tokens.push(token) }
  function onExpired () { window.expired++ }
</script>`

function page (provider, { attributes = '', head = '', body, scriptQuery = '', action = `/submit/${provider}` } = {}) {
  return `<!doctype html><html><head><meta charset="utf-8"><title>${provider}</title>${PAGE_HELPERS}${head}</head><body>
  <form method="post" action="${action}">
    <input name="email" value="ada@example.com">
    ${body ?? MARKUP[provider](attributes)}
    <button type="submit" id="submit">Sign up</button>
  </form>
  <script src="${emulator.widgetUrl(provider)}${scriptQuery}" async defer></script>
  </body></html>`
}

let emulator, providers, server, origin, browser, tab
/** Every outcome the middleware made, for the result behind an answer. */
const outcomes = []
/** The next page each path serves. */
const pages = new Map()

before(async () => {
  emulator = await Emulator.start()
  providers = adapterProviders(emulator)
  const guards = {}
  const record = (made) => { outcomes.push(made) }
  for (const name of ADAPTER_PROVIDERS) {
    const options = { ...providers[name].options(), onVerified: record, onRefused: record, onOutage: record }
    guards[name] = requireCaptcha(options)
    guards[`${name}?policy=allow`] = requireCaptcha({ ...options, onUnavailable: 'allow' })
  }
  server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x')
    if (req.method === 'GET' && pages.has(url.pathname)) {
      const { html, headers } = pages.get(url.pathname)
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', ...headers })
      res.end(html)
      return
    }
    const guard = guards[url.pathname.replace('/submit/', '') + url.search]
    if (req.method !== 'POST' || !guard) {
      res.statusCode = 404
      res.end()
      return
    }
    guard(req, res, (error) => {
      res.statusCode = error ? 500 : 200
      res.setHeader('content-type', 'application/json')
      res.end(JSON.stringify(error ? { error: 'misconfigured' } : { code: req.captcha.code }))
    })
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  origin = `http://127.0.0.1:${server.address().port}`
  if (skip) return
  browser = launched.browser
  tab = await browser.newPage()
  tab.setDefaultTimeout(10_000)
})

after(async () => {
  await browser?.close()
  await new Promise((resolve) => server?.close(resolve))
  await emulator?.close()
})

/** Opens `html` (served with `headers`) in the tab. */
async function open (html, headers = {}) {
  const path = `/page/${pages.size}`
  pages.set(path, { html, headers })
  await tab.goto(origin + path)
}

/** Submits the form: the server's status and JSON. */
async function submit () {
  const [response] = await Promise.all([
    tab.waitForResponse((r) => r.url().startsWith(`${origin}/submit/`)),
    tab.click('#submit')
  ])
  return { status: response.status(), body: await response.json(), made: outcomes.at(-1) }
}

/** Clicks the emulated checkbox and waits for the token (the callback's, or the field's). */
async function solve (provider) {
  await tab.click('.captcha-native-emulator input[type=checkbox]')
  const field = providers[provider].field
  await tab.waitForFunction((name) => document.querySelector(`[name="${name}"]`)?.value, field)
  const token = await tab.$eval(`[name="${field}"]`, (node) => node.value)
  if (provider !== 'swetrix') {
    assert.deepEqual(await tab.evaluate(() => window.tokens), [token], 'the callback got the token')
  }
  return token
}

/** The expiry code each provider's refusal carries in the outcome, where the middleware finds it. */
const EXPIRY = {
  trustcaptcha: [(made) => made.error.name, 'VerificationResultExpiredException'],
  swetrix: [(made) => String(made.error).includes('Token expired'), true],
  recaptcha: [(made) => made.error.errorCodes, ['timeout-or-duplicate']],
  playtcha: [(made) => made.error.code, 'token_expired'],
  turnstile: [(made) => made.result.errorCodes, ['timeout-or-duplicate']],
  hcaptcha: [(made) => made.result.errorCodes, ['expired-input-response']],
  'recaptcha-enterprise': [(made) => made.result.tokenProperties.invalidReason, 'EXPIRED'],
  'friendly-captcha': [(made) => made.result.response.error.error_code, 'response_timeout']
}

describe('the emulated widgets in Chromium', { skip }, () => {
  for (const provider of ADAPTER_PROVIDERS) {
    it(`${provider}: pass verifies once; fail, expired and outage get the server's answers`, async () => {
      await open(page(provider))
      const label = await tab.textContent('.captcha-native-emulator')
      assert.match(label, /I'm not a robot/)
      assert.match(label, /captcha-native emulator/)
      const token = await solve(provider)
      const passed = await submit()
      assert.equal(passed.status, 200)
      assert.deepEqual(passed.body, { code: 'verified' })
      // A replay of the passed token is refused; TrustCaptcha's result can be fetched again
      // (up to its retrieval limit, ten by default), as the real API allows.
      const replay = await fetch(`${origin}/submit/${provider}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ [providers[provider].field]: token })
      })
      assert.equal(replay.status, provider === 'trustcaptcha' ? 200 : 400)

      await open(page(provider, { attributes: 'data-emulator-outcome="fail"' }))
      await solve(provider)
      const failed = await submit()
      assert.deepEqual([failed.status, failed.body], [400, { error: 'verification_failed' }])

      await open(page(provider, { attributes: 'data-emulator-outcome="expired"' }))
      await solve(provider)
      if (EXPIRES.has(provider)) {
        await tab.waitForFunction(() => window.expired === 1)
      }
      const expired = await submit()
      assert.deepEqual([expired.status, expired.body], [400, { error: 'verification_failed' }])
      const [codeOf, code] = EXPIRY[provider]
      assert.deepEqual(codeOf(expired.made), code)

      await open(page(provider, { attributes: 'data-emulator-outcome="outage"' }))
      await solve(provider)
      const down = await submit()
      assert.deepEqual([down.status, down.body], [503, { error: 'provider_unavailable' }])

      await open(page(provider, { attributes: 'data-emulator-outcome="outage"', action: `/submit/${provider}?policy=allow` }))
      await solve(provider)
      const allowed = await submit()
      assert.deepEqual([allowed.status, allowed.body], [200, { code: 'failed_open' }])
    })
  }
})

/** Submits the page's form with `token` in `field`, from the page (as its own script would). */
async function submitToken (field, token) {
  await tab.evaluate(([name, value]) => {
    const input = document.querySelector(`[name="${name}"]`) ?? Object.assign(document.createElement('input'), { type: 'hidden', name })
    input.value = value
    document.querySelector('form').append(input)
  }, [field, token])
  return submit()
}

describe('the providers\' JS APIs', { skip }, () => {
  it('turnstile: explicit render with callbacks, getResponse, reset, execute; action and cdata reach the server', async () => {
    await open(page('turnstile', {
      scriptQuery: '?render=explicit&onload=onTurnstileLoad',
      body: '<div id="box"></div>',
      head: `<script>function onTurnstileLoad () {
        window.id = turnstile.render('#box', { sitekey: 'x', action: 'login', cData: 'order-7', callback: onToken, 'expired-callback': onExpired })
      }</script>`
    }))
    const id = await tab.waitForFunction(() => window.id).then((h) => h.jsonValue())
    await tab.click('#box .captcha-native-emulator input[type=checkbox]')
    await tab.waitForFunction(() => window.tokens.length === 1)
    const first = await tab.evaluate((id) => turnstile.getResponse(id), id)
    assert.deepEqual(await tab.evaluate(() => window.tokens), [first])
    await tab.evaluate((id) => turnstile.reset(id), id)
    assert.equal(await tab.evaluate((id) => turnstile.getResponse(id), id), '')
    assert.equal(await tab.$eval('[name="cf-turnstile-response"]', (n) => n.value), '')
    await tab.evaluate((id) => turnstile.execute(id), id)
    await tab.waitForFunction(() => window.tokens.length === 2)
    const second = await tab.evaluate((id) => turnstile.getResponse(id), id)
    assert.notEqual(second, first)
    const { status, made } = await submit()
    assert.equal(status, 200)
    assert.equal(made.result.action, 'login')
    assert.equal(made.result.cdata, 'order-7')
    // The emulator's hostname claim is the page's.
    assert.equal(made.result.hostname, '127.0.0.1')
  })

  it('turnstile: a token the emulator refuses to issue fires error-callback, and the field stays empty', async () => {
    await open(page('turnstile', {
      head: '<script>window.errors = []; function onError (code) { window.errors.push(code) }</script>',
      body: `<div class="cf-turnstile" data-sitekey="x" data-action="${'a'.repeat(256)}" data-callback="onToken" data-error-callback="onError"></div>`
    }))
    await tab.click('.captcha-native-emulator input[type=checkbox]')
    await tab.waitForFunction(() => window.errors.length === 1)
    assert.deepEqual(await tab.evaluate(() => [window.errors, window.tokens]), [['110200'], []])
    assert.match(await tab.textContent('.captcha-native-emulator-status'), /^Error: invalid widget request/)
    assert.equal(await tab.$eval('[name="cf-turnstile-response"]', (n) => n.value), '')
  })

  it('turnstile: remove() takes the widget and its field away', async () => {
    await open(page('turnstile'))
    await tab.waitForFunction(() => turnstile.getResponse() === '')
    await tab.evaluate(() => turnstile.remove())
    assert.equal(await tab.$('.captcha-native-emulator'), null)
    assert.equal(await tab.$('[name="cf-turnstile-response"]'), null)
  })

  it('turnstile: the outcome page-wide, and a person\'s choice in the widget', async () => {
    await open(page('turnstile', { head: '<script>window.captchaNativeEmulator = { outcome: \'fail\' }</script>' }))
    assert.equal(await tab.$eval('.captcha-native-emulator select', (s) => s.value), 'fail')
    await solve('turnstile')
    assert.equal((await submit()).status, 400)
    // The page's outcome is read when the widget asks for its token.
    await open(page('turnstile'))
    await tab.evaluate(() => { window.captchaNativeEmulator = { outcome: 'expired' } })
    await solve('turnstile')
    assert.equal(await tab.evaluate(() => window.expired), 1)
    assert.equal((await submit()).status, 400)
    // A person's choice wins over the widget's attribute.
    await open(page('turnstile', { attributes: 'data-emulator-outcome="fail"' }))
    await tab.selectOption('.captcha-native-emulator select', 'outage')
    await solve('turnstile')
    assert.equal((await submit()).status, 503)
  })

  it('a page whose Content-Security-Policy allows no inline style gets the styled widget all the same', async () => {
    const csp = `default-src 'self'; script-src 'self' 'unsafe-inline' ${emulator.url}; connect-src ${emulator.url}; style-src 'self'`
    await open(page('hcaptcha'), { 'content-security-policy': csp })
    const border = await tab.$eval('.captcha-native-emulator', (n) => getComputedStyle(n).borderTopStyle)
    assert.equal(border, 'dashed')
    await solve('hcaptcha')
    assert.equal((await submit()).status, 200)
  })

  it('hcaptcha: explicit render, invisible execute({ async: true }), getResponse, reset; both fields filled', async () => {
    await open(page('hcaptcha', {
      scriptQuery: '?render=explicit&onload=onHcaptchaLoad',
      body: '<div id="box"></div>',
      head: `<script>function onHcaptchaLoad () {
        window.id = hcaptcha.render('box', { sitekey: 'x', size: 'invisible', callback: onToken })
      }</script>`
    }))
    const id = await tab.waitForFunction(() => window.id).then((h) => h.jsonValue())
    assert.equal(await tab.$eval('#box .captcha-native-emulator', (n) => getComputedStyle(n).display), 'none', 'invisible')
    const { response, key } = await tab.evaluate((id) => hcaptcha.execute(id, { async: true }), id)
    assert.equal(typeof key, 'string')
    assert.deepEqual(await tab.evaluate(() => window.tokens), [response])
    assert.equal(await tab.evaluate((id) => hcaptcha.getResponse(id), id), response)
    assert.equal(await tab.$eval('[name="g-recaptcha-response"]', (n) => n.value), response)
    await tab.evaluate((id) => hcaptcha.reset(id), id)
    assert.equal(await tab.evaluate((id) => hcaptcha.getResponse(id), id), '')
    const again = await tab.evaluate((id) => hcaptcha.execute(id, { async: true }), id)
    assert.equal((await submit()).status, 200)
    assert.notEqual(again.response, response)
  })

  for (const provider of ['recaptcha', 'recaptcha-enterprise']) {
    const api = provider === 'recaptcha' ? 'grecaptcha' : 'grecaptcha.enterprise'
    const sitekey = provider === 'recaptcha' ? 'v3-site-key' : 'emulator-recaptcha-enterprise-site-key'

    it(`${provider}: v3 ${api}.execute(sitekey, { action }) in ready() gives a token with that action`, async () => {
      await open(page(provider, {
        scriptQuery: `?render=${sitekey}`,
        body: ''
      }))
      await tab.waitForFunction((api) => eval(api)?.ready, api)
      const token = await tab.evaluate(([api, sitekey]) => new Promise((resolve, reject) => {
        const g = eval(api)
        g.ready(() => g.execute(sitekey, { action: 'signup' }).then(resolve, reject))
      }), [api, sitekey])
      if (provider === 'recaptcha') {
        // The middleware's reCAPTCHA result is `{ success }` alone: ask siteverify what the token carries.
        const answer = await fetch(`${emulator.url}/recaptcha/api/siteverify`, {
          method: 'POST',
          body: new URLSearchParams({ secret: emulator.credentials.recaptchaSecret, response: token })
        }).then((r) => r.json())
        assert.deepEqual([answer.success, answer.action, answer.score, answer.hostname], [true, 'signup', 0.9, '127.0.0.1'])
      } else {
        const { status, made } = await submitToken('g-recaptcha-response', token)
        assert.equal(status, 200)
        assert.deepEqual([made.result.tokenProperties.action, made.result.riskAnalysis.score], ['signup', 0.9])
      }
    })

    it(`${provider}: explicit ${api}.render with callbacks, getResponse, reset, and an invisible widget bound to a button`, async () => {
      await open(page(provider, {
        scriptQuery: '?render=explicit&onload=onRecaptchaLoad',
        body: `<div id="box"></div><button type="button" id="go" class="g-recaptcha" data-sitekey="x" data-callback="onButton">Go</button>`,
        head: `<script>
          window.buttonTokens = []
          function onButton (token) { window.buttonTokens.push(token) }
          function onRecaptchaLoad () {
            window.id = ${api}.render('box', { sitekey: 'x', callback: onToken, 'expired-callback': onExpired })
            window.bound = ${api}.render(document.getElementById('go'))
          }</script>`
      }))
      await tab.waitForFunction(() => window.bound !== undefined)
      const id = await tab.evaluate(() => window.id)
      await tab.click('#box .captcha-native-emulator input[type=checkbox]')
      await tab.waitForFunction(() => window.tokens.length === 1)
      assert.equal(await tab.evaluate(([api, id]) => eval(api).getResponse(id), [api, id]), await tab.evaluate(() => window.tokens[0]))
      await tab.evaluate(([api, id]) => eval(api).reset(id), [api, id])
      assert.equal(await tab.evaluate(([api, id]) => eval(api).getResponse(id), [api, id]), '')
      await tab.click('#go')
      await tab.waitForFunction(() => window.buttonTokens.length === 1)
      const bound = await tab.evaluate(([api]) => eval(api).getResponse(window.bound), [api])
      assert.equal(bound, await tab.evaluate(() => window.buttonTokens[0]))
      // The bound widget's field carries its token to the server.
      await tab.evaluate(() => document.querySelector('#box [name="g-recaptcha-response"]').remove())
      assert.equal((await submit()).status, 200)
    })
  }

  it('trustcaptcha: startVerification(), captchaStarted and captchaSolved, reset() and captchaReset', async () => {
    await open(page('trustcaptcha', {
      head: `<script>window.events = []
        document.addEventListener('DOMContentLoaded', () => {
          const c = document.querySelector('trustcaptcha-component')
          for (const name of ['captchaStarted', 'captchaSolved', 'captchaReset']) c.addEventListener(name, () => window.events.push(name))
        })</script>`
    }))
    await tab.waitForFunction(() => document.querySelector('trustcaptcha-component').startVerification)
    await tab.evaluate(() => document.querySelector('trustcaptcha-component').startVerification())
    await tab.waitForFunction(() => window.tokens.length === 1)
    await tab.evaluate(() => document.querySelector('trustcaptcha-component').reset())
    assert.deepEqual(await tab.evaluate(() => window.events), ['captchaStarted', 'captchaSolved', 'captchaReset'])
    assert.equal(await tab.$eval('[name="tc-verification-token"]', (n) => n.value), '')
    await tab.evaluate(() => document.querySelector('trustcaptcha-component').startVerification())
    await tab.waitForFunction(() => window.tokens.length === 2)
    assert.equal((await submit()).status, 200)
  })

  it('friendly-captcha: frcaptcha.createWidget, data-start="auto", getResponse, reset and the widget events', async () => {
    await open(page('friendly-captcha', { body: '<div id="box"></div>' }))
    // The script is async: it may run after DOMContentLoaded, so the widget is made once it has.
    await tab.waitForFunction(() => window.frcaptcha)
    await tab.evaluate(() => {
      window.events = []
      window.handle = frcaptcha.createWidget({ element: document.getElementById('box'), sitekey: 'x', startMode: 'auto' })
      for (const name of ['frc:widget.complete', 'frc:widget.reset']) handle.addEventListener(name, (e) => window.events.push([name, e.detail.state]))
    })
    await tab.waitForFunction(() => window.handle?.getState() === 'completed')
    const token = await tab.evaluate(() => window.handle.getResponse())
    assert.equal(await tab.$eval('[name="frc-captcha-response"]', (n) => n.value), token)
    await tab.evaluate(() => window.handle.reset())
    assert.equal(await tab.evaluate(() => window.handle.getResponse()), '')
    await tab.evaluate(() => window.handle.start())
    await tab.waitForFunction(() => window.handle.getState() === 'completed')
    assert.deepEqual(await tab.evaluate(() => window.events), [
      ['frc:widget.complete', 'completed'], ['frc:widget.reset', 'reset'], ['frc:widget.complete', 'completed']
    ])
    assert.equal((await submit()).status, 200)
  })

  it('swetrix: swetrixCaptchaForceLoad() renders the widget again, unsolved', async () => {
    await open(page('swetrix'))
    await solve('swetrix')
    await tab.evaluate(() => window.swetrixCaptchaForceLoad())
    assert.equal(await tab.$$eval('.captcha-native-emulator', (n) => n.length), 1)
    assert.equal(await tab.$eval('[name="swetrix-captcha-response"]', (n) => n.value), '')
    await solve('swetrix')
    assert.equal((await submit()).status, 200)
  })

  it('playtcha: playtcha.execute, getResponse and reset; data-action reaches the server', async () => {
    await open(page('playtcha', { attributes: 'data-action="signup"' }))
    await tab.waitForFunction(() => window.playtcha)
    const token = await tab.evaluate(() => playtcha.execute())
    assert.equal(await tab.evaluate(() => playtcha.getResponse()), token)
    await tab.evaluate(() => playtcha.reset())
    assert.equal(await tab.evaluate(() => playtcha.getResponse()), '')
    await tab.evaluate(() => playtcha.execute())
    const { status, made } = await submit()
    assert.equal(status, 200)
    assert.equal(made.result.action, 'signup')
  })

  it('no page attribute or script parameter steers the widget\'s request beyond its provider\'s path', async () => {
    const asked = []
    const listener = (request) => { if (request.url().startsWith(emulator.url)) asked.push([request.method(), request.url()]) }
    tab.on('request', listener)
    try {
      await open(page('turnstile', {
        scriptQuery: '?onload=../../issue/hcaptcha&render=../x',
        attributes: 'data-sitekey="../../issue/hcaptcha" data-action="../../issue/x" data-emulator-outcome="../issue"'
      }))
      await solve('turnstile')
    } finally {
      tab.off('request', listener)
    }
    assert.deepEqual(asked, [
      ['GET', `${emulator.widgetUrl('turnstile')}?onload=../../issue/hcaptcha&render=../x`],
      ['POST', `${emulator.url}/__emulator/widget/turnstile`]
    ])
  })
})

describe('Emulator#widgetUrl', () => {
  it('is the emulator\'s script of each provider, and refuses any other name', async () => {
    for (const provider of ADAPTER_PROVIDERS) {
      const url = emulator.widgetUrl(provider)
      assert.equal(url, `${emulator.url}/widget/${provider}.js`)
      const response = await fetch(url)
      assert.equal(response.status, 200)
      assert.equal(response.headers.get('content-type'), 'text/javascript; charset=utf-8')
    }
    for (const other of ['altcha', '../issue/turnstile', undefined, 1]) {
      assert.throws(() => emulator.widgetUrl(other), TypeError)
    }
    assert.equal((await fetch(`${emulator.url}/widget/altcha.js`)).status, 404)
  })
})

