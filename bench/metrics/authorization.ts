/**
 * Metric 2: the authorization URL. Plain: fresh state, nonce and PKCE (S256) in a query. Signed:
 * the same parameters in a request object by value (RFC 9101), RS256 and ES256.
 */
import { type JWK, SignJWT } from 'jose'
import * as oc from 'openid-client'
import type { Sdk } from '../lib/build.js'
import {
  type Alg,
  CLIENT_ID,
  CLIENT_SECRET,
  cannedOp,
  ISSUER,
  makeKey,
  metadata,
  type OpKeys,
  REDIRECT_URI,
  type SigningKey,
  tokenResponseBody,
} from '../lib/fixtures.js'
import type { Contender } from '../lib/harness.js'

export const SIGN_FLOOR = 'jose SignJWT alone (floor)'
export const PLAIN_FLOOR = 'openid-client'

const none = (count: number): undefined[] => new Array<undefined>(count).fill(undefined)

/** This SDK, query transport (the transaction is saved in the default memory store, as in use). */
function sdkPlain(sdk: Sdk, keys: OpKeys): Contender<undefined> {
  const config = sdk.createConfiguration(
    metadata(),
    { client_id: CLIENT_ID, client_secret: CLIENT_SECRET, redirect_uris: [REDIRECT_URI] },
    { fetch: cannedOp(keys, tokenResponseBody('unused')).fetch },
  )
  return {
    name: 'oidc-rp',
    prepare: none,
    run: () => sdk.createAuthorizationRequest(config),
  }
}

/** openid-client: random state, nonce and verifier, the S256 challenge, buildAuthorizationUrl. */
function ocPlain(): Contender<undefined> {
  const config = new oc.Configuration(metadata() as oc.ServerMetadata, CLIENT_ID, CLIENT_SECRET)
  return {
    name: PLAIN_FLOOR,
    prepare: none,
    run: async () => {
      const state = oc.randomState()
      const nonce = oc.randomNonce()
      const verifier = oc.randomPKCECodeVerifier()
      const challenge = await oc.calculatePKCECodeChallenge(verifier)
      return oc.buildAuthorizationUrl(config, {
        redirect_uri: REDIRECT_URI,
        scope: 'openid',
        state,
        nonce,
        code_challenge: challenge,
        code_challenge_method: 'S256',
      })
    },
  }
}

/** The contenders of the plain authorization URL, openid-client as the reference. */
export function plainContenders(sdk: Sdk, keys: OpKeys): Contender[] {
  return [sdkPlain(sdk, keys), ocPlain()] as Contender[]
}

/** This SDK with a request object by value, signed with the client's key. */
function sdkSigned(sdk: Sdk, keys: OpKeys, key: SigningKey): Contender<undefined> {
  const config = sdk.createConfiguration(
    metadata(),
    {
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      redirect_uris: [REDIRECT_URI],
      request_object_signing_alg: key.alg,
      keys: [{ privateKey: key.privateKey, kid: key.kid, alg: key.alg }],
    },
    {
      fetch: cannedOp(keys, tokenResponseBody('unused')).fetch,
      policy: { transport: 'request-object', requestObject: { alg: key.alg } },
    },
  )
  return {
    name: 'oidc-rp',
    prepare: none,
    run: () => sdk.createAuthorizationRequest(config),
  }
}

/** openid-client's buildAuthorizationUrlWithJAR with the same parameters. */
function ocSigned(key: SigningKey): Contender<undefined> {
  const config = new oc.Configuration(metadata() as oc.ServerMetadata, CLIENT_ID, CLIENT_SECRET)
  return {
    name: 'openid-client',
    prepare: none,
    run: async () => {
      const verifier = oc.randomPKCECodeVerifier()
      return oc.buildAuthorizationUrlWithJAR(
        config,
        {
          redirect_uri: REDIRECT_URI,
          scope: 'openid',
          state: oc.randomState(),
          nonce: oc.randomNonce(),
          code_challenge: await oc.calculatePKCECodeChallenge(verifier),
          code_challenge_method: 'S256',
        },
        { key: key.privateKey, kid: key.kid },
      )
    },
  }
}

/** The floor: jose's SignJWT of request-object claims alone (no randomness, no URL). */
function signFloor(key: SigningKey): Contender<undefined> {
  const claims = {
    response_type: 'code',
    client_id: CLIENT_ID,
    redirect_uri: REDIRECT_URI,
    scope: 'openid',
    state: 'x'.repeat(43),
    nonce: 'y'.repeat(43),
    code_challenge: 'z'.repeat(43),
    code_challenge_method: 'S256',
    jti: 'j'.repeat(22),
  }
  return {
    name: SIGN_FLOOR,
    prepare: none,
    run: () =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'oauth-authz-req+jwt' })
        .setIssuer(CLIENT_ID)
        .setAudience(ISSUER)
        .setIssuedAt()
        .setNotBefore('0s')
        .setExpirationTime('5m')
        .sign(key.privateKey),
  }
}

/** The contenders of the signed request object for one alg (floor last), and the client's public key. */
export async function signedContenders(
  sdk: Sdk,
  keys: OpKeys,
  alg: Alg,
): Promise<{ contenders: Contender[]; publicKey: JWK }> {
  const key = await makeKey(alg, `client-${alg.toLowerCase()}`)
  return {
    contenders: [sdkSigned(sdk, keys, key), ocSigned(key), signFloor(key)] as Contender[],
    publicKey: key.publicJwk,
  }
}
