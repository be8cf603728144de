// The compatibility suite. The packed package is installed, under the original packages' names
// (npm aliases) as a migrating user installs it, into a project of its own with real Jest,
// Vitest, Bun and Deno, and drop-in.spec.js runs there unchanged under each runner and runtime
// its users have. Every run must pass every test of the spec, and all must count the same tests.
//
// Needs the npm registry (for the runners: package-lock.json pins them) and the linux-x64-gnu
// build. The spec also runs as an ES module (`import`) under every runner but Jest.
// `npm run test:compat` runs it; `CAPTCHA_NATIVE_COMPAT=jest,bun` runs only those.
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { PACKABLE, npmIn, packPackages } from '../pack.mjs'

const HERE = fileURLToPath(new URL('.', import.meta.url))
const PROJECT_FILES = ['package.json', 'package-lock.json', 'drop-in.spec.js', 'node-test-globals.cjs', 'deno.cjs']

/**
 * The spec in its two forms: as written (CommonJS, `require`), and as an ES module whose
 * `require` lines are `import` statements (`esmSpec`), the way Vitest, Bun and Deno users write
 * their tests. Jest runs the first only: its ES module support is experimental.
 */
const FORMS = {
  require: { spec: 'drop-in.spec.js', deno: 'deno.cjs', preload: '--require' },
  import: { spec: 'drop-in.spec.mjs', deno: 'deno.mjs', preload: '--import' }
}

