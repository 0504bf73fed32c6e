/**
 * The context of the benchmark's child processes (bench/lib/canned-op.ts): the OP's RS256 key and
 * discovery document, and the client, written once by the parent.
 */
import { generateKeyPairSync } from 'node:crypto'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { build } from 'esbuild'
import { CACHE, ROOT } from './build.js'
import type { OpContext } from './canned-op.js'
import { CLIENT_ID, CLIENT_SECRET, ISSUER, metadata, REDIRECT_URI } from './fixtures.js'

/**
 * Writes the context: an RS256 key of the OP and its discovery document.
 * @param dir - where to
 * @returns the file's path
 */
export async function writeOpContext(dir: string): Promise<string> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const context = join(dir, 'context.json')
  const ctx: OpContext = {
    issuer: ISSUER,
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    redirectUri: REDIRECT_URI,
    metadata: metadata(),
    publicJwk: { ...publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'RS256', use: 'sig' },
    privatePem: privateKey.export({ format: 'pem', type: 'pkcs8' }) as string,
  }
  await writeFile(context, JSON.stringify(ctx))
  return context
}

/**
 * Compiles a child script (its own modules inlined, packages and Node built-ins left as imports,
 * so it runs as plain JavaScript without a loader) and writes its context beside it.
 * @param name - the child's file under bench/metrics/, without `.ts`, and its folder in the cache
 * @returns the compiled script and the context's path
 */
export async function prepareChild(name: string): Promise<{ script: string; context: string }> {
  const dir = join(CACHE, name)
  await mkdir(dir, { recursive: true })
  const script = join(dir, 'child.js')
  await build({
    entryPoints: [join(ROOT, 'bench', 'metrics', `${name}-child.ts`)],
    outfile: script,
    bundle: true,
    packages: 'external',
    format: 'esm',
    platform: 'node',
    logLevel: 'warning',
  })
  return { script, context: await writeOpContext(dir) }
}
