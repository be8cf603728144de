'use strict'
// Internal. Values that cross realms. Jest (its default environment) and Vitest's vmThreads and
// vmForks pools run each test file in a VM context of its own, with its own `Error`, `Object`
// and `Uint8Array`, and evaluate this package there; the addon itself lives in the main realm,
// so everything native code makes (errors, objects, arrays) belongs to the main realm, and so do
// the Buffers Node's own modules make. `instanceof` across realms is false, so nothing here
// asks it of a value that crossed: these checks ask the value's internal slots instead.

const { types } = require('node:util')

/** An Error (or subclass) instance of any realm. */
function isError (value) {
  return types.isNativeError(value) || value instanceof Error
}

/** The UTF-8 text of a Uint8Array of any realm. */
function utf8 (bytes) {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')
}

/**
 * A copy of plain data (objects, arrays, primitives) made in this realm, so that a test's
 * `toStrictEqual`, `instanceof Object` and prototype checks hold for what native code returned.
 * Keys are copied as they are, an `undefined` value included.
 */
function adopt (value) {
  if (value === null || typeof value !== 'object') return value
  if (Array.isArray(value)) return Array.from(value, adopt)
  const copy = {}
  for (const key of Object.keys(value)) copy[key] = adopt(value[key])
  return copy
}

const BRANDS = Symbol.for('captcha-native.brands')

/**
 * Makes `value instanceof Class` true for an instance of `Class` made by any copy of this package
 * in any realm: a test file's VM context, or a second installed copy (an npm alias such as
 * `@trustcomponent/trustcaptcha-nodejs` beside `captcha-native` is one). Instances carry their
 * classes' names under a `Symbol.for` key, which every realm shares; a user's own subclass keeps
 * the ordinary `instanceof`.
 */
function branded (Class) {
  const inherited = Object.getPrototypeOf(Class.prototype)[BRANDS] ?? []
  Object.defineProperty(Class.prototype, BRANDS, { value: Object.freeze([...inherited, Class.name]) })
  Object.defineProperty(Class, Symbol.hasInstance, { value: hasBrand, configurable: true })
  return Class
}

function hasBrand (value) {
  if (Function.prototype[Symbol.hasInstance].call(this, value)) return true
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return false
  if (!Object.prototype.hasOwnProperty.call(this.prototype, BRANDS)) return false
  try {
    const brands = value[BRANDS]
    return Array.isArray(brands) && brands.includes(this.name)
  } catch {
    return false // a Proxy whose getter throws is nobody's instance
  }
}

module.exports = {
  isError,
  /** A Uint8Array (a Buffer included) of any realm. */
  isUint8Array: types.isUint8Array,
  utf8,
  adopt,
  branded
}
