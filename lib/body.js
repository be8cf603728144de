'use strict'
// The request body, for the middleware: read it when no body parser has (at most BODY_LIMIT
// bytes, within a deadline), parse it by its media type, and find the CAPTCHA token in it.

const { isUint8Array, utf8 } = require('./realm.js')

const BODY_LIMIT = 64 * 1024

function mediaType (headers) {
  const value = headers && typeof headers === 'object' ? headers['content-type'] ?? headers['Content-Type'] : undefined
  return typeof value === 'string' ? value.split(';')[0].trim().toLowerCase() : ''
}

function isJsonType (type) {
  return type === 'application/json' || /^application\/[^/]+\+json$/.test(type)
}

function isFormType (type) {
  return type === 'application/x-www-form-urlencoded' || type === 'multipart/form-data'
}

/**
 * A form's fields as the middleware reads them: the first text value of each name, of a form's
 * entries (URLSearchParams, or a FormData, whose files are not text).
 */
function formFields (entries) {
  const fields = Object.create(null)
  for (const [name, value] of entries) {
    if (typeof value === 'string' && !(name in fields)) fields[name] = value
  }
  return fields
}

/** Parses a raw body by its media type; what cannot be parsed has no fields. */
function parseBody (text, type) {
  if (type === 'application/x-www-form-urlencoded') return formFields(new URLSearchParams(text))
  if (isJsonType(type)) {
    try {
      return JSON.parse(text)
    } catch {
      return undefined
    }
  }
  return undefined
}

/** Whether a Content-Length header says more than BODY_LIMIT bytes: refused before reading any. */
function declaresTooLarge (contentLength) {
  const declared = Number(contentLength)
  return Number.isFinite(declared) && declared > BODY_LIMIT
}

function isStream (value) {
  return value !== null && typeof value === 'object' && typeof value.on === 'function' &&
    typeof value.removeListener === 'function' && typeof value.resume === 'function'
}

/**
 * Reads an unparsed body: at most BODY_LIMIT bytes, within `timeoutMs`. Resolves
 * `{ text }`, `{ tooLarge: true }`, or `{ error }` when it did not arrive whole.
 */
function readStream (stream, headers, timeoutMs) {
  if (stream.readableEnded || (stream.complete === true && stream.readable === false)) return Promise.resolve({ text: '' })
  if (declaresTooLarge(headers?.['content-length'])) {
    stream.resume() // discard it; the answer closes the connection
    return Promise.resolve({ tooLarge: true })
  }
  return new Promise((resolve) => {
    const chunks = []
    let size = 0
    const finish = (value) => {
      clearTimeout(timer)
      stream.removeListener('data', onData)
      stream.removeListener('end', onEnd)
      stream.removeListener('error', onError)
      stream.removeListener('aborted', onAborted)
      stream.removeListener('close', onClose)
      if (!value.text && value.text !== '') stream.resume()
      resolve(value)
    }
    const onData = (chunk) => {
      size += chunk.length
      if (size > BODY_LIMIT) finish({ tooLarge: true })
      else chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk)
    }
    const onEnd = () => finish({ text: Buffer.concat(chunks).toString('utf8') })
    const onError = (error) => finish({ error })
    const onAborted = () => finish({ error: new Error('the client aborted the request body') })
    const onClose = () => finish({ error: new Error('the connection closed before the request body arrived') })
    const timer = setTimeout(() => finish({ error: new Error(`the request body did not arrive within ${timeoutMs} ms`) }), timeoutMs)
    stream.on('data', onData)
    stream.on('end', onEnd)
    stream.on('error', onError)
    stream.on('aborted', onAborted)
    stream.on('close', onClose)
    stream.resume()
  })
}

/** The request's fields and media type: from a parsed body, a raw one, or the stream itself. */
async function bodyOf (request, timeoutMs) {
  let { body, headers } = request
  // Koa's ctx.request without a body parser: the Node request is `req`.
  let stream = request
  if (body === undefined && !isStream(request) && isStream(request.req)) {
    stream = request.req
    headers = headers ?? stream.headers
  }
  const type = mediaType(headers)
  if (body === undefined || body === null) {
    if (body === undefined && isStream(stream)) {
      const read = await readStream(stream, headers, timeoutMs)
      if (read.text === undefined) return { ...read, type }
      return { fields: parseBody(read.text, type), type }
    }
    return { fields: undefined, type }
  }
  if (typeof body === 'string' || isUint8Array(body)) {
    if (Buffer.byteLength(body) > BODY_LIMIT) return { tooLarge: true, type }
    return { fields: parseBody(typeof body === 'string' ? body : utf8(body), type), type }
  }
  return { fields: body, type }
}

function ownString (fields, name) {
  if (fields === null || typeof fields !== 'object' || !Object.prototype.hasOwnProperty.call(fields, name)) return undefined
  const value = fields[name]
  return typeof value === 'string' && value !== '' ? value : undefined
}

/**
 * The provider's field (the first of `field`'s that is set, when it is a list), else `token`
 * unless the body is a form (a form's `token` is often CSRF's).
 */
function findToken (fields, field, type) {
  const found = Array.isArray(field) ? firstOwnString(fields, field) : ownString(fields, field)
  return found ?? (isFormType(type) ? undefined : ownString(fields, 'token'))
}

function firstOwnString (fields, names) {
  for (const name of names) {
    const value = ownString(fields, name)
    if (value !== undefined) return value
  }
  return undefined
}

module.exports = {
  BODY_LIMIT, bodyOf, findToken,
  // For the Web Request reader (lib/web.js) and lib/hono.js.
  mediaType, parseBody, formFields, declaresTooLarge
}
