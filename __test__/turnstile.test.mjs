// Cloudflare Turnstile, row by row of docs/providers/turnstile.md: the idempotency key that makes
// retries safe, the 2,048-character limit, `internal-error`, the checks; against a capturing
// server here, and against the embedded emulator below.
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { captureServers, rejection } from './helpers.mjs'

const require = createRequire(import.meta.url)
const { Turnstile, TurnstileUnavailableError } = require('../index.js')
const { outcomeOf } = require('../lib/outcome.js')

const SECRET = '0x4AAAAAAAturnstileSecret'
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
const PASS = { success: true, 'error-codes': [], challenge_ts: '2026-11-28T10:45:06.096Z', hostname: 'example.com', action: 'login', cdata: 'sess-1', metadata: { ephemeral_id: 'x:9f78e0ed210960d7693b167e' } }

const server = captureServers(after)
const keyOf = (request) => new URLSearchParams(request.body).get('idempotency_key')

describe('the idempotency key', () => {
  it('every call sends a fresh UUID v4', async () => {
    const capture = await server(() => ({ body: PASS }))
    const turnstile = new Turnstile({ secret: SECRET, siteverifyUrl: capture.url })
    await turnstile.verify('a')
    await turnstile.verify('a')
    const [first, second] = capture.seen.map(keyOf)
    assert.match(first, UUID)
    assert.match(second, UUID)
    assert.notEqual(first, second)
  })

  it('every retry of a call sends the same key, so a lost answer does not burn the token', async () => {
    const capture = await server((request, n) => n === 1 ? { status: 502, body: '' } : n === 2 ? { body: { success: false, 'error-codes': ['internal-error'] } } : { body: PASS })
    const verdict = await new Turnstile({ secret: SECRET, siteverifyUrl: capture.url }).verify('t')
    assert.equal(verdict.success, true)
    const keys = capture.seen.map(keyOf)
    assert.equal(keys.length, 3)
    assert.ok(keys.every((key) => key === keys[0]), keys.join(' '))
  })

  it('a given idempotencyKey is sent as given; one that is not a UUID is a TypeError and no request', async () => {
    const capture = await server(() => ({ body: PASS }))
    const turnstile = new Turnstile({ secret: SECRET, siteverifyUrl: capture.url })
    const key = 'B6D0B1A2-3C4D-4E5F-8A9B-0C1D2E3F4A5B'
    await turnstile.verify('t', { idempotencyKey: key })
    assert.equal(keyOf(capture.seen[0]), key)
    for (const bad of ['', 'retry-1', 'b6d0b1a23c4d4e5f8a9b0c1d2e3f4a5b', `${key}0`]) {
      await assert.rejects(turnstile.verify('t', { idempotencyKey: bad }), (e) => e instanceof TypeError && /idempotencyKey must be a UUID/.test(e.message))
    }
    await assert.rejects(turnstile.verify('t', { idempotencyKey: 7 }), /idempotencyKey must be a string/)
    assert.equal(capture.seen.length, 1)
  })

  it('a timeout-or-duplicate answering a retry is a verdict: the key made the retry ask about the same redemption', async () => {
    const capture = await server((request, n) => n === 1 ? { status: 503, body: '' } : { body: { success: false, 'error-codes': ['timeout-or-duplicate'] } })
    const verdict = await new Turnstile({ secret: SECRET, siteverifyUrl: capture.url }).verify('t')
    assert.deepEqual(verdict, { success: false, errorCodes: ['timeout-or-duplicate'] })
    assert.deepEqual(outcomeOf(verdict), { kind: 'refused', code: 'timeout-or-duplicate' })
  })
})

describe('answers', () => {
  it("resolves Cloudflare's fields in camelCase, metadata as sent", async () => {
    const capture = await server(() => ({ body: PASS }))
    const verdict = await new Turnstile({ secret: SECRET, siteverifyUrl: capture.url }).verify('t')
    assert.deepEqual(verdict, {
      success: true, challengeTs: '2026-11-28T10:45:06.096Z', hostname: 'example.com', action: 'login', cdata: 'sess-1',
      metadata: { ephemeral_id: 'x:9f78e0ed210960d7693b167e' }, errorCodes: []
    })
  })

  it('internal-error is retried ("the request can be retried"), and no verdict if it lasts', async () => {
    const capture = await server(() => ({ body: { success: false, 'error-codes': ['internal-error'] } }))
    const { error } = await rejection(new Turnstile({ secret: SECRET, siteverifyUrl: capture.url, retries: 1 }).verify('t'))
    assert.equal(error.constructor, TurnstileUnavailableError)
    assert.equal(error.attempts, 2)
    assert.deepEqual(outcomeOf(error), { kind: 'unavailable', code: 'server_error' })
  })

  it('expectedAction: the action must match, case-insensitively, else action-mismatch after the provider codes', async () => {
    const capture = await server(() => ({ body: PASS }))
    const turnstile = new Turnstile({ secret: SECRET, siteverifyUrl: capture.url })
    assert.equal((await turnstile.verify('t', { expectedAction: 'LOGIN' })).success, true)
    const verdict = await turnstile.verify('t', { expectedAction: 'signup', expectedHostname: 'other.example' })
    assert.equal(verdict.success, false)
    assert.deepEqual(verdict.errorCodes, ['hostname-mismatch', 'action-mismatch'])
    assert.deepEqual(outcomeOf(verdict), { kind: 'refused', code: 'hostname-mismatch' })
  })
})

