/**
 * The OP of the benchmark's child processes (cold start, bundle path): a canned `fetch` answering
 * discovery, the JWKS, the token endpoint and UserInfo, from the context the parent wrote
 * (bench/lib/op-context.ts). The ID token is signed with `node:crypto`, loaded on first use, and
 * nothing else is imported, so a child loads no module before the contender's.
 */
/** What a child knows of the OP and the client. */
export interface OpContext {
  readonly issuer: string
  readonly clientId: string
  readonly clientSecret: string
  readonly redirectUri: string
  readonly metadata: Record<string, unknown>
  readonly publicJwk: Record<string, unknown>
  readonly privatePem: string
}

const json = (body: unknown) =>
  new Response(JSON.stringify(body), { headers: { 'content-type': 'application/json' } })
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')

/**
 * The canned OP's `fetch`.
 * @param ctx - the context
 * @param nonce - gives the nonce the next ID token carries (the one the sign-in sent)
 * @returns the `fetch`
 */
export function cannedFetch(
  ctx: OpContext,
  nonce: () => string,
): (input: RequestInfo | URL) => Promise<Response> {
  async function idToken(): Promise<string> {
    const { createPrivateKey, sign } = await import('node:crypto')
    const now = Math.floor(Date.now() / 1000)
    const claims = {
      iss: ctx.issuer,
      sub: 'user-1234',
      aud: ctx.clientId,
      iat: now,
      exp: now + 300,
    }
    const input = `${b64({ alg: 'RS256', kid: ctx.publicJwk.kid })}.${b64({ ...claims, nonce: nonce() })}`
    const signature = sign('sha256', Buffer.from(input), createPrivateKey(ctx.privatePem))
    return `${input}.${signature.toString('base64url')}`
  }
  return async (input) => {
    const href = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url
    switch (href.slice(ctx.issuer.length)) {
      case '/.well-known/openid-configuration':
        return json(ctx.metadata)
      case '/jwks':
        return json({ keys: [ctx.publicJwk] })
      case '/token':
        return json({
          access_token: 'at-canned',
          token_type: 'Bearer',
          expires_in: 300,
          id_token: await idToken(),
        })
      case '/userinfo':
        return json({ sub: 'user-1234', name: 'Ada' })
      default:
        return new Response('not found', { status: 404 })
    }
  }
}

/**
 * The URL the OP sends the browser back to with a code.
 * @param ctx - the context
 * @param state - the sign-in's state
 * @returns the callback URL
 */
export function callbackUrl(ctx: OpContext, state: string): string {
  return `${ctx.redirectUri}?code=c0de&state=${state}&iss=${encodeURIComponent(ctx.issuer)}`
}
