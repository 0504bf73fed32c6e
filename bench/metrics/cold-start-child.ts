/**
 * One cold start, run by bench/metrics/cold-start.ts in a fresh `node` process (compiled to plain
 * JavaScript first, so no loader runs):
 * `node cold-start-child.js <oidc-rp|openid-client|openid-client-defaults> <SDK specifier> <context.json>`.
 *
 * It times the import of the main entry, then the first sign-in of the process from the same start:
 * discovery, the authorization URL, and the code callback with the ID token's signature verified
 * (openid-client with `enableNonRepudiationChecks`, or with its defaults, which skip it), every
 * response from an injected `fetch`. The token endpoint signs the ID token with `node:crypto`, loaded
 * on first use, so both contenders pay for it alike and no JOSE library is loaded before theirs.
 * Prints `{"importMs","signInMs"}`.
 */
import { readFileSync } from 'node:fs'
import { callbackUrl as backUrl, cannedFetch, type OpContext } from '../lib/canned-op.js'

const [contender, specifier, contextPath] = process.argv.slice(2) as [string, string, string]
const ctx = JSON.parse(readFileSync(contextPath, 'utf8')) as OpContext
let nonce = ''
const fetcher = cannedFetch(ctx, () => nonce)
const callbackUrl = (state: string) => backUrl(ctx, state)

const started = performance.now()
const imported: unknown = await import(specifier)
const importMs = performance.now() - started

if (contender === 'oidc-rp') {
  const sdk = imported as typeof import('../../src/index.js')
  const config = await sdk.discover(
    ctx.issuer,
    {
      client_id: ctx.clientId,
      client_secret: ctx.clientSecret,
      redirect_uris: [ctx.redirectUri],
    },
    { fetch: fetcher, userinfo: 'never' },
  )
  const { url, browserBinding } = await sdk.createAuthorizationRequest(config)
  nonce = url.searchParams.get('nonce') ?? ''
  await sdk.handleCallback(config, callbackUrl(url.searchParams.get('state') ?? ''), {
    browserBinding: browserBinding?.value ?? '',
  })
} else {
  const sdk = imported as typeof import('openid-client')
  const config = await sdk.discovery(
    new URL(ctx.issuer),
    ctx.clientId,
    ctx.clientSecret,
    undefined,
    { [sdk.customFetch]: fetcher },
  )
  if (contender === 'openid-client') sdk.enableNonRepudiationChecks(config)
  const state = sdk.randomState()
  nonce = sdk.randomNonce()
  const verifier = sdk.randomPKCECodeVerifier()
  sdk.buildAuthorizationUrl(config, {
    redirect_uri: ctx.redirectUri,
    scope: 'openid',
    state,
    nonce,
    code_challenge: await sdk.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
  })
  await sdk.authorizationCodeGrant(config, new URL(callbackUrl(state)), {
    expectedState: state,
    expectedNonce: nonce,
    pkceCodeVerifier: verifier,
    idTokenExpected: true,
  })
}
console.log(JSON.stringify({ importMs, signInMs: performance.now() - started }))
