/**
 * Builds src/ as `npm run build` publishes it, so the benchmark measures the JavaScript users run,
 * not a loader's on-the-fly transform.
 */
import { rm } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { bundleEntries } from '../../scripts/build.js'

export const ROOT = resolve(import.meta.dirname, '../..')
/** Inside node_modules so that `jose` and `oauth4webapi` resolve as they do for a user. */
export const CACHE = join(ROOT, 'node_modules', '.cache', 'oidc-rp-bench')
export const DIST = join(CACHE, 'dist')

/**
 * Builds the SDK's JavaScript as `npm run build` publishes it (scripts/build.ts: one ES module per
 * entry, shared code in chunks, `jose` and `oauth4webapi` left as imports).
 * @param outdir - where to (default DIST)
 * @returns the path of the compiled main entry
 */
export async function buildDist(outdir = DIST): Promise<string> {
  await rm(outdir, { recursive: true, force: true })
  return bundleEntries(outdir)
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
