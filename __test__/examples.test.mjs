// Every example app under examples/ but the Express demo (demo.test.mjs drives that one), run as
// a user runs it: `node examples/<name>/server.js --port 0`, then over HTTP what the examples
// promise (examples/README.md): POST /signup protected by Turnstile passes a token the emulator
// issued, refuses one it issued refused and a replay, and Ctrl+C stops the app with exit code 0.
// A new examples/<name>/ with a server.js is picked up with no change here.
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import path from 'node:path'
import { issueTurnstile, startExample, within } from './example-process.mjs'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const EXAMPLES = path.join(ROOT, 'examples')
/** The demo, with its own test. */
const OWN_TEST = new Set(['express'])
/** How long an example may take to exit after SIGINT. */
const EXIT_TIMEOUT_MS = 10_000
const FIELD = 'cf-turnstile-response'

const folders = readdirSync(EXAMPLES)
  .filter((name) => !OWN_TEST.has(name) && statSync(path.join(EXAMPLES, name)).isDirectory())
  .sort()

it('every example folder has a server.js', () => {
  const missing = folders.filter((name) => !existsSync(path.join(EXAMPLES, name, 'server.js')))
  assert.deepEqual(missing, [], `examples without a server.js: ${missing.join(', ')}`)
})

for (const name of folders.filter((folder) => existsSync(path.join(EXAMPLES, folder, 'server.js')))) {
  describe(`examples/${name}`, () => {
    let started
    let app
    let emulator

    before(async () => {
      started = await startExample(name)
      ;({ app, emulator } = started)
    })

    after(() => started?.kill())

    const issue = (claims) => issueTurnstile(emulator, claims)

    async function signup (body, type) {
      const answer = await fetch(`${app}/signup`, { method: 'POST', headers: { 'content-type': type }, body })
      const text = await answer.text()
      let json
      try {
        json = JSON.parse(text)
      } catch {
        assert.fail(`POST /signup answered ${answer.status} with no JSON: ${text}`)
      }
      return { status: answer.status, body: json }
    }
    const form = (fields) => signup(new URLSearchParams(fields).toString(), 'application/x-www-form-urlencoded')
    const json = (fields) => signup(JSON.stringify(fields), 'application/json')

    /** The contract names no key: the outcome code is the value of one of the answer's own. */
    function assertVerified ({ status, body }) {
      assert.equal(status, 200, JSON.stringify(body))
      assert.ok(body !== null && typeof body === 'object' && Object.values(body).includes('verified'),
        `a pass answers JSON with the outcome code 'verified': ${JSON.stringify(body)}`)
    }

    it(`${name}: a token the emulator issued passes, as the '${FIELD}' form field and as JSON { token }; replayed, it is refused`, async () => {
      const token = await issue({})
      assertVerified(await form({ [FIELD]: token, email: 'a@example.com' }))
      assert.deepEqual(await form({ [FIELD]: token }), { status: 400, body: { error: 'verification_failed' } }, 'a replayed token')
      assertVerified(await json({ token: await issue({}) }))
    })

    it(`${name}: a token issued refused answers 400 { error: "verification_failed" }; no token 400 { error: "token_missing" }`, async () => {
      assert.deepEqual(await form({ [FIELD]: await issue({ success: false }) }), { status: 400, body: { error: 'verification_failed' } })
      assert.deepEqual(await form({ email: 'a@example.com' }), { status: 400, body: { error: 'token_missing' } })
    })

    it(`${name}: SIGINT stops it with exit code 0`, async () => {
      started.child.kill('SIGINT')
      const { code, signal } = await within(started.exited, EXIT_TIMEOUT_MS, () => `examples/${name} still runs ${EXIT_TIMEOUT_MS} ms after SIGINT; stderr: ${started.stderr()}`)
      assert.deepEqual({ code, signal }, { code: 0, signal: null }, `stderr: ${started.stderr()}`)
    })
  })
}
