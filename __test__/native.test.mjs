// Native code that panics must reject its Promise, never take the process down.
import { it } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { testHooksSkip } from './helpers.mjs'

const require = createRequire(import.meta.url)
const binding = require('../binding.js')
const { TrustCaptcha, Emulator } = require('../index.js')

it('a panic inside native async code rejects the Promise and the process goes on', { skip: testHooksSkip(binding) }, async () => {
  await assert.rejects(binding.__panicInNativeCode(), /deliberate panic for the test suite/)
  await assert.rejects(binding.__panicInNativeCode(), /deliberate panic/)
  const emulator = await Emulator.start()
  try {
    const client = new TrustCaptcha({ apiKey: emulator.credentials.trustcaptchaApiKey, apiHost: emulator.url })
    const token = Buffer.from(JSON.stringify({ verificationId: Emulator.identities.trustcaptcha.testVerifications[0].verificationId })).toString('base64')
    assert.equal((await client.getVerificationResult(token)).verificationPassed, true)
  } finally {
    await emulator.close()
  }
})

// The addon's network work runs on its own threads, named captcha-native: one unless
// CAPTCHA_NATIVE_WORKER_THREADS asks for more (1 to 64). The count is read from /proc, on Linux.
// The emulator is reached by IP address: a DNS lookup would add short-lived threads of that name.
it('the addon runs one captcha-native thread, or as many as CAPTCHA_NATIVE_WORKER_THREADS asks', { skip: process.platform !== 'linux' && 'reads /proc' }, async () => {
  const { inChild } = await import('./helpers.mjs')
  const count = `
    const { readdirSync, readFileSync } = require('node:fs')
    const token = Buffer.from(JSON.stringify({ verificationId: captcha.Emulator.identities.trustcaptcha.testVerifications[0].verificationId })).toString('base64')
    const emulator = await captcha.Emulator.start()
    const client = new captcha.TrustCaptcha({ apiKey: emulator.credentials.trustcaptchaApiKey, apiHost: emulator.url })
    const passed = (await Promise.all(Array.from({ length: 50 }, () => client.getVerificationResult(token)))).every((r) => r.verificationPassed)
    await emulator.close()
    const names = readdirSync('/proc/self/task').map((id) => readFileSync('/proc/self/task/' + id + '/comm', 'utf8').trim())
    return { passed, threads: names.filter((name) => name === 'captcha-native').length }`
  assert.deepEqual(await inChild(count, { CAPTCHA_NATIVE_WORKER_THREADS: undefined }), { passed: true, threads: 1 })
  assert.deepEqual(await inChild(count, { CAPTCHA_NATIVE_WORKER_THREADS: '3' }), { passed: true, threads: 3 })
  for (const ignored of ['0', '65', 'many', '']) {
    assert.deepEqual(await inChild(count, { CAPTCHA_NATIVE_WORKER_THREADS: ignored }), { passed: true, threads: 1 }, ignored)
  }
})
