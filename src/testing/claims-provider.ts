/**
 * A mock claims provider (OIDC Core §5.6.2), and the claim sources the mock OP names with it.
 *
 * The provider has its own issuer, key, OpenID configuration, JWKS and an endpoint for distributed
 * claims that checks its access tokens. The mock OP, given `claimSources`, puts `_claim_names` and
 * `_claim_sources` in UserInfo or the ID token: an aggregated JWT the provider signed, or the
 * provider's endpoint with an access token it issued.
 *
 * @module
 */

import type {
  ClaimSourceFault,
  ClaimsJwtOptions,
  ClaimsProviderRequest,
  MockClaimSource,
  MockClaimsProvider,
  MockClaimsProviderOptions,
} from './claim-source-types.js'
import { jsonResponse, randomToken, textResponse } from './http.js'
import { corruptSignature, generateKey, signCompact } from './keys.js'
import { MockOPError } from './mock-op-error.js'

/**
 * Creates a mock claims provider with a fresh signing key.
 * @param options - issuer, users' claims, alg, clock
 * @returns the provider
 * @throws {@link MockOPError} for an issuer that is not a URL
 * @example
 * ```ts
 * const bank = await createMockClaimsProvider({ users: { alice: { credit_score: 700 } } })
 * const op = await createMockOP({
 *   clients, users,
 *   claimSources: [{ provider: bank, kind: 'distributed', claims: ['credit_score'] }],
 * })
 * ```
 * @group Everyday use
 */
export async function createMockClaimsProvider(
  options: MockClaimsProviderOptions,
): Promise<MockClaimsProvider> {
  const issuer = options.issuer ?? 'https://claims.example.com'
  if (!URL.canParse(issuer)) throw new MockOPError(`issuer ${issuer} is not a URL`)
  const origin = new URL(issuer).origin
  const base = issuer.replace(/\/$/, '')
  const alg = options.signingAlg ?? 'ES256'
  const key = await generateKey(alg, 'sig')
  const now = options.now ?? Date.now
  const tokens = new Map<string, { user: string; claims: readonly string[] } & ClaimsJwtOptions>()
  const requests: ClaimsProviderRequest[] = []
  const endpoint = `${base}/claims`

  const claimsJwt = async (
    user: string,
    names: readonly string[],
    jwtOptions: ClaimsJwtOptions = {},
  ): Promise<string> => {
    const held = options.users[user] ?? {}
    const payload: Record<string, unknown> = { iss: issuer, iat: Math.floor(now() / 1000) }
    for (const name of names) if (held[name] !== undefined) payload[name] = held[name]
    const { fault, audience } = jwtOptions
    if (audience !== undefined) payload.aud = audience
    if (jwtOptions.subject !== undefined) payload.sub = jwtOptions.subject
    if (fault === 'other-issuer') payload.iss = 'https://unknown-claims.example'
    if (fault === 'wrong-audience') payload.aud = 'https://other-client.example'
    const header = { alg: fault === 'alg-none' ? 'none' : alg, kid: key.kid }
    const jws = await signCompact(
      payload,
      header,
      fault === 'alg-none' ? undefined : key.privateKey,
    )
    return fault === 'bad-signature' ? corruptSignature(jws) : jws
  }

  const serveClaims = async (request: Request): Promise<Response> => {
    const match = /^Bearer +(\S+)$/i.exec(request.headers.get('authorization') ?? '')
    const grant = match?.[1] === undefined ? undefined : tokens.get(match[1])
    if (grant === undefined || grant.fault === 'unauthorized') {
      return jsonResponse({ error: 'invalid_token' }, 401, {
        'www-authenticate': 'Bearer error="invalid_token"',
      })
    }
    if (grant.fault === 'garbage') return textResponse('<html>not claims</html>', 200)
    const held = options.users[grant.user] ?? {}
    if (grant.fault === 'json') {
      return jsonResponse(Object.fromEntries(grant.claims.map((name) => [name, held[name]])))
    }
    const jwt = await claimsJwt(grant.user, grant.claims, grant)
    return new Response(jwt, { headers: { 'content-type': 'application/jwt' } })
  }

  const serve = async (request: Request): Promise<Response> => {
    const url = new URL(request.url)
    const authorization = request.headers.get('authorization')
    requests.push({ url: url.href, ...(authorization === null ? {} : { authorization }) })
    const target = `${url.origin}${url.pathname}`
    if (request.method !== 'GET') return textResponse('method not allowed', 405, { allow: 'GET' })
    if (target === `${base}/.well-known/openid-configuration`) {
      return jsonResponse({ issuer, jwks_uri: `${base}/jwks` })
    }
    if (target === `${base}/jwks`) return jsonResponse({ keys: [{ ...key.jwk }] })
    if (target === endpoint) return serveClaims(request)
    return textResponse('not found', 404)
  }

  return {
    issuer,
    endpoint,
    requests,
    jwks: () => ({ keys: [{ ...key.jwk }] }),
    fetch: (input, init) => serve(new Request(input, init)),
    handles: (url) => new URL(url).origin === origin,
    claimsJwt,
    issueAccessToken: (user, names, tokenOptions = {}) => {
      const token = randomToken()
      tokens.set(token, { ...tokenOptions, user, claims: [...names] })
      return token
    },
  }
}

/**
 * Adds `_claim_names` and `_claim_sources` for the sources named at this place.
 * @param sources - the OP's claim sources
 * @param where - UserInfo or the ID token
 * @param sub - the end-user
 * @param clientId - the client (the aggregated JWTs' `aud`)
 * @param fault - how this response's sources go wrong, if at all
 * @param claims - the response's claims, changed in place
 */
export async function addClaimSources(
  sources: readonly MockClaimSource[],
  where: 'userinfo' | 'id_token',
  sub: string,
  clientId: string,
  fault: ClaimSourceFault | undefined,
  claims: Record<string, unknown>,
): Promise<void> {
  const names: Record<string, string> = {}
  const members: Record<string, unknown> = {}
  for (const [i, source] of sources.entries()) {
    if ((source.in ?? 'userinfo') !== where) continue
    const name = source.name ?? `src${i + 1}`
    for (const claim of source.claims) names[claim] = name
    const options = { audience: clientId, ...(fault === undefined ? {} : { fault }) }
    members[name] =
      source.kind === 'aggregated'
        ? { JWT: await source.provider.claimsJwt(sub, source.claims, options) }
        : {
            endpoint:
              fault === 'endpoint-elsewhere'
                ? 'https://elsewhere.example/claims'
                : source.provider.endpoint,
            access_token: source.provider.issueAccessToken(sub, source.claims, options),
          }
  }
  if (Object.keys(members).length === 0) return
  claims._claim_names = names
  claims._claim_sources = members
}
