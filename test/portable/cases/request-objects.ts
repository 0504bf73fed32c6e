/** Signed request objects (RFC 9101) with the client's keys: RS256, ES256, EdDSA and HS256. */
import { equal, ok } from '../assert.js'
import { countingStore, type Env, REDIRECT, SECRET } from '../fixtures.js'
import type { Case } from '../harness.js'

export function requestObjectCases(env: Env): Case[] {
  const { lib } = env

  /** The OP receives a request object of this alg, its claims carry the request, the sign-in completes. */
  const signed = (alg: 'RS256' | 'ES256' | 'HS256'): Case => ({
    name: `request object ${alg}: signed, verified by the OP, and the sign-in completes`,
    async run() {
      const { op, keys } = await env.sharedOp()
      const { config } = await env.rp(
        'basic',
        {
          policy: {
            transport: 'request-object',
            requestObject: { alg },
            scopes: ['openid', 'email'],
          },
        },
        alg === 'HS256' ? {} : { keys: [keys[alg].key] },
      )
      const returned = await env.authorize(config, op)
      equal(
        returned.request.url.searchParams.has('nonce'),
        false,
        'the nonce travels in the object only',
      )
      const recorded = op.requests.find((r) => r.endpoint === 'authorization')?.requestObject
      equal(recorded?.alg, alg, 'alg')
      equal(recorded?.encrypted, false, 'not encrypted')
      equal(recorded?.claims.iss, 'basic', 'iss is the client_id')
      equal(recorded?.claims.aud, op.issuer, 'aud is the issuer')
      equal(recorded?.claims.nonce, returned.request.transaction.nonce, 'nonce')
      equal(recorded?.claims.redirect_uri, REDIRECT, 'redirect_uri')
      const result = await env.callback(config, returned.input)
      equal(result.claims.email, 'alice@example.com', 'signed in')
    },
  })

  return [
    signed('RS256'),
    signed('ES256'),
    signed('HS256'),
    {
      name: 'request object EdDSA: an Ed25519 WebCrypto key signs it and the OP verifies it',
      async run() {
        const pair = await env.keyPair('EdDSA', 'rp-ed')
        const op = await env.soloOp({ jwks: { keys: [pair.publicJwk as never] } })
        const config = env.soloConfig(
          op,
          { keys: [pair.key] },
          { policy: { transport: 'request-object' } },
        )
        const result = await env.signIn(config, op)
        const recorded = op.requests.find((r) => r.endpoint === 'authorization')?.requestObject
        equal(recorded?.alg, 'EdDSA', 'alg')
        equal(result.idTokenClaims.sub, 'alice', 'signed in')
      },
    },
    {
      name: 'request object: encrypted to the OP key (RSA-OAEP-256) after signing',
      async run() {
        const { op, keys } = await env.sharedOp()
        const { config } = await env.rp(
          'basic',
          {
            policy: {
              transport: 'request-object',
              requestObject: { alg: 'ES256', encrypt: { alg: 'RSA-OAEP-256', enc: 'A128GCM' } },
            },
          },
          { keys: [keys.ES256.key] },
        )
        const result = await env.signIn(config, op)
        const recorded = op.requests.find((r) => r.endpoint === 'authorization')?.requestObject
        equal(recorded?.encrypted, true, 'encrypted')
        equal(recorded?.alg, 'ES256', 'signed inside')
        equal(result.idTokenClaims.sub, 'alice', 'signed in')
      },
    },
    {
      name: 'request object: an alg the OP does not advertise is OP_UNSUPPORTED_REQUEST_OBJECT_ALG',
      async run() {
        const { op, keys } = await env.sharedOp()
        const meta = { ...op.metadata(), request_object_signing_alg_values_supported: ['RS256'] }
        const client = {
          client_id: 'basic',
          client_secret: SECRET,
          redirect_uris: [REDIRECT],
          keys: [keys.ES256.key],
        }
        const policy = { transport: 'request-object', requestObject: { alg: 'ES256' } } as const
        const config = lib.createConfiguration(meta, client, { fetch: op.fetch, policy })
        await env.expectCode(
          lib.createAuthorizationRequest(config),
          'OP_UNSUPPORTED_REQUEST_OBJECT_ALG',
        )
        const rsClient = { ...client, keys: [keys.RS256.key] }
        const noRequests = lib.createConfiguration(
          { ...meta, request_parameter_supported: false },
          rsClient,
          {
            policy: { transport: 'request-object', requestObject: { alg: 'RS256' } },
          },
        )
        await env.expectCode(
          lib.createAuthorizationRequest(noRequests),
          'OP_UNSUPPORTED_REQUEST_OBJECT',
        )
        const twin = lib.createConfiguration(meta, rsClient, {
          policy: { transport: 'request-object', requestObject: { alg: 'RS256' } },
        })
        ok((await lib.createAuthorizationRequest(twin)).url.searchParams.get('request'), 'twin')
      },
    },
    {
      name: 'request object: no client key for the alg is MISSING_CREDENTIALS, and nothing is saved',
      async run() {
        const { store, saved } = countingStore(lib)
        const { keys } = await env.sharedOp()
        const policy = { transport: 'request-object', requestObject: { alg: 'RS256' } } as const
        const { config } = await env.rp('basic', { policy, store }, { keys: [keys.ES256.key] })
        await env.expectCode(lib.createAuthorizationRequest(config), 'MISSING_CREDENTIALS')
        equal(saved(), 0, 'nothing saved')
        const { config: twin } = await env.rp(
          'basic',
          { policy, store },
          { keys: [keys.RS256.key] },
        )
        const request = await lib.createAuthorizationRequest(twin)
        ok(await store.take(request.state), 'the twin is saved')
      },
    },
  ]
}
