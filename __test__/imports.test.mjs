// Every way a project imports the package: require, ESM named and default imports, and the
// subpaths, all resolved by the package's own name (package.json "exports"), all one module.
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { readFileSync } from 'node:fs'
import * as esmRoot from 'captcha-native'
import esmDefault, { TrustCaptcha, authorize, validateToken, Playtcha, Emulator } from 'captcha-native'
import wixCaptcha, { authorize as wixAuthorize, RecaptchaError } from 'captcha-native/wix'
import { TrustCaptcha as SubTrustCaptcha, ServerUnreachableException, FailoverException } from 'captcha-native/trustcaptcha'
import { validateToken as subValidateToken } from 'captcha-native/swetrix'
import { Playtcha as SubPlaytcha, PlaytchaUnavailableError } from 'captcha-native/playtcha'
import { Emulator as TestingEmulator } from 'captcha-native/testing'
import { Turnstile as SubTurnstile, TurnstileUnavailableError } from 'captcha-native/turnstile'
import { verify as hcaptchaVerify, HCaptcha as SubHCaptcha, configureHcaptcha } from 'captcha-native/hcaptcha'
import { Recaptcha as SubRecaptcha } from 'captcha-native/recaptcha'
import { requireCaptcha, verifyRequest } from 'captcha-native/middleware'

const require = createRequire(import.meta.url)
const cjs = require('captcha-native')

describe('import styles', () => {
  it('require, ESM named imports and the ESM default are the same module', () => {
    assert.equal(esmDefault, cjs)
    for (const name of Object.keys(cjs)) assert.equal(esmRoot[name], cjs[name], name)
    assert.deepEqual([TrustCaptcha, authorize, validateToken, Playtcha, Emulator],
      [cjs.TrustCaptcha, cjs.authorize, cjs.validateToken, cjs.Playtcha, cjs.Emulator])
    assert.equal(cjs.default.authorize, authorize, 'TypeScript\'s default import without esModuleInterop')
  })

  it('subpaths give the same classes and functions as the root, from ESM and require', () => {
    assert.equal(wixCaptcha.authorize, authorize)
    assert.equal(wixAuthorize, authorize)
    assert.equal(RecaptchaError, cjs.RecaptchaError)
    assert.equal(SubTrustCaptcha, TrustCaptcha)
    assert.equal(subValidateToken, validateToken)
    assert.equal(SubPlaytcha, Playtcha)
    assert.equal(TestingEmulator, Emulator)
    assert.ok(new ServerUnreachableException() instanceof FailoverException)
    assert.ok(Object.create(PlaytchaUnavailableError.prototype) instanceof cjs.FailoverException)
    assert.deepEqual([SubTurnstile, SubHCaptcha, SubRecaptcha, configureHcaptcha], [cjs.Turnstile, cjs.HCaptcha, cjs.Recaptcha, cjs.configureHcaptcha])
    assert.ok(Object.create(TurnstileUnavailableError.prototype) instanceof cjs.FailoverException)
    for (const subpath of ['trustcaptcha', 'swetrix', 'wix', 'playtcha', 'testing', 'turnstile', 'hcaptcha', 'recaptcha']) {
      const module = require(`captcha-native/${subpath}`)
      for (const [name, value] of Object.entries(module)) {
        // The hcaptcha package's `verify` lives only in its subpath: at the root it would be ambiguous.
        if (subpath === 'hcaptcha' && name === 'verify') continue
        assert.equal(value, cjs[name], `${subpath}: ${name}`)
      }
    }
    assert.equal(require('captcha-native/hcaptcha').verify, hcaptchaVerify)
    assert.equal(typeof hcaptchaVerify, 'function')
    assert.equal(cjs.verify, undefined)
    assert.equal(require('captcha-native/wix').default.authorize, authorize)
    assert.equal(require('captcha-native/middleware').requireCaptcha, requireCaptcha)
    assert.equal(typeof verifyRequest, 'function')
  })

  it('each subpath holds only its provider', () => {
    assert.equal(require('captcha-native/swetrix').TrustCaptcha, undefined)
    assert.equal(require('captcha-native/trustcaptcha').authorize, undefined)
    assert.deepEqual(Object.keys(require('captcha-native/testing')), ['Emulator'])
    assert.equal(require('captcha-native/turnstile').HCaptcha, undefined)
    assert.equal(require('captcha-native/hcaptcha').Turnstile, undefined)
    assert.equal(require('captcha-native/recaptcha').authorize, undefined)
  })

  it('the framework adapters give the middleware\'s error class, and nothing of the frameworks is loaded', () => {
    const fastify = require('captcha-native/fastify')
    assert.deepEqual(Object.keys(fastify).sort(), ['CaptchaConfigurationError', 'captchaPlugin', 'captchaPreHandler'])
    assert.equal(fastify.CaptchaConfigurationError, require('captcha-native/middleware').CaptchaConfigurationError)
    const koa = require('captcha-native/koa')
    assert.deepEqual(Object.keys(koa).sort(), ['CaptchaConfigurationError', 'captcha'])
    assert.equal(koa.CaptchaConfigurationError, fastify.CaptchaConfigurationError)
    assert.ok(!Object.keys(require.cache).some((file) => /node_modules[\\/](fastify|koa)[\\/]/.test(file)))
  })

  it('every name of the TrustCaptcha SDK is exported at runtime, from the root and its subpath', () => {
    const names = ['TrustCaptcha', 'ApiKeyInvalidException', 'VerificationTokenInvalidException',
      'VerificationNotFoundException', 'VerificationNotFinishedException', 'VerificationResultExpiredException',
      'VerificationResultRetrievalLimitReachedException', 'FailoverException', 'ServerUnreachableException',
      'ClientReportedServerUnreachableException', 'VerificationToken', 'VerificationResult']
    const root = require('../index.js')
    const subpath = require('captcha-native/trustcaptcha')
    for (const name of names) {
      assert.equal(typeof root[name], 'function', `index.js: ${name}`)
      assert.equal(subpath[name], root[name], `captcha-native/trustcaptcha: ${name}`)
    }
    const token = new subpath.VerificationToken('id')
    assert.deepEqual([token.verificationId, token.expiresAt, token.clientFailover], ['id', undefined, false])
  })

  it('internals are not importable: only the documented entry points are', () => {
    for (const hidden of ['captcha-native/binding.js', 'captcha-native/index.js', 'captcha-native/src/lib.rs']) {
      assert.throws(() => require(hidden), { code: 'ERR_PACKAGE_PATH_NOT_EXPORTED' }, hidden)
    }
    assert.equal(require('captcha-native/package.json').name, 'captcha-native')
  })

  it('the generated loader expects the binary packages of this version', () => {
    const loader = readFileSync(new URL('../binding.js', import.meta.url), 'utf8')
    const expected = [...new Set([...loader.matchAll(/bindingPackageVersion !== '([^']+)'/g)].map((m) => m[1]))]
    assert.deepEqual(expected, [require('captcha-native/package.json').version], 'rebuild after a version bump: npm run build')
  })

  it('the imported classes work end to end', async () => {
    const emulator = await TestingEmulator.start()
    try {
      const token = emulator.issue('trustcaptcha')
      const client = new SubTrustCaptcha({ apiKey: emulator.credentials.trustcaptchaApiKey, apiHost: emulator.url })
      assert.equal((await client.getVerificationResult(token)).verificationPassed, true)
    } finally {
      await emulator.close()
    }
  })
})
