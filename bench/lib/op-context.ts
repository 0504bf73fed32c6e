/**
 * The context of the benchmark's child processes (bench/lib/canned-op.ts): the OP's RS256 key and
 * discovery document, and the client, written once by the parent.
 */
import { generateKeyPairSync } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
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
