// The linux-x64-gnu binary loads on glibc 2.17 and newer: no symbol it imports may need a newer
// glibc. `npm run build` targets that floor when zig and cargo-zigbuild are at hand (.ci/run
// installs them and requires this test); a native build elsewhere skips it.
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const BINARY = `${ROOT}captcha-native.linux-x64-gnu.node`
const MARKER = `${ROOT}target/glibc-floor`
const FLOOR = '2.17'
const required = process.env.CAPTCHA_NATIVE_REQUIRE_GLIBC_FLOOR === '1'
const floorBuild = existsSync(MARKER) && readFileSync(MARKER, 'utf8').trim() === FLOOR
const skip = !required && (process.platform !== 'linux' || process.arch !== 'x64' || !floorBuild) &&
  'a native build for this machine: the floor holds for builds made with zig (see .ci/run)'

/** Whether glibc version `a` is newer than `b`, part by part (2.17 is newer than 2.3). */
function newer (a, b) {
  const [x, y] = [a, b].map((v) => v.split('.').map(Number))
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) > (y[i] ?? 0)
  }
  return false
}

describe('glibc floor', { skip }, () => {
  it(`the build targeted glibc ${FLOOR}`, () => {
    assert.ok(floorBuild, 'npm run build did not target the glibc floor: are zig and cargo-zigbuild installed?')
  })

  it(`no dynamic symbol of the binary needs a glibc newer than ${FLOOR} (objdump -T)`, () => {
    const symbols = execFileSync('objdump', ['-T', BINARY], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
    const versions = [...new Set([...symbols.matchAll(/GLIBC_(\d+(?:\.\d+)+)/g)].map((m) => m[1]))]
    assert.ok(versions.length > 0, 'the binary imports glibc symbols, so the check sees them')
    const tooNew = versions.filter((v) => newer(v, FLOOR))
    assert.deepEqual(tooNew, [], `symbols need glibc ${tooNew.join(', ')}`)
    assert.ok(newer('2.17', '2.3') && !newer('2.3', FLOOR) && newer('2.34', FLOOR), 'versions compare numerically')
  })
})
