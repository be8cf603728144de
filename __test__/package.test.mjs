// The package as users get it: `npm pack` the root and the linux-x64-gnu binary package, install
// both tarballs into a fresh project with no Rust toolchain on PATH and no registry, then use it
// from CommonJS and ESM, under its own name and under the original packages' names (npm aliases).
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { BINARY, PACKABLE, npmIn, packPackages } from './pack.mjs'

// Node and npm, and nothing else: no cargo, no rustc, no C compiler wrappers from ~/.cargo/bin.
const PATH = [dirname(process.execPath), '/usr/bin', '/bin'].join(':')
const NO_REGISTRY = ['--offline', '--no-audit', '--no-fund', '--registry', 'http://127.0.0.1:9/']

let work
let rootTarball
let binaryTarball

function npm (args, cwd) {
  return npmIn({ PATH, npm_config_cache: join(work, 'cache') })(args, cwd)
}

function tarList (tarball) {
  return execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).trim().split('\n').sort()
}

/** A fresh project in `work` with these dependencies, installed offline. */
function project (name, dependencies) {
  const dir = join(work, name)
  cpSync(join(work, 'empty'), dir, { recursive: true })
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, version: '1.0.0', private: true, dependencies }))
  npm(['install', ...NO_REGISTRY], dir)
  return dir
}

function node (dir, file, source) {
  writeFileSync(join(dir, file), source)
  return execFileSync(process.execPath, [file], { cwd: dir, env: { ...process.env, PATH }, encoding: 'utf8' }).trim()
}

describe('the packed package', { skip: !PACKABLE && 'needs the linux-x64-gnu build' }, () => {
  before(() => {
    work = mkdtempSync(join(tmpdir(), 'captcha-native-pack-'))
    execFileSync('mkdir', ['-p', join(work, 'empty')]);
    ({ rootTarball, binaryTarball } = packPackages(work, npm))
  })
  after(() => rmSync(work, { recursive: true, force: true }))

  it('holds only what users need: no sources, no build output, no binary in the root', () => {
    const files = tarList(rootTarball)
    assert.deepEqual(files.filter((f) => !/^package\/(subpath|lib|docs)\//.test(f)), [
      'package/CHANGELOG.md', 'package/LICENSE', 'package/README.md', 'package/bin/captcha-native.js',
      'package/binding.d.ts', 'package/binding.js', 'package/index.d.ts', 'package/index.js', 'package/package.json'
    ])
    // lib/ whole (the facades and concerns), and each subpath entry with its types.
    const lib = readdirSync(new URL('../lib/', import.meta.url)).map((f) => `package/lib/${f}`).sort()
    assert.deepEqual(files.filter((f) => f.startsWith('package/lib/')), lib)
    assert.ok(lib.includes('package/lib/trustcaptcha.js') && lib.includes('package/lib/middleware.js'))
    // The docs the README links to, and nothing else under docs/.
    assert.ok(files.includes('package/docs/architecture.md') && files.includes('package/docs/providers/trustcaptcha.md'))
    assert.ok(files.filter((f) => f.startsWith('package/docs/')).every((f) => f.endsWith('.md')))
    for (const entry of ['wix', 'middleware', 'testing', 'turnstile', 'hcaptcha', 'recaptcha', 'fastify', 'koa']) {
      assert.ok(files.includes(`package/subpath/${entry}.js`) && files.includes(`package/subpath/${entry}.d.ts`), entry)
    }
    assert.ok(!files.some((f) => /\/(src|target|__test__|node_modules)\/|\.node$|Cargo/.test(f)))
    assert.deepEqual(tarList(binaryTarball).filter((f) => !f.endsWith('README.md')), [`package/${BINARY}`, 'package/package.json'])
  })

  it('installs offline with no Rust toolchain, and verifies from CommonJS and ESM', () => {
    assert.throws(() => execFileSync('cargo', ['--version'], { env: { PATH }, stdio: 'ignore' }), 'cargo must not be on PATH')
    const dir = project('app', { 'captcha-native': `file:${rootTarball}`, 'captcha-native-linux-x64-gnu': `file:${binaryTarball}` })
    assert.ok(!existsSync(join(dir, 'node_modules', 'captcha-native', 'src')))
    assert.equal(JSON.parse(readFileSync(join(dir, 'node_modules', 'captcha-native', 'package.json'), 'utf8')).scripts?.install, undefined,
      'no install script runs in a user\'s project')
    const verify = (load) => `
      ${load}
      const emulator = await Emulator.start()
      const client = new TrustCaptcha({ apiKey: emulator.credentials.trustcaptchaApiKey, apiHost: emulator.url })
      const result = await client.getVerificationResult(emulator.issue('trustcaptcha'))
      await emulator.close()
      console.log(result.verificationPassed)`
    assert.equal(node(dir, 'app.cjs', `(async () => { ${verify("const { TrustCaptcha, Emulator } = require('captcha-native')")} })()`), 'true')
    assert.equal(node(dir, 'app.mjs', verify("import { TrustCaptcha } from 'captcha-native/trustcaptcha'\nimport { Emulator } from 'captcha-native/testing'")), 'true')
  })

  it('works as a drop-in under the original names (npm aliases), with unchanged user code', () => {
    const dir = project('aliased', {
      '@trustcomponent/trustcaptcha-nodejs': `file:${rootTarball}`,
      '@swetrix/captcha-validator': `file:${rootTarball}`,
      'wix-captcha-backend': `file:${rootTarball}`,
      'captcha-native': `file:${rootTarball}`,
      'captcha-native-linux-x64-gnu': `file:${binaryTarball}`
    })
    const out = node(dir, 'app.mjs', `
      import { TrustCaptcha, FailoverException } from '@trustcomponent/trustcaptcha-nodejs'
      import { validateToken } from '@swetrix/captcha-validator'
      import wixCaptcha from 'wix-captcha-backend'
      import { Emulator } from 'captcha-native/testing'
      const emulator = await Emulator.start()
      const { url, credentials } = emulator
      const trust = await new TrustCaptcha({ apiKey: credentials.trustcaptchaApiKey, apiHost: url }).getVerificationResult(emulator.issue('trustcaptcha'))
      const [swetrix] = await validateToken(emulator.issue('swetrix'), credentials.swetrixSecret, url + '/v1/captcha')
      process.env.RECAPTCHA_SECRET_KEY = credentials.recaptchaSecret
      const wix = await wixCaptcha.authorize(emulator.issue('recaptcha'), { siteverifyUrl: url + '/recaptcha/api/siteverify' })
        .then((report) => report.success, (error) => error.error)
      await emulator.close()
      console.log(JSON.stringify([trust.verificationPassed, swetrix, wix, typeof FailoverException]))`)
    assert.deepEqual(JSON.parse(out), [true, true, true, 'function'])
  })
})
