// Type test: the emulated widgets' script URLs, as a user's browser test would get them.
// Compiled by `tsc -p __test__/types`, never run.

import { Emulator } from 'captcha-native/testing'

export async function widgets (): Promise<void> {
  const emulator = await Emulator.start()
  const turnstile: string = emulator.widgetUrl('turnstile')
  const enterprise: string = emulator.widgetUrl('recaptcha-enterprise')
  void [turnstile, enterprise]
  // @ts-expect-error: a provider the emulator does not serve
  emulator.widgetUrl('altcha')
  // @ts-expect-error: the provider is required
  emulator.widgetUrl()
  await emulator.close()
}
