/**
 * `npm run test:package`: builds the package, runs publint --strict and arethetypeswrong (ESM-only profile),
 * packs the tarball, installs it into an empty folder and imports every entry point on Node.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const bin = (name: string) => join(root, 'node_modules', '.bin', name)
const results: { name: string; ok: boolean; detail?: string }[] = []

function check(name: string, action: () => void): void {
  try {
    action()
    results.push({ name, ok: true })
    console.log(`✔ ${name}`)
  } catch (err) {
    const detail =
      err instanceof Error
        ? `${err.message}\n${(err as { stdout?: Buffer }).stdout ?? ''}`
        : String(err)
    results.push({ name, ok: false, detail })
    console.log(`✖ ${name}\n${detail.slice(0, 4000)}`)
  }
}

const sh = (file: string, args: string[], cwd = root) =>
  execFileSync(file, args, {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, npm_config_nodedir: '' },
  })

check('build', () => sh('npm', ['run', '--silent', 'build']))
check('publint --strict', () => sh(bin('publint'), ['--strict']))
check('arethetypeswrong (esm-only)', () =>
  sh(bin('attw'), ['--pack', '.', '--profile', 'esm-only']),
)
const scratch = mkdtempSync(join(tmpdir(), 'oidc-rp-pack-'))
try {
  let tarball = ''
  check('npm pack', () => {
    tarball = join(
      scratch,
      sh('npm', ['pack', '--silent', '--pack-destination', scratch])
        .toString()
        .trim()
        .split('\n')
        .at(-1)!,
    )
  })
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    exports: Record<string, unknown>
  }
  const entries = Object.keys(pkg.exports).filter((e) => e !== './package.json')
  check('the tarball installs into an empty folder and every entry imports on Node', () => {
    const app = join(scratch, 'app')
    execFileSync('mkdir', ['-p', app])
    writeFileSync(
      join(app, 'package.json'),
      JSON.stringify({ name: 'app', private: true, type: 'module' }),
    )
    sh('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', tarball], app)
    const names = entries.map((e) => (e === '.' ? 'oidc-rp' : `oidc-rp/${e.slice(2)}`))
    const script = `for (const name of ${JSON.stringify(names)}) { const m = await import(name); if (Object.keys(m).length === 0) throw new Error(name + ' exports nothing') }
const { discover, isOidcRpError } = await import('oidc-rp'); if (typeof discover !== 'function' || typeof isOidcRpError !== 'function') throw new Error('main entry incomplete')`
    sh(process.execPath, ['--input-type=module', '-e', script], app)
  })
} finally {
  rmSync(scratch, { recursive: true, force: true })
}
const failed = results.filter((r) => !r.ok).length
console.log(`${results.length - failed} passed, ${failed} failed`)
process.exitCode = failed === 0 ? 0 : 1
