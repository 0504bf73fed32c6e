/**
 * The Glewlwyd suites' setup: the server provisioned with the suite's users and clients, the SDK's
 * configuration for each client by discovery, and whole sign-ins through the scripted browser.
 * @module
 */
import assert from 'node:assert/strict'
import type { JWK } from 'jose'
import {
  type ClientInput,
  type Configuration,
  type ConfigurationOptions,
  discover,
  type SignInResult,
} from '../../../src/index.js'
import { registerSecret } from '../../support/helpers.js'
import { begin, keyPair, REDIRECT } from '../rp.js'
import { completeLogin, type LoginOptions } from './browser.js'
import { type GlewlwydClient, opSigningKey, PLUGIN, provision, type User } from './provision.js'
import { type RunningGlewlwyd, startGlewlwyd } from './server.js'

export { begin, PROFILE, REDIRECT, SIGNED_OUT } from '../rp.js'

/**
 * The secret of the confidential clients. Letters and digits only: Glewlwyd compares the Basic
 * credentials without form-decoding them, so this secret is the same however it is encoded.
 */
export const SECRET = 'GlewlwydInteropSecret0123456789abcdefXYZ'
/** A UUID client id, as Glewlwyd's admin UI and most OPs generate them: `-` four times. */
export const UUID_CLIENT = '6f1c2e9a-3b7d-4c8e-9f0a-1b2c3d4e5f60'
/**
 * The configuration option that makes `client_secret_jwt` / `private_key_jwt` assertions carry
 * the token endpoint URL as `aud`, the only audience Glewlwyd accepts (OIDC Core §9 "SHOULD").
 * (`endpoint`: the token endpoint at the token endpoint, the PAR endpoint at PAR.)
 */
export const TOKEN_ENDPOINT_AUDIENCE = { clientAssertionAudience: 'endpoint' } as const

export const ALICE: User = {
  username: 'alice',
  password: 'Alice-Password-0123456789',
  name: 'Alice Liddell',
  email: 'alice@example.test',
}
export const BOB: User = {
  username: 'bob',
  password: 'Bob-Password-0123456789',
  name: 'Bob Tables',
  email: 'bob@example.test',
}
registerSecret(SECRET, ALICE.password, BOB.password)

const MAPPING = [
  { attribute: 'displayName', claim: 'name' },
  { attribute: 'mail', claim: 'email' },
]

/**
 * The suite's clients: one per behaviour under test.
 * @param jwks - the RP's public keys
 */
function clients(jwks: { keys: JWK[] }): GlewlwydClient[] {
  const confidential = { confidential: true, client_secret: SECRET, redirect_uri: [REDIRECT] }
  const basic = { token_endpoint_auth_method: ['client_secret_basic'] }
  return [
    {
      client_id: 'basic',
      ...confidential,
      authorization_type: ['code', 'refresh_token'],
      ...basic,
    },
    { client_id: UUID_CLIENT, ...confidential, authorization_type: ['code'], ...basic },
    {
      client_id: 'post',
      ...confidential,
      authorization_type: ['code'],
      token_endpoint_auth_method: ['client_secret_post'],
    },
    {
      client_id: 'secretjwt',
      ...confidential,
      authorization_type: ['code'],
      token_endpoint_auth_method: ['client_secret_jwt'],
    },
    {
      client_id: 'privatekeyjwt',
      confidential: true,
      redirect_uri: [REDIRECT],
      jwks,
      authorization_type: ['code'],
      token_endpoint_auth_method: ['private_key_jwt'],
    },
    {
      client_id: 'public',
      confidential: false,
      redirect_uri: [REDIRECT],
      authorization_type: ['code', 'refresh_token'],
    },
    {
      client_id: 'implicit',
      confidential: false,
      redirect_uri: [REDIRECT],
      authorization_type: ['id_token', 'token'],
    },
    { client_id: 'hybrid', ...confidential, authorization_type: ['code', 'id_token'], ...basic },
    {
      client_id: 'hybridfragment',
      ...confidential,
      authorization_type: ['code', 'id_token'],
      ...basic,
      response_mode: 'fragment',
    },
    {
      client_id: 'jar',
      ...confidential,
      jwks,
      authorization_type: ['code'],
      // a signed request object pushed by PAR authenticates the client as private_key_jwt would
      token_endpoint_auth_method: ['client_secret_basic', 'private_key_jwt'],
    },
  ]
}

/** The running server and the helpers bound to it. */
export interface GlewlwydSuite {
  readonly server: RunningGlewlwyd
  /** The issuer of the plugin instance `name`: `<origin>/api/<name>`. */
  issuer(plugin?: string): string
  /** The RP's private key, registered (public) with `privatekeyjwt` and `jar`. */
  readonly rpKey: JWK
  /** Another private key with the same kid, registered nowhere. */
  readonly rogueKey: JWK
  /** The SDK's configuration for one of the OP's clients, by discovery of a plugin instance. */
  connect(
    client: Partial<ClientInput> & { client_id: string },
    options?: ConfigurationOptions,
    plugin?: string,
  ): Promise<Configuration>
  /** A whole sign-in: authorization request, the user at Glewlwyd, the callback. */
  signIn(config: Configuration, login?: LoginOptions): Promise<SignInResult>
}

/** Alice at Glewlwyd, with a fresh browser. */
export function asAlice(): LoginOptions {
  return { username: ALICE.username, password: ALICE.password }
}

/**
 * Starts Glewlwyd and provisions it with the suite's users and clients.
 * @param extraClients - clients a suite adds (e.g. with its own back-channel logout URI)
 * @returns the server and the helpers
 */
export async function startGlewlwydSuite(
  extraClients: readonly GlewlwydClient[] = [],
): Promise<GlewlwydSuite> {
  const rp = await keyPair('rp-key')
  const rogueKey = (await keyPair('rp-key')).privateJwk // same kid, another key
  const server = await startGlewlwyd()
  try {
    const all = [...clients({ keys: [rp.publicJwk] }), ...extraClients]
    await provision(server.admin, server.origin, await opSigningKey(), [ALICE, BOB], all)
  } catch (err) {
    await server.close()
    throw err
  }
  const issuer = (plugin = PLUGIN) => `${server.origin}/api/${plugin}`
  return {
    server,
    issuer,
    rpKey: rp.privateJwk,
    rogueKey,
    connect: (client, options = {}, plugin = PLUGIN) =>
      discover(
        issuer(plugin),
        { redirect_uris: [REDIRECT], ...client },
        { attributeMapping: MAPPING, ...options },
      ),
    async signIn(config, login = asAlice()) {
      const pending = await begin(config)
      return pending.finish(await completeLogin(pending.url, login))
    },
  }
}

/** The common checks of a successful sign-in of alice at Glewlwyd. */
export function assertAlice(result: SignInResult, issuer: string): void {
  assert.equal(result.idTokenClaims.iss, issuer)
  assert.match(result.idTokenClaims.sub, /^\S+$/)
  assert.equal(result.claims.name, ALICE.name)
  assert.equal(result.claims.email, ALICE.email)
  assert.equal(result.attributes.displayName, ALICE.name)
  assert.equal(result.attributes.mail, ALICE.email)
}
