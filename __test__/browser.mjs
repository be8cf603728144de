// Headless Chromium for the browser tests, from the system (Debian's `chromium` package; no
// browser download), driven by playwright-core. Where none is installed a test skips with how to
// get one, unless CAPTCHA_NATIVE_REQUIRE_BROWSER=1 (as .ci/run sets it), which makes that a failure.
import { existsSync } from 'node:fs'
import { delimiter, join } from 'node:path'
import { chromium } from 'playwright-core'

const NAMES = ['chromium', 'chromium-browser']

/** The Chromium executable: `CHROMIUM_PATH`, else Debian's, else one on the PATH. */
export function chromiumPath () {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH
  const dirs = ['/usr/bin', ...(process.env.PATH ?? '').split(delimiter).filter(Boolean)]
  for (const dir of dirs) {
    for (const name of NAMES) {
      if (existsSync(join(dir, name))) return join(dir, name)
    }
  }
  return undefined
}

/**
 * `{ browser }` launched headless, or `{ skip }`: the reason to give node:test. Throws when a
 * browser is required and none runs.
 */
export async function launchBrowser () {
  const executablePath = chromiumPath()
  if (executablePath === undefined) {
    const reason = 'no Chromium installed: install it (Debian/Ubuntu: `apt-get install chromium`) or set CHROMIUM_PATH'
    if (process.env.CAPTCHA_NATIVE_REQUIRE_BROWSER === '1') throw new Error(`CAPTCHA_NATIVE_REQUIRE_BROWSER=1 but ${reason}`)
    return { skip: reason }
  }
  // Chromium's sandbox refuses to run as root (CI containers): only then is it turned off.
  const args = process.getuid?.() === 0 ? ['--no-sandbox'] : []
  return { browser: await chromium.launch({ executablePath, headless: true, args }) }
}
