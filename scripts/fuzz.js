#!/usr/bin/env node
'use strict'
// `npm run fuzz`: the property tests over hostile input (the `fuzz` modules of the Rust code),
// with many more cases than `cargo test` runs: PROPTEST_CASES (default 100000) per property.
// Extra arguments go to cargo, e.g. `npm run fuzz -- playtcha`.
const { spawnSync } = require('node:child_process')

const cases = process.env.PROPTEST_CASES || '100000'
const filter = process.argv[2] || 'fuzz'
console.log(`captcha-native: ${cases} cases per property (PROPTEST_CASES), tests matching "${filter}"`)
const run = spawnSync('cargo', ['test', '--release', '--lib', filter], {
  stdio: 'inherit',
  env: { ...process.env, PROPTEST_CASES: cases }
})
process.exit(run.status ?? 1)
