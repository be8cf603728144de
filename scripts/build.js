#!/usr/bin/env node
'use strict'
// `npm run build`: the release build of the addon. On Linux x64 with zig and cargo-zigbuild at
// hand (`.ci/run` installs both, from PyPI and crates.io), the binary is linked against glibc
// 2.17, the floor the published package promises; anywhere else it is a native build for this
// machine. `target/glibc-floor` records which, for the test that checks the floor.
const { spawnSync } = require('node:child_process')
const { mkdirSync, rmSync, writeFileSync } = require('node:fs')
const { delimiter, dirname, join } = require('node:path')

const root = join(__dirname, '..')
const GLIBC_FLOOR = '2.17'
const marker = join(root, 'target', 'glibc-floor')

/** Runs a command quietly; true when it exits 0. */
function works (command, args, env = process.env) {
  const run = spawnSync(command, args, { env, stdio: 'ignore', shell: false })
  return run.status === 0
}

/**
 * PATH with zig on it, as installed or from the `ziglang` PyPI package, and with Python's
 * scripts folder (where the `cargo-zigbuild` wheel puts its command). Undefined without zig.
 */
function pathWithZig () {
  const python = spawnSync('python3', ['-c', [
    'import os, sysconfig',
    'try:\n import ziglang; print(os.path.dirname(ziglang.__file__))\nexcept ImportError: print()',
    "print(sysconfig.get_path('scripts'))"
  ].join('\n')], { encoding: 'utf8' })
  const extra = python.status === 0 ? python.stdout.split('\n').map((line) => line.trim()).filter(Boolean) : []
  const path = [...extra, process.env.PATH].join(delimiter)
  return works('zig', ['version'], { ...process.env, PATH: path }) ? path : undefined
}

// The addon is the workspace's napi crate; its files land in the package root.
const args = ['build', '--manifest-path', 'crates/napi/Cargo.toml', '--output-dir', '.', '--platform', '--release', '--js', 'binding.js', '--dts', 'binding.d.ts', ...process.argv.slice(2)]
let env = process.env
let floor
if (process.platform === 'linux' && process.arch === 'x64' && !process.argv.some((arg) => arg === '-t' || arg === '--target' || arg.startsWith('--target='))) {
  const path = pathWithZig()
  if (path && works('cargo-zigbuild', ['--version'], { ...process.env, PATH: path })) {
    env = { ...process.env, PATH: path }
    floor = GLIBC_FLOOR
    args.push('--target', `x86_64-unknown-linux-gnu.${GLIBC_FLOOR}`, '--cross-compile')
  }
}
console.log(floor
  ? `captcha-native: building for glibc ${floor} and newer (zig, cargo-zigbuild)`
  : 'captcha-native: native build for this machine (zig and cargo-zigbuild not found)')
const cli = join(dirname(require.resolve('@napi-rs/cli/package.json')), 'dist', 'cli.js')
const build = spawnSync(process.execPath, [cli, ...args], { cwd: root, env, stdio: 'inherit' })
if (build.status === 0) {
  mkdirSync(dirname(marker), { recursive: true })
  if (floor) writeFileSync(marker, `${floor}\n`)
  else rmSync(marker, { force: true })
}
process.exit(build.status ?? 1)
