/**
 * Compiles src/ to plain ES modules (one file per module, as `npm run build` publishes them) so the
 * benchmark measures the JavaScript users run, not a loader's on-the-fly transform.
 */
import { mkdir, readdir, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { build, type Plugin } from 'esbuild'

export const ROOT = resolve(import.meta.dirname, '../..')
/** Inside node_modules so that `jose` and `oauth4webapi` resolve as they do for a user. */
export const CACHE = join(ROOT, 'node_modules', '.cache', 'oidc-rp-bench')
export const DIST = join(CACHE, 'dist')

async function sources(dir: string): Promise<string[]> {
  const out: string[] = []
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) out.push(...(await sources(path)))
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(path)
  }
  return out
}

/**
 * Compiles every src/ module to DIST (no bundling, no minification).
 * @param outdir - where to (default DIST)
 * @returns the path of the compiled main entry
 */
export async function buildDist(outdir = DIST): Promise<string> {
  await build({
    entryPoints: await sources(join(ROOT, 'src')),
    outdir,
    outbase: join(ROOT, 'src'),
    bundle: false,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    logLevel: 'warning',
  })
  return join(outdir, 'index.js')
}

/** The SDK's public API, typed from the sources. */
export type Sdk = typeof import('../../src/index.js')

/**
 * Imports the compiled SDK (build it first with {@link buildDist}).
 * @param dir - where it was compiled
 * @returns the module
 */
export async function importSdk(dir = DIST): Promise<Sdk> {
  return (await import(pathToFileURL(resolve(dir, 'index.js')).href)) as Sdk
}

/** Where each jose export src/ uses lives as a subpath (as openid-client imports jose). */
const JOSE_SUBPATHS: Readonly<Record<string, string>> = {
  base64url: 'jose/base64url',
  CompactEncrypt: 'jose/jwe/compact/encrypt',
  compactDecrypt: 'jose/jwe/compact/decrypt',
  CompactSign: 'jose/jws/compact/sign',
  compactVerify: 'jose/jws/compact/verify',
  importJWK: 'jose/key/import',
  EncryptJWT: 'jose/jwt/encrypt',
  jwtDecrypt: 'jose/jwt/decrypt',
  jwtVerify: 'jose/jwt/verify',
  decodeJwt: 'jose/jwt/decode',
  decodeProtectedHeader: 'jose/decode/protected_header',
  errors: 'jose/errors',
}

/**
 * Builds two alternative packagings of the main entry for the cold-start comparison (not what is
 * published): one ES module for all of src/ (jose and oauth4webapi left as imports), and the same
 * importing jose by subpath.
 * @returns the two files, or `undefined` when src/ uses a jose export the subpath table lacks
 */
export async function buildAlternatives(): Promise<
  { single: string; subpaths: string } | undefined
> {
  const dir = join(CACHE, 'alternatives')
  await mkdir(dir, { recursive: true })
  const shim = join(dir, 'jose-subpaths.js')
  await writeFile(
    shim,
    Object.entries(JOSE_SUBPATHS)
      .map(([name, path]) =>
        name === 'base64url' || name === 'errors'
          ? `export * as ${name} from '${path}'`
          : `export { ${name} } from '${path}'`,
      )
      .join('\n'),
  )
  const toShim: Plugin = {
    name: 'jose-subpaths',
    setup(b) {
      b.onResolve({ filter: /^jose$/ }, () => ({ path: shim }))
    },
  }
  const common = {
    entryPoints: [join(ROOT, 'src', 'index.ts')],
    bundle: true,
    format: 'esm' as const,
    platform: 'neutral' as const,
    target: 'es2022',
    logLevel: 'silent' as const,
  }
  try {
    const single = join(dir, 'single.js')
    const subpaths = join(dir, 'subpaths.js')
    await build({ ...common, outfile: single, external: ['jose', 'oauth4webapi'] })
    await build({
      ...common,
      outfile: subpaths,
      external: ['jose/*', 'oauth4webapi'],
      plugins: [toShim],
    })
    return { single, subpaths }
  } catch {
    return undefined
  }
}
