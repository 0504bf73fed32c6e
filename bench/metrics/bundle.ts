/**
 * Metric 5: bundle size. esbuild `--bundle --minify --format=esm --platform=browser` of an entry
 * doing discovery, the authorization URL, the code callback and UserInfo; gzip bytes compared with
 * openid-client's entry doing the same. Node built-ins are refused, and the SDK's bundle must hold
 * nothing from the mock OP, logout or sessions.
 */
import { join, relative } from 'node:path'
import { gzipSync } from 'node:zlib'
import { build, type Plugin } from 'esbuild'
import { ROOT } from '../lib/build.js'

/** One bundle. */
export interface BundleResult {
  readonly name: string
  readonly minifiedBytes: number
  readonly gzipBytes: number
  /** gzip bytes over the reference's. */
  readonly ratio: number
  /** Input files by package (or `src` for ours), with their bytes in the output. */
  readonly inputs: Readonly<Record<string, number>>
  /** Inputs that must not be there (mock OP, logout, sessions). */
  readonly forbidden: readonly string[]
}

export const BUNDLE_REFERENCE = 'openid-client'

const noNodeBuiltins: Plugin = {
  name: 'no-node-builtins',
  setup(b) {
    b.onResolve({ filter: /^node:/ }, (args) => ({
      errors: [{ text: `Node built-in "${args.path}" imported by ${args.importer}` }],
    }))
  },
}

const FORBIDDEN = /src\/(testing|logout|sessions)|src\/stores\/redis/

async function bundle(name: string, entry: string): Promise<Omit<BundleResult, 'ratio'>> {
  const out = await build({
    entryPoints: [entry],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    write: false,
    metafile: true,
    logLevel: 'warning',
    plugins: [noNodeBuiltins],
  })
  const code = out.outputFiles[0]!.contents
  const inputs: Record<string, number> = {}
  const forbidden: string[] = []
  for (const output of Object.values(out.metafile.outputs)) {
    for (const [path, { bytesInOutput }] of Object.entries(output.inputs)) {
      const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)?.[1] ?? relative(ROOT, path)
      const group = pkg.startsWith('src/') ? 'oidc-rp (src)' : pkg
      inputs[group] = (inputs[group] ?? 0) + bytesInOutput
      if (FORBIDDEN.test(path) && bytesInOutput > 0) forbidden.push(relative(ROOT, path))
    }
  }
  return {
    name,
    minifiedBytes: code.byteLength,
    gzipBytes: gzipSync(code, { level: 9 }).byteLength,
    inputs,
    forbidden,
  }
}

/**
 * Bundles both entries.
 * @returns the SDK's and openid-client's bundle sizes
 */
export async function runBundles(): Promise<BundleResult[]> {
  const ours = await bundle('oidc-rp', join(ROOT, 'bench', 'entries', 'oidc-rp.ts'))
  const theirs = await bundle(BUNDLE_REFERENCE, join(ROOT, 'bench', 'entries', 'openid-client.ts'))
  return [ours, theirs].map((b) => ({ ...b, ratio: b.gzipBytes / theirs.gzipBytes }))
}