describe('against the embedded emulator', () => {
  const { Emulator, TurnstileConfigurationError } = require('../index.js')
  let emulator
  let turnstile
  let siteverifyUrl
  const { testSecrets, dummyToken } = Emulator.identities.turnstile
  before(async () => {
    emulator = await Emulator.start({ turnstileSecret: SECRET })
    siteverifyUrl = `${emulator.url}/turnstile/v0/siteverify`
    turnstile = new Turnstile({ secret: SECRET, siteverifyUrl })
  })
  after(() => emulator.close())

  it('an issued token verifies once with its claims, then timeout-or-duplicate', async () => {
    const token = emulator.issue('turnstile', { action: 'login', hostname: 'example.com', cdata: 'sess-9', ephemeralId: 'x:1' })
    assert.ok(token.length <= 2048)
    const verdict = await turnstile.verify(token, { expectedAction: 'login', expectedHostname: 'example.com' })
    assert.equal(verdict.success, true)
    assert.deepEqual([verdict.action, verdict.hostname, verdict.cdata, verdict.metadata.ephemeral_id], ['login', 'example.com', 'sess-9', 'x:1'])
    assert.deepEqual((await turnstile.verify(token)).errorCodes, ['timeout-or-duplicate'])
  })

  it('the same idempotencyKey gets the first answer again, success included; another key does not', async () => {
    const token = emulator.issue('turnstile')
    const key = '3f1c2b4a-5d6e-4f70-8a9b-0c1d2e3f4a5b'
    const first = await turnstile.verify(token, { idempotencyKey: key })
    assert.equal(first.success, true)
    assert.deepEqual(await turnstile.verify(token, { idempotencyKey: key }), first)
    assert.deepEqual((await turnstile.verify(token, { idempotencyKey: '3f1c2b4a-5d6e-4f70-8a9b-0c1d2e3f4a5c' })).errorCodes, ['timeout-or-duplicate'])
  })

  it("a retry after a lost answer (a reset after the emulator redeemed it) succeeds: the call's key asks about the same redemption", async () => {
    const token = emulator.issue('turnstile', { action: 'pay' })
    emulator.fault({ provider: 'turnstile', times: 1, kind: 'trickle', ms: 400 })
    const verdict = await new Turnstile({ secret: SECRET, siteverifyUrl, timeoutMs: 300, retries: 1 }).verify(token)
    assert.equal(verdict.success, true, JSON.stringify(verdict))
    assert.equal(verdict.action, 'pay')
  })

  it("an expired token (300 s, the emulator's clock) is timeout-or-duplicate; success: false is invalid-input-response", async () => {
    const token = emulator.issue('turnstile')
    emulator.advanceTime(300_001)
    assert.deepEqual((await turnstile.verify(token)).errorCodes, ['timeout-or-duplicate'])
    assert.deepEqual((await turnstile.verify(emulator.issue('turnstile', { success: false }))).errorCodes, ['invalid-input-response'])
  })

  it("Cloudflare's test secrets answer the dummy token as documented; a real token with one is a configuration error", async () => {
    const verify = (secret, token) => Turnstile.verify(secret, token, { siteverifyUrl })
    const pass = await verify(testSecrets.pass.secret, dummyToken)
    assert.equal(pass.success, true)
    assert.equal(pass.hostname, testSecrets.pass.hostname)
    assert.deepEqual((await verify(testSecrets.fail.secret, dummyToken)).errorCodes, ['invalid-input-response'])
    assert.deepEqual((await verify(testSecrets.spent.secret, dummyToken)).errorCodes, ['timeout-or-duplicate'])
    const { error } = await rejection(verify(testSecrets.pass.secret, emulator.issue('turnstile')))
    assert.equal(error.constructor, TurnstileConfigurationError)
    assert.deepEqual(error.errorCodes, ['invalid-input-secret'])
    assert.deepEqual((await turnstile.verify(dummyToken)).errorCodes, ['invalid-input-response'], 'the dummy token with a real secret')
  })
})
