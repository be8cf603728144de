// The package as npm publishes it: `npm pack` of the root and of the linux-x64-gnu binary
// package, for the tests that install it into a project of their own.
import { execFileSync } from 'node:child_process'
import { cpSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const ROOT = fileURLToPath(new URL('..', import.meta.url))
export const BINARY = 'captcha-native.linux-x64-gnu.node'
/** Whether this machine can pack the package: the linux-x64-gnu build is there. */
export const PACKABLE = process.platform === 'linux' && process.arch === 'x64' && existsSync(join(ROOT, BINARY))

/**
 * Packs both into `work` with `npm(args, cwd)`; resolves their paths. `--ignore-scripts`:
 * `prepare` would rebuild the addon, which the suite has just built.
 */
export function packPackages (work, npm) {
  const pack = (dir, args = []) => join(work, JSON.parse(npm(['pack', '--json', ...args, '--pack-destination', work], dir))[0].filename)
  const rootTarball = pack(ROOT, ['--ignore-scripts'])
  const binaryPackage = join(work, 'linux-x64-gnu')
  cpSync(join(ROOT, 'npm', 'linux-x64-gnu'), binaryPackage, { recursive: true })
  cpSync(join(ROOT, BINARY), join(binaryPackage, BINARY))
  return { rootTarball, binaryTarball: pack(binaryPackage) }
}

/** `npm` with these extra environment variables, its output as text. */
export function npmIn (env) {
  return (args, cwd) => execFileSync('npm', args, {
    cwd, env: { ...process.env, npm_config_loglevel: 'error', ...env }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe']
  })
}
