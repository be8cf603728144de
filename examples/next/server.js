#!/usr/bin/env node
'use strict'
// A minimal Next.js (App Router) app protected by captcha-native/next: `POST /api/signup` is a
// route handler wrapped in `withCaptcha`, and the page's form posts to a server action that
// checks its FormData with `verifyCaptchaForm`. The emulator runs in this process in place of
// Turnstile (see ../example-runner.js).
//
//   node examples/next/server.js [--port N]     (default 3000; 0: any free port)
//
// Builds the app first (`next build`, a few seconds) when it has no build or its sources are
// newer than the build, then serves it with Next's programmatic server.

const path = require('node:path')
const fs = require('node:fs')
const { spawnSync } = require('node:child_process')
const { runExample, listen } = require('../example-runner.js')

const DIR = __dirname

/** The newest modification time among the app's sources. */
function newestSource (dir = DIR) {
  let newest = 0
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === '.next' || entry.name === 'node_modules') continue
    const file = path.join(dir, entry.name)
    newest = Math.max(newest, entry.isDirectory() ? newestSource(file) : fs.statSync(file).mtimeMs)
  }
  return newest
}

/**
 * What `npm install captcha-native` does in your app: the package in the app's node_modules,
 * where `serverExternalPackages` makes Next load it with Node's require instead of bundling it
 * (a package Next finds outside node_modules, as this repository is, it bundles). Copied afresh
 * at each start; the addon itself is linked, so that the process loads it once.
 */
function installPackage () {
  const root = path.join(DIR, '..', '..')
  const target = path.join(DIR, 'node_modules', 'captcha-native')
  fs.rmSync(target, { recursive: true, force: true })
  fs.mkdirSync(target, { recursive: true })
  const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'))
  for (const entry of ['package.json', ...manifest.files]) {
    if (fs.existsSync(path.join(root, entry))) fs.cpSync(path.join(root, entry), path.join(target, entry), { recursive: true })
  }
  for (const addon of fs.readdirSync(root).filter((name) => name.endsWith('.node'))) {
    fs.symlinkSync(path.join(root, addon), path.join(target, addon))
  }
}

/** Runs `next build` unless a build newer than every source exists. */
function buildIfStale () {
  const stamp = path.join(DIR, '.next', 'BUILD_ID')
  if (fs.existsSync(stamp) && fs.statSync(stamp).mtimeMs >= newestSource()) return
  const bin = require.resolve('next/dist/bin/next')
  const built = spawnSync(process.execPath, [bin, 'build', DIR], { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' } })
  if (built.status !== 0) throw new Error(`next build failed (exit ${built.status ?? built.signal})`)
}

runExample('next', async ({ emulator, port, host }) => {
  process.env.NEXT_TELEMETRY_DISABLED = '1'
  installPackage()
  buildIfStale()
  // What app/captcha.js reads: the route handler and the server action ask the emulator.
  process.env.TURNSTILE_SECRET = emulator.credentials.turnstileSecret
  process.env.TURNSTILE_SITEVERIFY_URL = `${emulator.url}/turnstile/v0/siteverify`
  const next = require('next')
  const app = next({ dev: false, dir: DIR, hostname: host, port })
  await app.prepare()
  const handle = app.getRequestHandler()
  const server = await listen((req, res) => handle(req, res), { port, host })
  return {
    port: server.port,
    close: async () => {
      await server.close()
      await app.close()
    }
  }
})
