// Every README block marked `<!-- runnable -->` runs as an ES module, with 'captcha-native'
// pointing at this checkout; its own assertions say what a reader is promised.
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const README = readFileSync(new URL('../README.md', import.meta.url), 'utf8')
const blocks = [...README.matchAll(/<!-- runnable -->\n```js\n([\s\S]*?)```/g)].map((match) => match[1])

function run (source) {
  const dir = mkdtempSync(join(tmpdir(), 'captcha-native-readme-'))
  const file = join(dir, 'example.mjs')
  // The block runs from a temporary directory: each package it imports (captcha-native and its
  // subpaths included) is resolved from this checkout, as the block's reader resolves it.
  writeFileSync(file, source.replace(/from '([^'.\/][^']*)'/g, (whole, name) =>
    name.startsWith('node:') ? whole : `from '${import.meta.resolve(name)}'`))
  return new Promise((resolve) => {
    execFile(process.execPath, [file], { timeout: 30_000 }, (error, stdout, stderr) => {
      rmSync(dir, { recursive: true, force: true })
      resolve({ code: error ? error.code ?? 1 : 0, stderr })
    })
  })
}

describe('README examples', () => {
  it('there is a runnable example for each provider and for the error family', () => {
    assert.ok(blocks.length >= 4, `${blocks.length} runnable blocks`)
  })
  for (const [n, source] of blocks.entries()) {
    const title = source.split('\n').find((line) => line.includes("from 'captcha-native'"))
    it(`block ${n + 1}: ${title}`, async () => {
      const { code, stderr } = await run(source)
      assert.equal(code, 0, stderr)
    })
  }
})

describe('README statements the provider docs require', () => {
  const section = (title) => README.split(/^## /m).find((part) => part.startsWith(`${title}\n`))

  it('a "Differences from the JS SDKs" section lists the TrustCaptcha fixes', () => {
    const differences = section('Differences from the JS SDKs')
    assert.ok(differences, 'no "## Differences from the JS SDKs" section')
    assert.match(differences, /`connectTimeoutMs` is enforced as a connect timeout/)
    assert.match(differences, /`apiHost` does not produce `\/\/v2`/)
    assert.match(differences, /exactly a 36-character UUID/)
    assert.match(differences, /The API key is trimmed/)
    assert.match(differences, /static shortcut and equal configurations share one connection pool/)
    assert.match(differences, /non-string token reject with one of the three\s+token messages/)
    assert.match(differences, /unexpected status carries `status`/)
  })

  it('the same section lists the Swetrix fixes', () => {
    const differences = section('Differences from the JS SDKs')
    assert.match(differences, /JSON `null` body resolves `\[false, 'CAPTCHA validation failed'\]`/)
    assert.match(differences, /default timeout of 10 000 ms/)
    assert.match(differences, /`HTTPS:\/\/` in any case/)
    assert.match(differences, /TypeError: Invalid URL/)
    assert.match(differences, /Connections are pooled across calls/)
  })

  it('says that version 1.0.0 of the Swetrix package used api.swetrix.com', () => {
    assert.match(README, /1\.0\.0 on npm still used\s+`https:\/\/api\.swetrix\.com\/v1\/captcha`/)
  })

  it('warns that a reCAPTCHA retry can come back timeout-or-duplicate', () => {
    assert.match(README, /a retry after an attempt that did\s+reach Google[^.]*can come back `timeout-or-duplicate`/)
  })

  it('says why the hcaptcha package has no npm-alias install, and lists its differences', () => {
    assert.match(README, /There is no npm-alias\s+install for this one/)
    const differences = section('Differences from the JS SDKs')
    assert.match(differences, /hCaptcha \(`verify` of `captcha-native\/hcaptcha`/)
    assert.match(differences, /`https:\/\/api\.hcaptcha\.com\/siteverify` \(the package\s+posts to `https:\/\/hcaptcha\.com\/siteverify`\)/)
  })
})
