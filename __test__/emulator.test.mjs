// The emulator's own surface: options, issuing, faults, counters, closing, and its command.
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import http from 'node:http'
import net from 'node:net'
import { once } from 'node:events'
import https from 'node:https'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { banner, exitOf, testIdToken, rejection, withEmulator } from './helpers.mjs'

const require = createRequire(import.meta.url)
const {
  Emulator, TrustCaptcha, Playtcha, validateToken, authorize, ServerUnreachableException,
  VerificationResultRetrievalLimitReachedException
} = require('../index.js')
const CLI = fileURLToPath(new URL('../bin/captcha-native.js', import.meta.url))

describe('Emulator', () => {
  it('starts on loopback with an any-free port, accepting the documented default key', async () => {
    await withEmulator(undefined, async (emulator) => {
      assert.match(emulator.url, /^http:\/\/127\.0\.0\.1:\d+$/)
      // Every default credential: emulator-identities.test.mjs, "holds the credentials".
      const { trustcaptcha } = Emulator.identities
      const client = new TrustCaptcha({ apiKey: trustcaptcha.apiKey, apiHost: emulator.url })
      assert.equal((await client.getVerificationResult(emulator.issue('trustcaptcha'))).verificationPassed, true)
    })
  })

  it('cannot be constructed directly, and refuses bad options with a TypeError', async () => {
    assert.throws(() => new Emulator(), /use Emulator.start\(\)/)
    await assert.rejects(Emulator.start(null), TypeError)
    await assert.rejects(Emulator.start({ port: 'eighty' }), (e) => e instanceof TypeError && /invalid emulator options/.test(e.message))
    await assert.rejects(Emulator.start({ prot: 80 }), (e) => e instanceof TypeError && /unknown field `prot`/.test(e.message))
    await assert.rejects(Emulator.start({ trustcaptchaApiKey: ' ' }), /trustcaptchaApiKey must not be empty/)
    for (const name of ['swetrixSecret', 'recaptchaSecret', 'playtchaSecret', 'turnstileSecret', 'hcaptchaSecret', 'hcaptchaSitekey']) {
      await assert.rejects(Emulator.start({ [name]: '' }), (e) => e instanceof TypeError && e.message.includes(`${name} must not be empty`))
    }
  })

  it('says so when it listens on a port that is taken', async () => {
    await withEmulator({}, async (first) => {
      const port = Number(new URL(first.url).port)
      await assert.rejects(Emulator.start({ port }), (e) => e.constructor === Error && /cannot listen .*in use/i.test(e.message))
    })
  })

  it('warns when bound beyond loopback', async () => {
    const warned = once(process, 'warning')
    await withEmulator({ host: '0.0.0.0' }, async (emulator) => {
      const [warning] = await warned
      assert.match(warning.message, /other machines may reach/)
      assert.match(emulator.url, /^http:\/\/0\.0\.0\.0:\d+$/)
    })
  })

  it('refuses unknown providers, claims and fault rules with clear TypeErrors', async () => {
    await withEmulator({}, async (emulator) => {
      assert.throws(() => emulator.issue('altcha'), (e) => e instanceof TypeError && /unknown provider 'altcha'/.test(e.message))
      assert.throws(() => emulator.issue(42), TypeError)
      assert.throws(() => emulator.issue('trustcaptcha', { verificationPased: true }), /unknown field `verificationPased`/)
      assert.throws(() => emulator.fault({ kind: 'explode' }), /invalid fault rule/)
      assert.throws(() => emulator.fault({ kind: 'delay' }), /missing field `ms`/)
      assert.throws(() => emulator.fault({ kind: 'hang', provider: 'nope' }), /unknown provider 'nope'/)
      assert.throws(() => emulator.fault({ kind: 'status', status: 101 }), /status must be from 200 to 599/)
      assert.throws(() => emulator.fault({ kind: 'status', status: 200, headers: { 'content-length': '1' } }), /sets 'content-length' itself/)
      assert.throws(() => emulator.fault({ kind: 'status', status: 200, headers: { x: 'a\r\nb: c' } }), /not a valid header/)
      assert.throws(() => emulator.fault(null), TypeError)
      assert.throws(() => emulator.advanceTime('1s'), TypeError)
      assert.throws(() => emulator.advanceTime(1e300), /ms must be a number of milliseconds from/)
      assert.throws(() => emulator.issue('trustcaptcha', { resultTtlMs: 1e15 }), /resultTtlMs must be at most/)
    })
  })

  it('a rule with times picks the next N requests of its provider, clearFaults removes the rest', async () => {
    await withEmulator({}, async (emulator) => {
      const client = new TrustCaptcha({ apiKey: emulator.credentials.trustcaptchaApiKey, apiHost: emulator.url })
      const status = () => client.getVerificationResult(testIdToken(0)).then(() => 200, (e) => e.status ?? e.name)
      emulator.fault({ provider: 'trustcaptcha', times: 2, kind: 'status', status: 503 })
      assert.deepEqual([await status(), await status(), await status()], [503, 503, 200])
      emulator.fault({ provider: 'all', kind: 'status', status: 500 })
      assert.deepEqual([await status(), await status()], [500, 500])
      emulator.clearFaults()
      assert.equal(await status(), 200)
    })
  })

  it('a status rule sets headers, replacing the defaults, and 204 has no body', async () => {
    await withEmulator({}, async (emulator) => {
      emulator.fault({ times: 1, kind: 'status', status: 429, body: 'slow down', headers: { 'Content-Type': 'text/plain', 'Retry-After': '7' } })
      const answer = await fetch(emulator.url + '/v2/verifications/x/results')
      assert.deepEqual([answer.status, answer.headers.get('content-type'), answer.headers.get('retry-after'), await answer.text()], [429, 'text/plain', '7', 'slow down'])
      emulator.fault({ times: 1, kind: 'status', status: 204, body: 'ignored' })
      const empty = await fetch(emulator.url + '/anything')
      assert.deepEqual([empty.status, await empty.text()], [204, ''])
    })
  })

  it('a delay rule really waits: fetch takes its ms, and a shorter client deadline times out', async () => {
    await withEmulator({}, async (emulator) => {
      emulator.fault({ times: 1, kind: 'delay', ms: 400 })
      const started = performance.now()
      await (await fetch(emulator.url + '/v2/verifications/x/results')).text()
      const ms = performance.now() - started
      assert.ok(ms >= 390, `answered after ${ms} ms`)
      emulator.fault({ provider: 'playtcha', times: 1, kind: 'delay', ms: 400 })
      const playtcha = new Playtcha({ secret: emulator.credentials.playtchaSecret, apiHost: emulator.url, timeoutMs: 150 })
      assert.deepEqual(await playtcha.verify(emulator.issue('playtcha')), { success: true, failedOpen: true, unavailableReason: 'timeout' })
    })
  })

  it('reset sends the status line and part of the body, then resets; close sends nothing', async () => {
    await withEmulator({}, async (emulator) => {
      const { port } = new URL(emulator.url)
      // libuv reports a reset that arrives with the data as an end of stream; a write after the
      // end tells them apart: it fails at once on a reset connection, not on a closed one.
      const get = () => new Promise((resolve) => {
        const chunks = []
        const outcome = { ended: false, error: undefined }
        const socket = net.connect({ port: Number(port), host: '127.0.0.1', allowHalfOpen: true }, () => {
          socket.write(`GET /v2/verifications/${Emulator.identities.trustcaptcha.testVerifications[0].verificationId}/results HTTP/1.1\r\nHost: 127.0.0.1\r\n` +
            `Authorization: Bearer ${emulator.credentials.trustcaptchaApiKey}\r\nAccept: application/json\r\n\r\n`)
        })
        socket.on('data', (chunk) => chunks.push(chunk))
        socket.on('end', () => {
          outcome.ended = true
          socket.write('x', (error) => { if (!error) socket.destroy() })
        })
        socket.on('error', (error) => { outcome.error = error.code ?? error.message })
        socket.on('close', () => resolve({ ...outcome, text: Buffer.concat(chunks).toString() }))
        socket.setTimeout(5000, () => socket.destroy(new Error('no close within 5 s')))
      })
      emulator.fault({ times: 1, kind: 'reset' })
      const reset = await get()
      assert.ok(reset.text.startsWith('HTTP/1.1 200'), reset.text)
      assert.equal(reset.error, 'ECONNRESET')
      emulator.fault({ times: 1, kind: 'close' })
      const closed = await get()
      assert.deepEqual(closed, { ended: true, error: undefined, text: '' })
    })
  })

  it('an issued TrustCaptcha result can be fetched 10 times by default, then 429', async () => {
    await withEmulator({}, async (emulator) => {
      const client = new TrustCaptcha({ apiKey: emulator.credentials.trustcaptchaApiKey, apiHost: emulator.url })
      const token = emulator.issue('trustcaptcha')
      for (let i = 0; i < 10; i++) assert.equal((await client.getVerificationResult(token)).verificationPassed, true, `fetch ${i + 1}`)
      await assert.rejects(client.getVerificationResult(token), (e) => e instanceof VerificationResultRetrievalLimitReachedException && e.status === 429)
    })
  })

  it('a hugeBody rule answers a JSON object of exactly mib MiB', async () => {
    await withEmulator({}, async (emulator) => {
      emulator.fault({ times: 1, kind: 'hugeBody', mib: 3 })
      const body = await (await fetch(emulator.url + '/v2/verifications/x/results')).arrayBuffer()
      assert.equal(body.byteLength, 3 * 1048576)
      assert.equal(typeof JSON.parse(Buffer.from(body).toString()), 'object')
    })
  })

  it('answers HEAD without a body, so keep-alive clients stay in step', async () => {
    await withEmulator({}, async (emulator) => {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
      const request = (method) => new Promise((resolve, reject) => {
        http.request(emulator.url + '/unknown', { method, agent }, (res) => {
          let body = ''
          res.on('data', (d) => { body += d })
          res.on('end', () => resolve([res.statusCode, body]))
        }).on('error', reject).end()
      })
      assert.deepEqual(await request('HEAD'), [404, ''])
      assert.deepEqual(await request('GET'), [404, '{"message":"Not Found"}'])
      agent.destroy()
      assert.equal(emulator.stats().connectionsAccepted, 1)
    })
  })

  it('refuses an oversized body with 413, which the client really receives', async () => {
    await withEmulator({}, async (emulator) => {
      const answer = await fetch(emulator.url + '/v2/verifications/x/results', { method: 'POST', body: Buffer.alloc(8 * 1024 * 1024, 120) })
      assert.equal(answer.status, 413)
    })
  })

  it('counts connections and requests, and records requests with the key redacted', async () => {
    await withEmulator({}, async (emulator) => {
      const client = new TrustCaptcha({ apiKey: emulator.credentials.trustcaptchaApiKey, apiHost: emulator.url })
      await client.getVerificationResult(testIdToken(0))
      await client.getVerificationResult(testIdToken(0))
      const stats = emulator.stats()
      assert.equal(stats.requests, 2)
      assert.equal(stats.connectionsAccepted, 1, 'keep-alive reuses the connection')
      const [request] = emulator.requests()
      assert.equal(request.provider, 'trustcaptcha')
      assert.equal(request.headers.authorization, '[redacted]')
      emulator.clearRequests()
      assert.deepEqual(emulator.requests(), [])
    })
  })

  it('close() ends hung connections: the waiting client fails at once, not at its deadline', async () => {
    const emulator = await Emulator.start()
    const client = new TrustCaptcha({ apiKey: emulator.credentials.trustcaptchaApiKey, apiHost: emulator.url, readTimeoutMs: 20_000 })
    emulator.fault({ kind: 'hang' })
    const pending = rejection(client.getVerificationResult(testIdToken(0)))
    while (emulator.stats().requests === 0) await new Promise((resolve) => setTimeout(resolve, 5))
    await emulator.close()
    const { error, ms } = await pending
    assert.ok(error instanceof ServerUnreachableException)
    assert.ok(ms < 5_000, `the client waited ${ms} ms`)
    assert.equal(emulator.stats().connectionsOpen, 0)
  })
})

