/**
 * The interop suite's setup: a real OP (oidc-provider) with one client per feature, the RP's keys,
 * and helpers that run whole sign-ins through the OP's login form.
 */
import assert from 'node:assert/strict'
import type { JWK } from 'jose'
import {
  type ClientInput,
  type Configuration,
  type ConfigurationOptions,
  discover,
  type SignInResult,
} from '../../src/index.js'
import { inBrowser } from '../support/cookie-jar.js'
import { registerSecret } from '../support/helpers.js'
import { type LoginOptions, type RunningOp, startOp } from './op-server.js'
import { callbackInput, keyPair, REDIRECT } from './rp.js'

export { callbackInput, PROFILE, REDIRECT } from './rp.js'

/** The browser of this suite: it keeps each sign-in's browser-binding cookie. */
const browser = inBrowser()

export const SECRET = 'interop-client-secret-0123456789abcdefghij'
export const SILVER = 'urn:mace:incommon:iap:silver'
export const BRONZE = 'urn:mace:incommon:iap:bronze'
const MAPPING = [
  { attribute: 'displayName', claim: 'name' },
  { attribute: 'mail', claim: 'email' },
  { attribute: 'department', claim: 'department', default: 'unknown' },
]
registerSecret(SECRET)

/** The running OP and the helpers bound to it. */
export interface Interop {
  readonly op: RunningOp
  /** The RP's private key, registered (public) at the OP by `private-key-jwt` and `jar`. */
  readonly rpKey: JWK
  /** Another private key with the same kid, registered nowhere. */
  readonly rogueKey: JWK
  /** The SDK's configuration for one of the OP's clients, by discovery. */
  connect(
    client: Partial<ClientInput> & { client_id: string },
    options?: ConfigurationOptions,
    target?: RunningOp,
  ): Promise<Configuration>
  /** A whole sign-in: authorization request, the user at the OP, the callback. */
  signIn(config: Configuration, login?: LoginOptions, target?: RunningOp): Promise<SignInResult>
}

/**
 * Starts the OP with its clients.
 * @returns the OP and helpers
 */
export async function startInterop(): Promise<Interop> {
  const rp = await keyPair('rp-key')
  const jwks = { keys: [rp.publicJwk] }
  const code = { redirect_uris: [REDIRECT], response_types: ['code'] }
  const refresh = { grant_types: ['authorization_code', 'refresh_token'] }
  const op = await startOp({
    clients: [
      { client_id: 'basic', client_secret: SECRET, ...code, ...refresh },
      {
        client_id: 'post',
        client_secret: SECRET,
        token_endpoint_auth_method: 'client_secret_post',
        ...code,
      },
      {
        client_id: 'secret-jwt',
        client_secret: SECRET,
        token_endpoint_auth_method: 'client_secret_jwt',
        ...code,
      },
      {
        client_id: 'private-key-jwt',
        jwks,
        token_endpoint_auth_method: 'private_key_jwt',
        ...code,
      },
      { client_id: 'public', token_endpoint_auth_method: 'none', ...code, ...refresh },
      {
        client_id: 'jar',
        client_secret: SECRET,
        jwks,
        request_object_signing_alg: 'RS256',
        ...code,
      },
      {
        client_id: 'signed-userinfo',
        client_secret: SECRET,
        userinfo_signed_response_alg: 'RS256',
        ...code,
      },
      {
        client_id: 'implicit',
        token_endpoint_auth_method: 'none',
        redirect_uris: [REDIRECT],
        response_types: ['id_token', 'id_token token'],
        grant_types: ['implicit'],
      },
      {
        client_id: 'hybrid',
        client_secret: SECRET,
        redirect_uris: [REDIRECT],
        response_types: ['code id_token'],
        grant_types: ['authorization_code', 'implicit'],
      },
    ],
  })
  const rogueKey = (await keyPair('rp-key')).privateJwk // same kid, another key
  return {
    op,
    rpKey: rp.privateJwk,
    rogueKey,
    connect: (client, options = {}, target = op) =>
      discover(
        target.issuer,
        { redirect_uris: [REDIRECT], ...client },
        { attributeMapping: MAPPING, ...options },
      ),
    async signIn(config, login = { user: 'alice' }, target = op) {
      const { url } = await browser.createAuthorizationRequest(config)
      return browser.handleCallback(config, callbackInput(await target.completeLogin(url, login)))
    },
  }
}

/** The common checks of a successful sign-in of alice at an OP. */
export function assertAlice(result: SignInResult, issuer: string): void {
  assert.equal(result.idTokenClaims.sub, 'alice')
  assert.equal(result.idTokenClaims.iss, issuer)
  assert.equal(result.claims.email, 'alice@example.test')
  assert.equal(result.attributes.displayName, 'Alice Liddell')
  assert.equal(result.attributes.mail, 'alice@example.test')
}
