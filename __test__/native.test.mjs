// Native code that panics must reject its Promise, never take the process down.
import { it } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const binding = require('../binding.js')
const { TrustCaptcha, Emulator } = require('../index.js')

it('a panic inside native async code rejects the Promise and the process goes on', async () => {
  await assert.rejects(binding.__panicInNativeCode(), /deliberate panic for the test suite/)
  await assert.rejects(binding.__panicInNativeCode(), /deliberate panic/)
  const emulator = await Emulator.start()
  try {
    const client = new TrustCaptcha({ apiKey: emulator.credentials.trustcaptchaApiKey, apiHost: emulator.url })
    const token = Buffer.from(JSON.stringify({ verificationId: '00000000-0000-0000-0000-000000000000' })).toString('base64')
    assert.equal((await client.getVerificationResult(token)).verificationPassed, true)
  } finally {
    await emulator.close()
  }
})
