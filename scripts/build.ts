/**
 * `npm run build`: publishes each package entry as one ES module. esbuild bundles src/ per entry
 * (`jose` and `oauth4webapi` stay imports, resolved from the user's node_modules), and code two
 * entries share goes to a common chunk, so an error class is the same class whichever entry it came
 * through. tsc writes the declaration files beside them.
 *
 * Why bundle: an ES module costs its resolution, read and link at import, so ~45 per-file modules
 * made the main entry's import about twice as slow as the same code in one file (BENCH.md, cold
 * start). For the same reason `web/` and `browser/` call the core through `index.ts`: every module
 * the main entry reaches is then reached by the same set of entries, so esbuild keeps the core in
 * one chunk instead of splitting it by which add-on uses what (five chunks made the import ~15%
 * slower).
 */
import { execFileSync } from 'node:child_process'
import { rmSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { build, type Plugin } from 'esbuild'

const ROOT = resolve(import.meta.dirname, '..')

/** The package's entries, as paths under src/ (mirrored under dist/ by package.json's exports). */
export const ENTRIES = [
  'index.ts',
  'core.ts',
  'features/index.ts',
  'errors.ts',
  'testing/index.ts',
  'stores/redis.ts',
  'web/index.ts',
  'browser/index.ts',
  'registry/index.ts',
] as const

/**
 * The folder under dist/ of the build for pages and workers: package.json's `browser` condition
 * (which bundlers for the browser and for workers resolve) points there.
 */
export const NO_NODE_DIR = 'no-node'

/** The entries built for pages and workers too (the mock OP and Redis are for Node). */
export const NO_NODE_ENTRIES = [
  'index.ts',
  'core.ts',
  'features/index.ts',
  'errors.ts',
  'web/index.ts',
  'browser/index.ts',
  'registry/index.ts',
] as const

/**
 * Puts lib/node-crypto-absent.ts in place of lib/node-crypto.ts.
 *
 * Pages and workers lend no Node crypto module, so the Node fast paths are dead code there.
 */
export const withoutNodeCrypto: Plugin = {
  name: 'without-node-crypto',
  setup(b) {
    b.onResolve({ filter: /(^|\/)node-crypto\.js$/ }, () => ({
      path: join(ROOT, 'src', 'lib', 'node-crypto-absent.ts'),
    }))
  },
}

/**
 * Bundles the entries into outdir (JavaScript only).
 * @param outdir - where to write them
 * @param options - `withoutNode`: the build for pages and workers ({@link withoutNodeCrypto})
 * @returns the path of the main entry
 */
export async function bundleEntries(
  outdir: string,
  options: { readonly withoutNode?: boolean } = {},
): Promise<string> {
  const entries = options.withoutNode === true ? NO_NODE_ENTRIES : ENTRIES
  await build({
    entryPoints: entries.map((entry) => join(ROOT, 'src', entry)),
    outdir,
    outbase: join(ROOT, 'src'),
    bundle: true,
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    packages: 'external',
    legalComments: 'none',
    logLevel: 'warning',
    plugins: options.withoutNode === true ? [withoutNodeCrypto] : [],
  })
  return join(outdir, 'index.js')
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dist = join(ROOT, 'dist')
  rmSync(dist, { recursive: true, force: true })
  execFileSync(
    join(ROOT, 'node_modules', '.bin', 'tsc'),
    ['-p', 'tsconfig.build.json', '--emitDeclarationOnly'],
    { cwd: ROOT, stdio: 'inherit' },
  )
  await bundleEntries(dist)
  await bundleEntries(join(dist, NO_NODE_DIR), { withoutNode: true })
}
