/**
 * Builds src/ as `npm run build` publishes it, so the benchmark measures the JavaScript users run,
 * not a loader's on-the-fly transform.
 */
import { copyFile, rm } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { bundleEntries } from '../../scripts/build.js'

export const ROOT = resolve(import.meta.dirname, '../..')
/** Inside node_modules so that `jose` and `oauth4webapi` resolve as they do for a user. */
export const CACHE = join(ROOT, 'node_modules', '.cache', 'oidc-rp-bench')
/**
 * The SDK installed as npm installs it for a user: the published build beside the package's own
 * package.json, in a `node_modules` folder, so that `import('oidc-rp')` from the cache resolves as
 * it does in an application (its `exports`, and its `"type": "module"`, without which Node first
 * compiles each file as CommonJS).
 */
export const PACKAGE = join(CACHE, 'node_modules', 'oidc-rp')
/** The installed package's build. */
export const DIST = join(PACKAGE, 'dist')

/**
 * Builds and installs the SDK's JavaScript as `npm run build` publishes it (scripts/build.ts: one
 * ES module per entry, shared code in chunks, `jose` and `oauth4webapi` left as imports).
 * @returns the path of the compiled main entry
 */
export async function buildDist(): Promise<string> {
  await rm(PACKAGE, { recursive: true, force: true })
  const main = await bundleEntries(DIST)
  await copyFile(join(ROOT, 'package.json'), join(PACKAGE, 'package.json'))
  return main
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
