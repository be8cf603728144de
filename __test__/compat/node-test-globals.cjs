'use strict'
// Jest's globals for the runners that have none of their own (node:test, and Deno, whose
// node:test runs under `deno test`): node:test's suites and hooks under Jest's names, `each`,
// and Jest's own `expect` package.
const nodeTest = require('node:test')
const { expect } = require('expect')

/** `%s`, `%d`, `%i`, `%p` and `%j` in a title, filled from the row, as Jest does. */
function title (name, row) {
  let next = 0
  return name.replace(/%[sdipj]/g, () => String(row[next++]))
}

/** A node:test function with Jest's `each(table)(name, fn)`. */
function withEach (register) {
  const define = (name, fn) => register(name, fn)
  define.each = (table) => (name, fn) => {
    for (const row of table) {
      const args = Array.isArray(row) ? row : [row]
      register(title(name, args), () => fn(...args))
    }
  }
  define.skip = (name, fn) => register(name, { skip: true }, fn)
  return define
}

Object.assign(globalThis, {
  describe: withEach(nodeTest.describe),
  it: withEach(nodeTest.it),
  test: withEach(nodeTest.test),
  beforeAll: nodeTest.before,
  afterAll: nodeTest.after,
  beforeEach: nodeTest.beforeEach,
  afterEach: nodeTest.afterEach,
  expect
})