describe('the issue route (for processes that did not start the emulator)', () => {
  it('POST /__emulator/issue/{provider} answers a fresh token, never faulted or recorded', async () => {
    await withEmulator({}, async (emulator) => {
      emulator.fault({ kind: 'close' })
      const issue = (provider, init = {}) => fetch(`${emulator.url}/__emulator/issue/${provider}`, { method: 'POST', ...init })
      const answers = {}
      for (const provider of Object.keys(Emulator.identities)) {
        const answer = await issue(provider)
        answers[provider] = [answer.status, typeof (await answer.json()).token]
      }
      assert.deepEqual(answers, Object.fromEntries(Object.keys(Emulator.identities).map((provider) => [provider, [200, 'string']])))
      const refused = await issue('swetrix', { body: '{"chalenge":"x"}' })
      assert.equal(refused.status, 400)
      assert.match((await refused.json()).message, /invalid swetrix claims: unknown field `chalenge`/)
      assert.equal((await issue('altcha')).status, 404)
      assert.equal((await fetch(`${emulator.url}/__emulator/issue/swetrix`)).status, 405)
      assert.equal((await fetch(`${emulator.url}/__emulator/other`, { method: 'POST' })).status, 404)
      assert.equal(emulator.requests().length, 0)
      emulator.clearFaults()
      const { token } = await (await issue('recaptcha', { body: '{"action":"login"}' })).json()
      const verdict = await fetch(`${emulator.url}/recaptcha/api/siteverify`, {
        method: 'POST', body: new URLSearchParams({ secret: emulator.credentials.recaptchaSecret, response: token })
      })
      assert.equal((await verdict.json()).action, 'login')
    })
  })
})

