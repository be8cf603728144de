'use strict'
// Deno's entry: `deno test` runs node:test suites, so the spec runs with the same globals as
// under node:test.
require('./node-test-globals.cjs')
require('./drop-in.spec.js')
