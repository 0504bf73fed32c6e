/**
 * Signed-in fixtures for token revocation and introspection tests.
 */
import { exportJWK, generateKeyPair, type JWK } from 'jose'
import type { TokenEndpointAuthMethod } from '../../src/config/client.js'
import { registerSecret } from './helpers.js'
import { createFixture, type Fixture, type FixtureOptions } from './sign-in.js'

/** Every client authentication method. */
export const METHODS: TokenEndpointAuthMethod[] = [
  'client_secret_basic',
  'client_secret_post',
  'client_secret_jwt',
  'private_key_jwt',
  'none',
]

/** A fixture signed in as alice, with its access and refresh tokens. */
export interface SignedIn {
  readonly f: Fixture
  readonly accessToken: string
  readonly refreshToken: string
}

/**
 * Creates a fixture and signs alice in (code flow, PKCE).
 * @param options - the fixture's options
 * @returns the fixture and the tokens
 */
export async function signedIn(options: FixtureOptions = {}): Promise<SignedIn> {
  const f = await createFixture(options)
  const result = await f.signInWithPolicy()
  const accessToken = result.accessToken?.value
  const refreshToken = result.refreshToken
  if (accessToken === undefined || refreshToken === undefined) throw new Error('no tokens came')
  registerSecret(accessToken, refreshToken)
  f.op.clearRequests()
  return { f, accessToken, refreshToken }
}

/** The RP's RSA-OAEP-256 decryption key and its public half for the OP. */
export async function encryptionKeys(): Promise<{ privateJwk: JWK; publicJwk: JWK }> {
  const pair = await generateKeyPair('RSA-OAEP-256', { extractable: true })
  const common = { kid: 'rp-enc', use: 'enc', alg: 'RSA-OAEP-256' }
  const privateJwk = { ...(await exportJWK(pair.privateKey)), ...common }
  registerSecret(privateJwk.d)
  return { privateJwk, publicJwk: { ...(await exportJWK(pair.publicKey)), ...common } }
}
