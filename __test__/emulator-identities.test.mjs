// `Emulator.identities`: the emulator's default credentials and the providers' test identities,
// written once in Rust (crates/emulator/src/identities.rs). Each answers what it says it does,
// the object is frozen and of this realm, and README documents the same values.
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { withEmulator } from './helpers.mjs'

const require = createRequire(import.meta.url)
const { Emulator, TrustCaptcha, validateToken, authorize } = require('../index.js')
const { PROVIDERS } = require('../lib/options.js')
const { trustcaptcha, swetrix, recaptcha, playtcha, turnstile, hcaptcha } = Emulator.identities

/** Every object in `value`, `value` included. */
function* objects (value) {
  if (value === null || typeof value !== 'object') return
  yield value
  for (const item of Object.values(value)) yield* objects(item)
}

describe('Emulator.identities', () => {
  it('names every provider, in the docs order, and nothing else', () => {
    assert.deepEqual(Object.keys(Emulator.identities), PROVIDERS)
  })

  it('is frozen through and through, made in this realm, and cannot be replaced', () => {
    for (const object of objects(Emulator.identities)) {
      assert.ok(Object.isFrozen(object))
      assert.ok(object instanceof Object)
    }
    assert.ok(Array.isArray(trustcaptcha.testVerifications) && trustcaptcha.testVerifications instanceof Array)
    assert.throws(() => { 'use strict'; Emulator.identities = {} }, TypeError)
    assert.equal(Emulator.identities, Emulator.identities)
  })

  it('holds the credentials an emulator accepts unless told otherwise (started with no options, or with {})', async () => {
    for (const options of [undefined, {}]) {
      await withEmulator(options, async (emulator) => {
        assert.deepEqual(emulator.credentials, {
          trustcaptchaApiKey: trustcaptcha.apiKey,
          swetrixSecret: swetrix.secret,
          recaptchaSecret: recaptcha.secretKey,
          playtchaSecret: playtcha.secret,
          turnstileSecret: turnstile.secret,
          hcaptchaSecret: hcaptcha.secret,
          hcaptchaSitekey: hcaptcha.sitekey,
          recaptchaEnterpriseApiKey: Emulator.identities['recaptcha-enterprise'].apiKey,
          recaptchaEnterpriseProjectId: Emulator.identities['recaptcha-enterprise'].projectId,
          recaptchaEnterpriseSiteKey: Emulator.identities['recaptcha-enterprise'].siteKey,
          friendlyCaptchaApiKey: Emulator.identities['friendly-captcha'].apiKey,
          friendlyCaptchaSitekey: Emulator.identities['friendly-captcha'].sitekey
        })
      })
    }
  })

  it('TrustCaptcha: each test verification and the invalid key answer what they say', async () => {
    await withEmulator({}, async (emulator) => {
      const get = (id, apiKey) => fetch(`${emulator.url}/v2/verifications/${id}/results`, { headers: { authorization: `Bearer ${apiKey}` } })
      for (const [n, test] of trustcaptcha.testVerifications.entries()) {
        assert.match(test.verificationId, new RegExp(`^00000000-0000-0000-0000-00000000000${n}$`))
        assert.equal(Buffer.from(test.token, 'base64').toString(), JSON.stringify({ verificationId: test.verificationId }))
        assert.equal((await get(test.verificationId, trustcaptcha.apiKey)).status, test.status, test.answers)
      }
      const finished = trustcaptcha.testVerifications[0]
      const result = await new TrustCaptcha({ apiKey: trustcaptcha.apiKey, apiHost: emulator.url }).getVerificationResult(finished.token)
      assert.equal(result.verificationPassed, true)
      const { invalidApiKey } = trustcaptcha
      assert.equal((await get(finished.verificationId, invalidApiKey.apiKey)).status, invalidApiKey.status)
    })
  })

  it('Swetrix: each test secret answers what it says, whatever the token', async () => {
    await withEmulator({}, async (emulator) => {
      const apiURL = emulator.url + '/v1/captcha'
      for (const [name, test] of Object.entries(swetrix.testSecrets)) {
        const response = await fetch(`${apiURL}/validate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: 'any', secret: test.secret }) })
        assert.equal(response.status, test.status, name)
      }
      assert.equal((await validateToken('any', swetrix.testSecrets.pass.secret, apiURL))[0], true)
      assert.equal((await validateToken(emulator.issue('swetrix'), swetrix.secret, apiURL))[0], true)
    })
  })

  it('reCAPTCHA and Playtcha: the test secret key passes any token; the default secrets verify issued tokens', async () => {
    await withEmulator({}, async (emulator) => {
      const siteverifyUrl = emulator.url + '/recaptcha/api/siteverify'
      const test = recaptcha.testSecretKey
      assert.equal((await authorize('any', { secretKey: test.secretKey, siteverifyUrl })).success, true)
      const verdict = await fetch(siteverifyUrl, { method: 'POST', body: new URLSearchParams({ secret: test.secretKey, response: 'any' }) })
      assert.equal(verdict.status, test.status)
      assert.equal((await verdict.json()).hostname, test.hostname)
      assert.equal((await authorize(emulator.issue('recaptcha'), { secretKey: recaptcha.secretKey, siteverifyUrl })).success, true)
      const redeemed = await fetch(`${emulator.url}/v1/verify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ secret: playtcha.secret, token: emulator.issue('playtcha') }) })
      assert.equal(redeemed.status, 200)
    })
  })

  it('Turnstile: each test secret answers what it says to the dummy token, and refuses any other; the default secret verifies issued tokens', async () => {
    await withEmulator({}, async (emulator) => {
      const siteverify = (fields) => fetch(`${emulator.url}/turnstile/v0/siteverify`, { method: 'POST', body: new URLSearchParams(fields) })
      for (const [name, test] of Object.entries(turnstile.testSecrets)) {
        const verdict = await siteverify({ secret: test.secret, response: turnstile.dummyToken })
        assert.equal(verdict.status, test.status, name)
        const json = await verdict.json()
        if (name === 'pass') {
          assert.deepEqual([json.success, json.hostname, json.metadata], [true, test.hostname, { result_with_testing_key: true }])
        } else {
          assert.deepEqual([json.success, json['error-codes']], [false, [test.answers]], name)
        }
        const real = await (await siteverify({ secret: test.secret, response: emulator.issue('turnstile') })).json()
        assert.deepEqual(real['error-codes'], ['invalid-input-secret'], `${name} refuses a real token`)
      }
      assert.equal(turnstile.dummyToken, 'XXXX.DUMMY.TOKEN.XXXX')
      for (const [name, test] of Object.entries(turnstile.testSitekeys)) {
        assert.match(test.sitekey, /^[123]x0{20}[A-F]{2}$/, name)
        assert.equal(typeof test.widget, 'string')
      }
      assert.equal((await (await siteverify({ secret: turnstile.secret, response: emulator.issue('turnstile') })).json()).success, true)
    })
  })

  it('hCaptcha: the test secret passes each test token as its set says, any number of times; the defaults verify issued tokens', async () => {
    await withEmulator({}, async (emulator) => {
      const siteverify = (fields) => fetch(`${emulator.url}/siteverify`, { method: 'POST', body: new URLSearchParams(fields) })
      for (const [name, keys] of Object.entries(hcaptcha.testKeys)) {
        for (let n = 0; n < 2; n++) {
          const verdict = await siteverify({ secret: hcaptcha.testSecret, response: keys.token, sitekey: keys.sitekey })
          assert.equal(verdict.status, keys.status, name)
          const json = await verdict.json()
          assert.deepEqual([json.success, json.hostname, json.score, json.score_reason], [true, keys.hostname, keys.score, keys.scoreReason], name)
        }
        assert.match(keys.answers, keys.score === undefined ? /^passes$/ : new RegExp(`^passes, score ${keys.score} `), name)
        const withOther = await (await siteverify({ secret: hcaptcha.secret, response: keys.token })).json()
        assert.deepEqual(withOther['error-codes'], ['not-using-dummy-passcode'], `${name} needs the test secret`)
      }
      const issued = await siteverify({ secret: hcaptcha.secret, response: emulator.issue('hcaptcha'), sitekey: hcaptcha.sitekey })
      assert.equal((await issued.json()).success, true)
    })
  })

  // README.md, section "The emulator", the table of providers (one row each, lines that start
  // `| TrustCaptcha |`, `| Swetrix |`, `| reCAPTCHA |`, `| Playtcha |`, `| Turnstile |`,
  // `| hCaptcha |`): the values it documents are these.
  it('README documents the same identities', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8').split('\n')
    const row = (name) => {
      const rows = readme.filter((line) => line.startsWith(`| ${name} |`) && line.includes('emulator.url'))
      assert.equal(rows.length, 1, `one emulator row for ${name}`)
      return rows[0]
    }
    const documents = (line, value) => assert.ok(line.includes(`\`${value}\``), `README's row does not give \`${value}\`: ${line}`)
    const trust = row('TrustCaptcha')
    documents(trust, trustcaptcha.apiKey)
    documents(trust, trustcaptcha.invalidApiKey.apiKey)
    assert.ok(trust.includes(`(${trustcaptcha.invalidApiKey.status})`))
    documents(trust, trustcaptcha.testVerifications[0].verificationId.slice(0, -1) + 'N')
    for (const [n, test] of trustcaptcha.testVerifications.entries()) {
      if (n > 0) assert.ok(trust.includes(`${n} ${test.answers}`), `README does not say id ${n} answers ${test.answers}`)
    }
    const swetrixRow = row('Swetrix')
    documents(swetrixRow, swetrix.secret)
    for (const test of Object.values(swetrix.testSecrets)) documents(swetrixRow, test.secret)
    const recaptchaRow = row('reCAPTCHA')
    documents(recaptchaRow, recaptcha.secretKey)
    documents(recaptchaRow, recaptcha.testSecretKey.secretKey)
    documents(recaptchaRow, recaptcha.testSecretKey.hostname)
    documents(row('Playtcha'), playtcha.secret)
    const turnstileRow = row('Turnstile')
    documents(turnstileRow, turnstile.secret)
    documents(turnstileRow, turnstile.dummyToken)
    for (const test of Object.values(turnstile.testSecrets)) documents(turnstileRow, test.secret)
    for (const test of Object.values(turnstile.testSitekeys)) documents(turnstileRow, test.sitekey)
    const hcaptchaRow = row('hCaptcha')
    documents(hcaptchaRow, hcaptcha.secret)
    documents(hcaptchaRow, hcaptcha.sitekey)
    documents(hcaptchaRow, hcaptcha.testSecret)
    for (const keys of Object.values(hcaptcha.testKeys)) {
      documents(hcaptchaRow, keys.sitekey)
      documents(hcaptchaRow, keys.token)
    }
    documents(hcaptchaRow, hcaptcha.testKeys.publisher.hostname)
  })
})
