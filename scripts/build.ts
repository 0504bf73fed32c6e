/**
 * `npm run build`: publishes each package entry as one ES module. esbuild bundles src/ per entry
 * (`jose` and `oauth4webapi` stay imports, resolved from the user's node_modules), and code two
 * entries share goes to a common chunk, so an error class is the same class whichever entry it came
 * through. tsc writes the declaration files beside them.
 *
 * Why bundle: an ES module costs its resolution, read and link at import, so ~45 per-file modules
 * made the main entry's import about twice as slow as the same code in one file (BENCH.md, cold
 * start). For the same reason the core is kept in one chunk ({@link oneCoreChunk}).
 */
import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync, rmSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { type BuildOptions, build, type Plugin } from 'esbuild'

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

/** A dynamic `import()` of a module of src/. */
const DYNAMIC_IMPORT = /\bimport\(\s*'(\.{1,2}\/[^']+)\.js'\s*\)/g

/**
 * The modules of src/ that some module loads on first use (`import('./…')`), as paths under src/.
 * @returns the paths, sorted
 */
export function lazilyLoadedModules(): string[] {
  const src = join(ROOT, 'src')
  const found = new Set<string>()
  for (const file of readdirSync(src, { recursive: true, encoding: 'utf8' })) {
    if (!file.endsWith('.ts')) continue
    for (const [, target] of readFileSync(join(src, file), 'utf8').matchAll(DYNAMIC_IMPORT)) {
      found.add(relative(src, join(src, dirname(file), `${target}.ts`)))
    }
  }
  return [...found].sort()
}

/** An import of values (not `import type`): the module needs another at run time. */
const VALUE_IMPORT = /^import (?!type )/m

/**
 * Whether a module of src/ imports values from another (not only types).
 * @param path - the module's path under src/
 * @returns true when it does
 */
export function importsValues(path: string): boolean {
  return VALUE_IMPORT.test(readFileSync(join(ROOT, 'src', path), 'utf8'))
}

/**
 * The modules that reach only part of the core: entries beside the main one, and every module
 * loaded on first use that imports any. Each is built as if it also imported all of `core.ts`
 * (`oneCoreChunk`).
 *
 * A lazily loaded module that imports nothing (the redaction of secrets, the reading of OAuth
 * errors) is left alone: it shares no module with a page, so a page's bundler keeps every module
 * the page imports in one file. Had it the bare import of the core, the bundler would split the
 * page's modules into a chunk of their own to share with it (a file, and its gzip overhead).
 */
export const PARTIAL_CORE_USERS: readonly string[] = [
  'registry/index.ts',
  'stores/redis.ts',
  ...lazilyLoadedModules().filter(importsValues),
]

/**
 * The modules a page loads on first use but a server's sign-ins need: the browser-binding cookie (a
 * server's transaction store binds with it), the reading of a `Request`, the merge of runtime
 * parameters, and the checks of the `claims` parameter (which the core imports).
 */
export const SERVER_SIGN_IN_PATH = [
  'browser-binding.ts',
  'lib/request-body.ts',
  'authorization/merge.ts',
  'config/claims-parameter.ts',
] as const

/** A value a module exports by declaration (its functions, constants and classes). */
const EXPORTED_VALUE = /^export (?:async )?(?:function\*?|const|let|class) (\w+)/gm

/**
 * The values a module of src/ exports by declaration, as {@link serverPathInCore} imports them.
 * @param path - the module's absolute path
 * @returns the names
 */
export function declaredExports(path: string): string[] {
  return [...readFileSync(path, 'utf8').matchAll(EXPORTED_VALUE)].map((m) => m[1]!)
}

/**
 * Makes {@link SERVER_SIGN_IN_PATH} static imports in the build for Node.
 *
 * The sources load them with `import('…')`, so a page fetches them only when needed; in Node each
 * would cost a module load at the first sign-in. Here each such `import('…')` becomes a promise of
 * its exports imported statically, so the module joins the core chunk and loading it costs nothing.
 */
export const serverPathInCore: Plugin = {
  name: 'server-path-in-core',
  setup(b) {
    const server = new Set(SERVER_SIGN_IN_PATH.map((path) => join(ROOT, 'src', path)))
    b.onLoad({ filter: /\/src\/.*\.ts$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8')
      let statics = ''
      let count = 0
      const contents = source.replace(DYNAMIC_IMPORT, (call, target: string) => {
        const path = join(dirname(args.path), `${target}.ts`)
        if (!server.has(path)) return call
        // its exports by name: a namespace object would need a helper chunk of its own
        const names = declaredExports(path)
        const local = (name: string) => `serverPath${count}_${name}`
        statics += `import { ${names.map((n) => `${n} as ${local(n)}`).join(', ')} } from ${JSON.stringify(path)}\n`
        const members = names.map((n) => `${n}: ${local(n)}`).join(', ')
        count++
        return `Promise.resolve({ ${members} })`
      })
      return statics === '' ? undefined : { contents: `${contents}\n${statics}`, loader: 'ts' }
    })
  },
}

/**
 * Keeps the core in one chunk.
 *
 * esbuild puts each module in the chunk of the set of entries (and lazily loaded modules) that
 * reach it, so an entry using a part of the core splits the core by who uses what: the main entry
 * loaded 11 modules, and each costs its resolution, read and link at import (≈7 ms of 33 for the
 * split). Each of `users` is therefore built with a bare import of `core.ts` added: a user of
 * `oidc-rp/redis` or `oidc-rp/registry` runs the main entry's code anyway, and the lazily loaded
 * modules load after it. The same holds for a page on the core's functions: its bundler keeps the
 * published core whole instead of splitting it by which lazy chunk shares what (which costs a file
 * and its gzip overhead per split). The sources keep their layers.
 *
 * @param users - the modules built with the bare import, as paths under src/
 * @returns the plugin
 */
export function oneCoreChunk(users: readonly string[]): Plugin {
  const paths = new Set(users.map((path) => join(ROOT, 'src', path)))
  const core = JSON.stringify(join(ROOT, 'src', 'core.ts'))
  return {
    name: 'one-core-chunk',
    setup(b) {
      b.onLoad({ filter: /\.ts$/ }, (args) =>
        paths.has(args.path)
          ? { contents: `${readFileSync(args.path, 'utf8')}\nimport ${core}\n`, loader: 'ts' }
          : undefined,
      )
    },
  }
}

/**
 * esbuild's options for the entries.
 * @param outdir - where to write them
 * @param options - `withoutNode`: the build for pages and workers ({@link withoutNodeCrypto})
 * @returns the options
 */
export function bundleOptions(
  outdir: string,
  options: { readonly withoutNode?: boolean } = {},
): BuildOptions {
  const entries = options.withoutNode === true ? NO_NODE_ENTRIES : ENTRIES
  return {
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
    plugins:
      options.withoutNode === true
        ? [oneCoreChunk(PARTIAL_CORE_USERS), withoutNodeCrypto]
        : // a Node process that imports oidc-rp/browser (a test) loads the core with it, which
          // keeps the core one chunk for the main entry
          [serverPathInCore, oneCoreChunk([...PARTIAL_CORE_USERS, 'browser/index.ts'])],
  }
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
  await build(bundleOptions(outdir, options))
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
