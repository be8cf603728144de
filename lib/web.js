'use strict'
// The request of a framework built on Web Requests (Hono, Next.js), for the middleware's check
// (lib/middleware.js `verifyWith`): the body read from a clone, so the handler can still read the
// request's own, at most BODY_LIMIT bytes within the same deadline as a Node request's; and the
// client's address and User-Agent, the address from X-Forwarded-For only when `trustProxy` says
// the app sits behind proxies that set it.

const { isIP } = require('node:net')
const { BODY_LIMIT, mediaType, parseBody, formFields, declaresTooLarge } = require('./body.js')

/** Splits the Web adapters' own option (`trustProxy`) from the middleware's, which createVerifier checks. */
function webOptions (options) {
  if (options === null || typeof options !== 'object') throw new TypeError('options must be an object')
  const { trustProxy = false, ...rest } = options
  if (!(typeof trustProxy === 'boolean' || (Number.isInteger(trustProxy) && trustProxy >= 0))) {
    throw new TypeError('trustProxy must be a boolean or the number of proxies in front of the app')
  }
  return { trustProxy, options: rest }
}

/** The media type of a Web Request (or anything with `headers.get`). */
function typeOf (headers) {
  return mediaType({ 'content-type': headers.get('content-type') ?? undefined })
}

/** Parses body bytes by the request's content type; what cannot be parsed has no fields. */
async function fieldsOf (bytes, contentType, type) {
  if (type === 'multipart/form-data') {
    try {
      // The platform's own multipart parser, given the boundary the request declared.
      return formFields(await new Response(bytes, { headers: { 'content-type': contentType } }).formData())
    } catch {
      return undefined
    }
  }
  return parseBody(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'), type)
}

/**
 * Reads a body stream: at most BODY_LIMIT bytes, within `timeoutMs`. Resolves `{ bytes }`,
 * `{ tooLarge: true }` or `{ error }` when it did not arrive whole (as lib/body.js's readStream).
 */
async function readCapped (stream, timeoutMs) {
  const reader = stream.getReader()
  const chunks = []
  let size = 0
  let timer
  const deadline = new Promise((resolve) => {
    timer = setTimeout(() => resolve({ late: true }), timeoutMs)
  })
  const stop = () => reader.cancel().catch(() => {})
  try {
    for (;;) {
      const step = await Promise.race([reader.read(), deadline])
      if (step.late) {
        stop()
        return { error: new Error(`the request body did not arrive within ${timeoutMs} ms`) }
      }
      if (step.done) break
      size += step.value.byteLength
      if (size > BODY_LIMIT) {
        stop()
        return { tooLarge: true }
      }
      chunks.push(step.value)
    }
  } catch (error) {
    return { error }
  } finally {
    clearTimeout(timer)
  }
  return { bytes: Buffer.concat(chunks) }
}

/**
 * The misconfiguration of a body read before the check, where no copy of it is left to read the
 * token from (the Web adapters' one message for it).
 */
function bodyAlreadyRead () {
  return new TypeError('the request body was already read: check the CAPTCHA before reading it (request.formData(), request.json())')
}

/**
 * The token's fields of a Web Request, read from a clone: the request's own body stays unread
 * for the handler. Resolves what lib/body.js's bodyOf resolves: `{ fields, type }`,
 * `{ tooLarge, type }` or `{ error, type }`.
 */
async function readRequestBody (request, timeoutMs) {
  const type = typeOf(request.headers)
  if (request.body === null || request.body === undefined) return { fields: undefined, type }
  if (request.bodyUsed) throw bodyAlreadyRead()
  if (declaresTooLarge(request.headers.get('content-length'))) return { tooLarge: true, type }
  const read = await readCapped(request.clone().body, timeoutMs)
  if (read.bytes === undefined) return { ...read, type }
  return { fields: await fieldsOf(read.bytes, request.headers.get('content-type'), type), type }
}

/**
 * The client's address. By default the connection's (`socketAddress`; none when the runtime
 * tells none): X-Forwarded-For is anyone's to forge. With `trustProxy: n` (n proxies in front,
 * each appending the address it saw), the n-th address from the right of X-Forwarded-For, as
 * Express's `trust proxy` counts hops; `true` trusts every hop (the leftmost address). An
 * entry that is no IP address sends none.
 */
function clientAddress (headers, socketAddress, trustProxy) {
  const socket = typeof socketAddress === 'string' && socketAddress !== '' ? socketAddress : undefined
  if (trustProxy === false || trustProxy === 0) return socket
  const forwarded = (headers.get('x-forwarded-for') ?? '').split(',').map((entry) => entry.trim()).filter((entry) => entry !== '')
  if (forwarded.length === 0) return socket
  const chosen = trustProxy === true ? forwarded[0] : forwarded[Math.max(0, forwarded.length - trustProxy)]
  return isIP(chosen) === 0 ? undefined : chosen
}

/** What the provider's check reads of the client: `{ headers: { 'user-agent' }, ip }`. */
function clientOf (headers, socketAddress, trustProxy) {
  const agent = headers.get('user-agent')
  return {
    headers: agent === null ? {} : { 'user-agent': agent },
    ip: clientAddress(headers, socketAddress, trustProxy)
  }
}

/** verifyWith's `source` for a Web Request: its body (from a clone) and its client. */
function requestSource (request, { socketAddress, trustProxy, readBody = readRequestBody } = {}) {
  return async (timeoutMs) => ({
    read: await readBody(request, timeoutMs),
    client: clientOf(request.headers, socketAddress, trustProxy)
  })
}

/** verifyWith's `source` for a FormData already parsed (a server action's), with the request's headers. */
function formSource (formData, headers, trustProxy) {
  return async () => ({
    read: { fields: formFields(formData), type: 'multipart/form-data' },
    client: clientOf(headers, undefined, trustProxy)
  })
}

module.exports = { webOptions, typeOf, fieldsOf, bodyAlreadyRead, readRequestBody, requestSource, formSource }
