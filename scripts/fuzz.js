#!/usr/bin/env node
'use strict'
// `npm run fuzz`: the property tests over hostile input (the `fuzz` modules of the Rust code),
// with many more cases than `cargo test` runs: PROPTEST_CASES (default 100000) per property.
// Extra arguments go to `cargo test`, e.g. `npm run fuzz -- playtcha -- --nocapture`; the first
// that is not a flag (before any `--`) filters the tests, and `fuzz` is the filter when none is.
const { spawnSync } = require('node:child_process')

const cases = process.env.PROPTEST_CASES || '100000'
const extra = process.argv.slice(2)
const end = extra.includes('--') ? extra.indexOf('--') : extra.length
const filter = extra.slice(0, end).find((arg) => !arg.startsWith('-'))
const args = filter === undefined ? ['fuzz', ...extra] : extra
console.log(`captcha-native: ${cases} cases per property (PROPTEST_CASES), tests matching "${filter ?? 'fuzz'}"`)
const run = spawnSync('cargo', ['test', '--release', '--workspace', '--lib', ...args], {
  stdio: 'inherit',
  env: { ...process.env, PROPTEST_CASES: cases }
})
process.exit(run.status ?? 1)
