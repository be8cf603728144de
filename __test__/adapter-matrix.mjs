// One test per provider and outcome, for the adapters on Web Requests (hono, next): each test file
// gives `serve(options, t)`, an app whose protected handler answers what it was given
// `{ code, ok, failedOpen, hasResult, email }` (`email` read from the body after the check), and
// resolves `{ send(fields, { headers }), errors }`: `send` posts a form and resolves
// `{ status, text, body }`; `errors` holds what reached the framework's error handling.
import { it, describe } from 'node:test'
import assert from 'node:assert/strict'
import { ADAPTER_PROVIDERS, outage } from './adapter-fixtures.mjs'

/** `setup()` gives `{ emulator, PROVIDERS, serve }` once the file's `before` has run. */
export function providerMatrix (label, setup) {
  for (const provider of ADAPTER_PROVIDERS) {
    describe(`${label}, ${provider}`, () => {
      const fixture = () => setup().PROVIDERS[provider]
      const serve = (options, t) => setup().serve(options, t)

      it('a verified token passes: 200, the outcome with its result reaches the handler, which still reads the body', async (t) => {
        const { send } = await serve(fixture().options(), t)
        const answer = await send({ [fixture().field]: fixture().pass(), email: 'a@example.com' })
        assert.deepEqual([answer.status, answer.body], [200, { code: 'verified', ok: true, failedOpen: false, hasResult: true, email: 'a@example.com' }])
      })

      it('a refused token answers 400 verification_failed; no token 400 token_missing; the handler never runs', async (t) => {
        const { send } = await serve(fixture().options(), t)
        const refused = await send({ [fixture().field]: fixture().fail() })
        assert.deepEqual([refused.status, refused.body], [400, { error: 'verification_failed' }])
        const missing = await send({ email: 'a@example.com' })
        assert.deepEqual([missing.status, missing.body], [400, { error: 'token_missing' }])
      })

      it("an outage answers 503 provider_unavailable with 'reject' (no upstream text, no secret); 'allow' runs the handler, failed_open", async (t) => {
        const { emulator } = setup()
        const logged = []
        const log = (message, details) => logged.push(`${message} ${details.reason}`)
        const reject = await serve({ ...fixture().options(), onUnavailable: 'reject', log }, t)
        outage(emulator, provider, fixture().secret)
        const refused = await reject.send({ [fixture().field]: fixture().pass() })
        assert.deepEqual([refused.status, refused.body], [503, { error: 'provider_unavailable' }])
        assert.ok(!refused.text.includes('UPSTREAM') && !refused.text.includes(fixture().secret))
        const allow = await serve({ ...fixture().options(), onUnavailable: 'allow', log }, t)
        outage(emulator, provider, fixture().secret)
        const passed = await allow.send({ [fixture().field]: fixture().pass(), email: 'b@example.com' })
        assert.deepEqual([passed.status, passed.body.code, passed.body.failedOpen, passed.body.email], [200, 'failed_open', true, 'b@example.com'])
        // The log says why, with the secret scrubbed out of the upstream text.
        assert.equal(logged.length, 2)
        for (const line of logged) assert.ok(!line.includes(fixture().secret), line)
      })

      it('skip: the handler runs with the outcome skipped, and no request reaches the provider', async (t) => {
        const { emulator } = setup()
        const { send } = await serve({ ...fixture().options(), skip: () => true }, t)
        const skipped = await send({ email: 'c@example.com' })
        assert.deepEqual([skipped.status, skipped.body], [200, { code: 'skipped', ok: true, failedOpen: false, hasResult: false, email: 'c@example.com' }])
        assert.deepEqual(emulator.requests(), [])
      })

      it('a refused key is a misconfiguration: a 500 with no secret or upstream text, the error a CaptchaConfigurationError', async (t) => {
        if (fixture().refusedKey === undefined) {
          t.skip('this provider has no key it refuses as a misconfiguration (see adapter-fixtures.mjs)')
          return
        }
        const { send, errors } = await serve({ ...fixture().options(), ...fixture().refusedKey }, t)
        const answer = await send({ [fixture().field]: fixture().pass() })
        assert.equal(answer.status, 500)
        for (const text of [fixture().secret, ...Object.values(fixture().refusedKey), 'UPSTREAM']) assert.ok(!answer.text.includes(text), text)
        assert.equal(errors.length, 1)
        assert.deepEqual([errors[0].name, errors[0].status, errors[0].expose], ['CaptchaConfigurationError', 500, false])
        assert.ok(errors[0].cause instanceof Error)
      })
    })
  }
}
