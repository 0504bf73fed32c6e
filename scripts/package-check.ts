/**
 * `npm run test:package`: builds the package, runs publint --strict and arethetypeswrong (ESM-only
 * profile), packs the tarball (checking it holds dist/ and every file the README links), installs
 * it into an empty folder, imports every entry point on Node, checks that the main entry loads no
 * jose or oauth4webapi module at import (they load on first use), that a browser bundler
 * gets the build without the Node fast paths, and runs the portable suite against the installed
 * package.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { build } from 'esbuild'

const root = fileURLToPath(new URL('..', import.meta.url))
const bin = (name: string) => join(root, 'node_modules', '.bin', name)
const results: { name: string; ok: boolean; detail?: string }[] = []

async function check(name: string, action: () => unknown): Promise<void> {
  try {
    await action()
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

await check('build', () => sh('npm', ['run', '--silent', 'build']))
await check('publint --strict', () => sh(bin('publint'), ['--strict']))
await check('arethetypeswrong (esm-only)', () =>
  sh(bin('attw'), ['--pack', '.', '--profile', 'esm-only']),
)
const scratch = mkdtempSync(join(tmpdir(), 'oidc-rp-pack-'))
try {
  let tarball = ''
  await check('npm pack', () => {
    tarball = join(
      scratch,
      sh('npm', ['pack', '--silent', '--pack-destination', scratch])
        .toString()
        .trim()
        .split('\n')
        .at(-1)!,
    )
  })
  await check("the tarball holds dist/ and every file the README's relative links name", () => {
    const files = new Set(
      sh('tar', ['-tzf', tarball])
        .toString()
        .split('\n')
        .map((line) => line.replace(/^package\//, '')),
    )
    const readme = readFileSync(join(root, 'README.md'), 'utf8')
    const links = [...readme.matchAll(/\]\(([^)#:]+)(?:#[^)]*)?\)/g)].map((m) => m[1]!)
    const missing = ['dist/index.js', ...links].filter((file) => !files.has(file))
    if (missing.length > 0) throw new Error(`not in the tarball: ${missing.join(', ')}`)
  })
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    exports: Record<string, unknown>
  }
  const entries = Object.keys(pkg.exports).filter((e) => e !== './package.json')
  const app = join(scratch, 'app')
  await check('the tarball installs into an empty folder and every entry imports on Node', () => {
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
  await check('importing the installed main entry loads no jose or oauth4webapi module', () => {
    // A resolve hook (in Node's loader thread) writes down every jose or oauth4webapi specifier.
    const log = join(scratch, 'resolved.txt')
    const hooks = join(scratch, 'hooks.mjs')
    writeFileSync(
      hooks,
      `import { appendFileSync } from 'node:fs'
export async function resolve(specifier, context, next) {
  if (/^(jose|oauth4webapi)/.test(specifier)) appendFileSync(${JSON.stringify(log)}, specifier + '\\n')
  return next(specifier, context)
}`,
    )
    const register = `import { register } from 'node:module'; register(${JSON.stringify(pathToFileURL(hooks).href)})`
    const loadedBy = (code: string) => {
      writeFileSync(log, '')
      sh(
        process.execPath,
        [
          '--import',
          `data:text/javascript,${encodeURIComponent(register)}`,
          '--input-type=module',
          '-e',
          code,
        ],
        app,
      )
      return [...new Set(readFileSync(log, 'utf8').split('\n').filter(Boolean))]
    }
    const loaded = loadedBy("await import('oidc-rp')")
    if (loaded.length > 0) throw new Error(`modules loaded: ${loaded.join(', ')}`)
    // twin: the hook does see jose where it is imported (the mock OP signs with it)
    const twin = loadedBy("await import('oidc-rp'); await import('oidc-rp/testing')")
    if (!twin.some((specifier) => specifier.startsWith('jose')))
      throw new Error('the resolve hook saw no jose module from oidc-rp/testing either')
  })
  await check("a browser bundler resolves the build without Node's fast paths", async () => {
    // what Vite, webpack or wrangler do with `import 'oidc-rp'` for a page or a worker
    const bundled = async (platform: 'browser' | 'node') => {
      const out = await build({
        stdin: {
          contents:
            "export { discover, handleCallback } from 'oidc-rp'\nexport * from 'oidc-rp/browser'",
          resolveDir: app,
        },
        bundle: true,
        format: 'esm',
        platform,
        write: false,
        logLevel: 'warning',
      })
      return out.outputFiles[0]!.text
    }
    const page = await bundled('browser')
    if (page.includes('getBuiltinModule'))
      throw new Error('the browser bundle holds the Node fast path')
    if (!page.includes('createBrowserSession')) throw new Error('the browser bundle is incomplete')
    // twin: a Node bundle keeps the fast path
    if (!(await bundled('node')).includes('getBuiltinModule')) {
      throw new Error('the Node bundle lost its fast path')
    }
  })
  await check(
    'a bundle of oidc-rp installs every feature; one of oidc-rp/core leaves them out',
    async () => {
      // a bundler honours package.json's sideEffects: the main entry's installFeatures must survive
      const bundled = async (entry: string) => {
        const out = await build({
          stdin: {
            contents: `import { createConfiguration } from '${entry}'\nexport { createConfiguration }`,
            resolveDir: app,
          },
          bundle: true,
          format: 'esm',
          platform: 'browser',
          minify: true,
          write: false,
          logLevel: 'warning',
        })
        return out.outputFiles[0]!.text
      }
      // a message only the token-parameters feature's validation holds
      const probe = (text: string) => text.includes('a string of at most 2,048 characters')
      if (!probe(await bundled('oidc-rp'))) {
        throw new Error('the oidc-rp bundle lost its features (package.json sideEffects)')
      }
      if (probe(await bundled('oidc-rp/core')))
        throw new Error('the oidc-rp/core bundle holds features')
    },
  )
  await check(
    'the portable suite passes against the installed package (lazy jose chunks included)',
    async () => {
      // The suite's bundle entry, with its imports of src/ pointed at the installed package.
      const bundlePath = join(app, 'portable.js')
      await build({
        entryPoints: [join(root, 'test', 'portable', 'entries', 'cli.ts')],
        outfile: bundlePath,
        bundle: true,
        format: 'esm',
        platform: 'node',
        logLevel: 'warning',
        plugins: [
          {
            name: 'installed-package',
            setup(b) {
              b.onResolve({ filter: /\/src\/(testing\/)?index\.js$/ }, (args) => ({
                path: args.path.includes('/testing/') ? 'oidc-rp/testing' : 'oidc-rp',
                external: true,
              }))
            },
          },
        ],
      })
      const out = sh(process.execPath, [bundlePath], app).toString()
      const summary = /^(\d+) passed, (\d+) failed$/m.exec(out)
      if (summary === null || summary[2] !== '0' || Number(summary[1]) < 100)
        throw new Error(`portable suite: ${summary?.[0] ?? 'no summary'}`)
    },
  )
} finally {
  rmSync(scratch, { recursive: true, force: true })
}
const failed = results.filter((r) => !r.ok).length
console.log(`${results.length - failed} passed, ${failed} failed`)
process.exitCode = failed === 0 ? 0 : 1