describe('Emulator over HTTPS (tls: true)', () => {
  it('serves every provider to clients that trust its certificate, and to nobody else', async () => {
    await withEmulator({ tls: true }, async (emulator) => {
      const { url, certificate: ca, credentials } = emulator
      assert.match(url, /^https:\/\/127\.0\.0\.1:\d+$/)
      assert.match(ca, /^-----BEGIN CERTIFICATE-----\n[\s\S]+-----END CERTIFICATE-----\n$/)
      const calls = {
        trustcaptcha: (options) => new TrustCaptcha({ apiKey: credentials.trustcaptchaApiKey, apiHost: url, ...options })
          .getVerificationResult(emulator.issue('trustcaptcha')),
        swetrix: (options) => validateToken(emulator.issue('swetrix'), credentials.swetrixSecret, `${url}/v1/captcha`, options),
        recaptcha: (options) => authorize(emulator.issue('recaptcha'), { secretKey: credentials.recaptchaSecret, siteverifyUrl: `${url}/recaptcha/api/siteverify`, retries: 0, ...options }),
        playtcha: (options) => new Playtcha({ secret: credentials.playtchaSecret, apiHost: url, failClosed: true, ...options })
          .verify(emulator.issue('playtcha'))
      }
      assert.equal((await calls.trustcaptcha({ ca })).verificationPassed, true)
      assert.equal((await calls.swetrix({ ca }))[0], true)
      assert.deepEqual(await calls.recaptcha({ ca }), { success: true })
      assert.equal((await calls.playtcha({ ca })).failedOpen, false)
      const served = emulator.stats().requests
      // Without `ca`, nobody gets past the handshake.
      await assert.rejects(calls.trustcaptcha({}), ServerUnreachableException)
      assert.deepEqual(await calls.swetrix({}), [false, 'Unable to make API request, error: Error: invalid peer certificate: UnknownIssuer'])
      await assert.rejects(calls.recaptcha({}), { statusCode: 503 })
      await assert.rejects(calls.playtcha({}), { reason: 'network_error' })
      assert.equal(emulator.stats().requests, served)
    })
  })

  it('is valid for localhost too, by Node\'s own TLS, and a new authority each start', async () => {
    await withEmulator({ tls: true }, async (emulator) => {
      const port = new URL(emulator.url).port
      const answer = await new Promise((resolve, reject) => {
        https.get(`https://localhost:${port}/v2/verifications/${Emulator.identities.trustcaptcha.testVerifications[1].verificationId}/results`,
          { ca: emulator.certificate, headers: { authorization: `Bearer ${emulator.credentials.trustcaptchaApiKey}` } },
          (response) => { response.resume(); resolve(response.statusCode) }).on('error', reject)
      })
      assert.equal(answer, 404)
      await withEmulator({ tls: true }, async (other) => assert.notEqual(other.certificate, emulator.certificate))
    })
    await withEmulator({}, async (plain) => assert.equal(plain.certificate, undefined))
  })

  it('injects faults over TLS as over plain HTTP', async () => {
    await withEmulator({ tls: true }, async (emulator) => {
      const client = new TrustCaptcha({ apiKey: emulator.credentials.trustcaptchaApiKey, apiHost: emulator.url, ca: emulator.certificate, readTimeoutMs: 300 })
      for (const kind of ['reset', 'hang', 'close']) {
        emulator.fault({ kind, times: 1 })
        await assert.rejects(client.getVerificationResult(emulator.issue('trustcaptcha')), ServerUnreachableException, kind)
      }
      assert.equal((await client.getVerificationResult(emulator.issue('trustcaptcha'))).verificationPassed, true)
      // A trickle delivers the whole answer, a byte at a time: in time, it verifies.
      emulator.fault({ kind: 'trickle', ms: 1, times: 1 })
      const patient = new TrustCaptcha({ apiKey: emulator.credentials.trustcaptchaApiKey, apiHost: emulator.url, ca: emulator.certificate, readTimeoutMs: 20_000 })
      assert.equal((await patient.getVerificationResult(emulator.issue('trustcaptcha'))).verificationPassed, true)
    })
  })
})