/** A runner: its command line in the project, and how its summary counts passed and failed tests. */
function runners (form, { spec, deno, preload }) {
  const name = (runner) => form === 'require' ? runner : `${runner} (import)`
  return {
    [name('node:test')]: {
      command: [process.execPath, preload, './node-test-globals.cjs', '--test', spec],
      counts: (out) => [count(out, /^# pass (\d+)$/m), count(out, /^# fail (\d+)$/m)]
    },
    ...(form === 'require' && {
      jest: {
        // Jest's defaults: testEnvironment 'node', a VM context per test file, no configuration file.
        command: [process.execPath, 'node_modules/jest/bin/jest.js', '--ci', spec],
        counts: (out) => [count(out, /^Tests:.*?(\d+) passed/m), count(out, /^Tests:.*?(\d+) failed/m)]
      }
    }),
    ...Object.fromEntries(['threads', 'forks', 'vmThreads', 'vmForks'].map((pool) => [name(`vitest ${pool}`), {
      // --globals: the spec uses Jest's globals, as a suite moving from Jest does.
      command: [process.execPath, 'node_modules/vitest/vitest.mjs', 'run', `--pool=${pool}`, '--globals', spec],
      counts: (out) => [count(out, /^\s*Tests\s+.*?(\d+) passed/m), count(out, /^\s*Tests\s+.*?(\d+) failed/m)]
    }])),
    [name('bun')]: {
      command: ['node_modules/@oven/bun-linux-x64/bin/bun', 'test', `./${spec}`],
      counts: (out) => [count(out, /^\s*(\d+) pass$/m), count(out, /^\s*(\d+) fail$/m)]
    },
    [name('deno')]: {
      // `deno test` runs node:test suites; its JUnit report lists each suite and test by its path.
      command: ['node_modules/@deno/linux-x64-glibc/deno', 'test', '--allow-all', '--no-check', '--reporter=junit', deno],
      counts: (out) => {
        const cases = [...out.matchAll(/<testcase name="([^"]*)"[^>]*>([\s\S]*?)<\/testcase>/g)]
        const tests = cases.filter(([, name]) => !cases.some(([, other]) => other.startsWith(`${name} &gt; `)))
        const failed = tests.filter(([, , body]) => body.includes('<failure')).length
        return [tests.length - failed, failed]
      }
    }
  }
}

const RUNNERS = Object.assign({}, ...Object.entries(FORMS).map(([form, files]) => runners(form, files)))

/** The spec as an ES module: each `const x = require('m')` an `import`, nothing else changed. */
function esmSpec (source) {
  const converted = source
    .replace(/^'use strict'\n/, '')
    // `{ verify: hcaptchaVerify }` destructures; `{ verify as hcaptchaVerify }` imports.
    .replace(/^const (\{[^}]*\}|\w+) = require\(('[^']+')\)$/gm, (_, names, from) => `import ${names.replace(/(\w+): (\w+)/g, '$1 as $2')} from ${from}`)
  assert.doesNotMatch(converted, /require\(/, 'every require of the spec has become an import')
  // Deno gives ES modules no Buffer global; Node, Bun and Vitest do.
  return `import { Buffer } from 'node:buffer'\n${converted}`
}

function count (text, pattern) {
  const found = pattern.exec(text)
  return found ? Number(found[1]) : 0
}

function run (command, cwd, env) {
  return new Promise((resolve) => {
    execFile(command[0], command.slice(1), { cwd, env, encoding: 'utf8', timeout: 300_000, maxBuffer: 64 << 20 },
      (error, stdout, stderr) => resolve({ code: error ? error.code ?? error.signal : 0, out: stripColours(`${stdout}\n${stderr}`) }))
  })
}

function stripColours (text) {
  return text.replace(/\x1b\[[0-9;]*m/g, '')
}

const only = process.env.CAPTCHA_NATIVE_COMPAT?.split(',').map((name) => name.trim())

describe('the drop-in under every runner and runtime', { skip: !PACKABLE && 'needs the linux-x64-gnu build' }, () => {
  let work
  let project
  let env
  const passed = new Map()

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'captcha-native-compat-'))
    const { rootTarball, binaryTarball } = packPackages(work, npmIn({}))
    project = join(work, 'project')
    for (const file of PROJECT_FILES) cpSync(join(HERE, file), join(project, file))
    writeFileSync(join(project, FORMS.import.spec), esmSpec(readFileSync(join(HERE, FORMS.require.spec), 'utf8')))
    writeFileSync(join(project, FORMS.import.deno), `import './node-test-globals.cjs'\nimport './${FORMS.import.spec}'\n`)
    const manifest = JSON.parse(readFileSync(join(project, 'package.json'), 'utf8'))
    // `npm i @trustcomponent/trustcaptcha-nodejs@npm:captcha-native`, and so on, from the tarball.
    manifest.dependencies = {
      '@trustcomponent/trustcaptcha-nodejs': `file:${rootTarball}`,
      '@swetrix/captcha-validator': `file:${rootTarball}`,
      'wix-captcha-backend': `file:${rootTarball}`,
      '@friendlycaptcha/server-sdk': `file:${rootTarball}`,
      'captcha-native': `file:${rootTarball}`,
      'captcha-native-linux-x64-gnu': `file:${binaryTarball}`
    }
    writeFileSync(join(project, 'package.json'), JSON.stringify(manifest, null, 2))
    npmIn({})(['install', '--no-audit', '--no-fund'], project)
    env = { ...process.env, CI: 'true', NO_COLOR: '1', FORCE_COLOR: '0', DENO_NO_UPDATE_CHECK: '1', DENO_DIR: join(work, 'deno') }
    // The static shortcut's default host must never be reached: its proxy is a closed port.
    // A node:test child would otherwise report to this runner instead of printing its summary.
    delete env.NODE_TEST_CONTEXT
    for (const name of ['NO_PROXY', 'no_proxy', 'HTTP_PROXY', 'http_proxy', 'ALL_PROXY', 'all_proxy']) delete env[name]
    env.HTTPS_PROXY = env.https_proxy = 'http://127.0.0.1:1'
  })
  after(() => rmSync(work, { recursive: true, force: true }))

  for (const [name, runner] of Object.entries(RUNNERS)) {
    it(`passes under ${name}`, { skip: only && !only.includes(name.split(' ')[0]) && !only.includes(name) }, async () => {
      const { code, out } = await run(runner.command, project, env)
      const [pass, fail] = runner.counts(out)
      assert.ok(code === 0 && fail === 0 && pass > 0, `${name} exited ${code} with ${pass} passed, ${fail} failed:\n${out.slice(-20_000)}`)
      passed.set(name, pass)
      // The same spec must count the same tests everywhere: none skipped or lost by a runner.
      const counts = new Set(passed.values())
      assert.equal(counts.size, 1, `runners counted different tests: ${JSON.stringify(Object.fromEntries(passed))}`)
    })
  }
})
