// Which captcha-native the benchmark loads: this checkout's `index.js`, or the one that
// `--module path/to/index.js` names on the command line of run.mjs, client.mjs,
// emulator-process.mjs or instructions.mjs (another checkout's, with its own built `.node`: to
// compare builds in the same harness, or to run this harness from a worktree with no build).
// run.mjs and instructions.mjs pass it on to the processes they start. It is read here from
// process.argv rather than from each script's parsed options because lib/protocol.mjs loads the
// addon as soon as it is imported, before a script's own code runs.
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const require = createRequire(import.meta.url)

/** `--module X` or `--module=X` in `argv`; undefined when absent. */
function moduleArgument (argv) {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--') break
    if (argv[i] === '--module') return argv[i + 1]
    if (argv[i].startsWith('--module=')) return argv[i].slice('--module='.length)
  }
  return undefined
}

const given = moduleArgument(process.argv.slice(2))

/** The absolute path of the `index.js` every process of this run loads. */
export const ADDON_PATH = given
  ? path.resolve(given)
  : path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'index.js')

/** `--module` as given, to pass on to a child process; undefined for this checkout's. */
export const MODULE_ARGUMENT = given ? ADDON_PATH : undefined

/** captcha-native's exports, loaded once per process. */
export function loadAddon () {
  return require(ADDON_PATH)
}