describe('captcha-native emulator (the command)', () => {
  it('prints its URL and keys, serves them, and stops on SIGINT', async () => {
    const child = spawn(process.execPath, [
      CLI, 'emulator', '--port', '0', '--trustcaptcha-api-key', 'cli-key',
      '--swetrix-secret', 'cli-swetrix', '--recaptcha-secret', 'cli-recaptcha', '--playtcha-secret', 'cli-playtcha',
      '--turnstile-secret', 'cli-turnstile', '--hcaptcha-secret', 'cli-hcaptcha', '--hcaptcha-sitekey', 'cli-sitekey'
    ], { stdio: ['ignore', 'pipe', 'inherit'] })
    try {
      const output = await banner(child)
      const url = output.match(/listening on (http:\/\/127\.0\.0\.1:\d+)/)[1]
      assert.match(output, /apiKey\s+cli-key/)
      const passes = output.match(/passes\s+(\S+)/)[1]
      const client = new TrustCaptcha({ apiKey: 'cli-key', apiHost: url })
      assert.equal((await client.getVerificationResult(passes)).verificationPassed, true)
      // The other providers' sections: where to point the client, the secrets, the test identities.
      assert.ok(output.includes(`apiURL   ${url}/v1/captcha\n  secret   cli-swetrix\n`), output)
      assert.ok(output.includes(`siteverifyUrl  ${url}/recaptcha/api/siteverify\n  secretKey      cli-recaptcha\n`), output)
      assert.ok(output.includes(`Playtcha\n  apiHost  ${url}\n  secret   cli-playtcha\n`), output)
      assert.ok(output.includes(`Turnstile\n  siteverifyUrl  ${url}/turnstile/v0/siteverify\n  secret         cli-turnstile\n`), output)
      const { turnstile } = Emulator.identities
      assert.ok(output.includes(`only with the dummy token ${turnstile.dummyToken}`), output)
      for (const test of Object.values(turnstile.testSecrets)) assert.match(output, new RegExp(`${test.answers}\\s+${test.secret}`))
      for (const test of Object.values(turnstile.testSitekeys)) assert.match(output, new RegExp(`${test.widget}\\s+${test.sitekey}`))
      assert.ok(output.includes(`hCaptcha\n  siteverifyUrl  ${url}/siteverify\n  secret         cli-hcaptcha\n  sitekey        cli-sitekey\n`), output)
      const { hcaptcha } = Emulator.identities
      assert.ok(output.includes(`hCaptcha's test secret ${hcaptcha.testSecret}`), output)
      for (const test of Object.values(hcaptcha.testKeys)) assert.ok(output.includes(`${test.sitekey} ${test.token}`), output)
      const dummy = await fetch(`${url}/siteverify`, { method: 'POST', body: new URLSearchParams({ secret: hcaptcha.testSecret, response: hcaptcha.testKeys.publisher.token }) })
      assert.equal((await dummy.json()).hostname, 'dummy-key-pass')
      const swetrix = await fetch(`${url}/v1/captcha/validate`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token: 'any', secret: output.match(/succeeds\s+(PASS\S+)/)[1] })
      })
      assert.equal((await swetrix.json()).success, true)
      const googleTestSecret = output.match(/Google's test secret key.*\n\s+(\S+)/)[1]
      const recaptcha = await fetch(`${url}/recaptcha/api/siteverify`, { method: 'POST', body: new URLSearchParams({ secret: googleTestSecret, response: 'any' }) })
      assert.equal((await recaptcha.json()).hostname, 'testkey.google.com')
      // Tokens for the other providers come from the emulator's issue route, as the banner shows.
      const issueUrl = output.match(/curl -X POST (\S+)/)[1]
      assert.equal(issueUrl, `${url}/__emulator/issue/playtcha`)
      const issued = await fetch(issueUrl, { method: 'POST', body: '{"hostname":"cli.example"}' })
      const { token } = await issued.json()
      const verified = await new Playtcha({ secret: 'cli-playtcha', apiHost: url }).verify(token)
      assert.deepEqual([verified.failedOpen, verified.hostname], [false, 'cli.example'])
      const exited = once(child, 'exit')
      child.kill('SIGINT')
      // Windows has no POSIX signals: kill() there ends the process at once, with no handler run.
      if (process.platform !== 'win32') assert.deepEqual(await exited, [0, null])
    } finally {
      child.kill()
    }
  })

  it('serves HTTPS with --tls and writes the certificate to trust with --certificate-file', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'captcha-native-cli-'))
    const file = path.join(dir, 'emulator-ca.pem')
    const child = spawn(process.execPath, [CLI, 'emulator', '--tls', '--certificate-file', file, '--trustcaptcha-api-key', 'cli-key'],
      { stdio: ['ignore', 'pipe', 'inherit'] })
    try {
      const output = await banner(child)
      const url = output.match(/listening on (https:\/\/127\.0\.0\.1:\d+)/)[1]
      assert.ok(output.includes(`trust the certificate in ${file}`), output)
      const client = new TrustCaptcha({ apiKey: 'cli-key', apiHost: url, ca: readFileSync(file) })
      assert.equal((await client.getVerificationResult(output.match(/passes\s+(\S+)/)[1])).verificationPassed, true)
    } finally {
      child.kill()
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('listens where --host says, and warns when other machines may reach it', async () => {
    /** The banner's URL, and what the command wrote to stderr until it stopped. */
    const run = async (args) => {
      const child = spawn(process.execPath, [CLI, 'emulator', '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
      let stderr = ''
      child.stderr.on('data', (chunk) => { stderr += chunk })
      const exited = once(child, 'exit')
      let output
      try {
        output = await banner(child)
      } finally {
        child.kill()
        await exited
      }
      return { url: output.match(/listening on (http:\/\/\S+)/)[1], stderr }
    }
    const anywhere = await run(['--host', '0.0.0.0'])
    assert.match(anywhere.url, /^http:\/\/0\.0\.0\.0:\d+$/)
    assert.match(anywhere.stderr, /listens on http:\/\/0\.0\.0\.0:\d+, which other machines may reach/)
    const loopback = await run([])
    assert.match(loopback.url, /^http:\/\/127\.0\.0\.1:\d+$/)
    assert.doesNotMatch(loopback.stderr, /other machines may reach/)
  })

  it('refuses a bad port with a message and exit code 1', async () => {
    const { code, stderr } = await exitOf([CLI, 'emulator', '--port', 'http'])
    assert.equal(code, 1)
    assert.match(stderr, /--port must be a port number/)
  })
})
