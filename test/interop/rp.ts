/**
 * The relying party's side, the same in every interop suite: its redirect URIs, the scopes it asks
 * for, its RS256 keys, and a sign-in started with the SDK and finished with where the OP sent the
 * browser.
 * @module
 */
import { exportJWK, generateKeyPair, type JWK } from 'jose'
import * as page from '../../src/browser/index.js'
import {
  type CallbackOptions,
  type Configuration,
  createAuthorizationRequest,
  handleCallback,
  type SignInResult,
} from '../../src/index.js'
import { MemoryStorage } from '../support/browser.js'
import type { LoginResult } from './scripted-browser.js'

export const REDIRECT = 'https://rp.example.test/callback'
export const SIGNED_OUT = 'https://rp.example.test/signed-out'
/** The scopes asked for: the OPs release `name` with profile, `email` with email. */
export const PROFILE = { scopes: ['openid', 'profile', 'email'] }

/**
 * Generates a private RS256 JWK and its public half.
 * @param kid - the key id of both
 */
export async function keyPair(kid: string): Promise<{ privateJwk: JWK; publicJwk: JWK }> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true })
  const meta = { kid, alg: 'RS256', use: 'sig' }
  return {
    privateJwk: { ...(await exportJWK(privateKey)), ...meta },
    publicJwk: { ...(await exportJWK(publicKey)), ...meta },
  }
}

/**
 * What handleCallback gets from the browser: the redirect URL, or the form_post POST.
 * @param back - where the OP sent the browser
 */
export function callbackInput(back: LoginResult): URL | Request {
  if (back.method === 'GET') return back.url
  return new Request(back.url, { method: 'POST', body: back.body ?? '' })
}

/** An authorization request on its way: where the browser goes, and how the RP ends it. */
export interface PendingSignIn {
  readonly url: URL
  /** Hands the browser's arrival back to the SDK, as the RP's callback route would. */
  finish(back: LoginResult | URL | Request, options?: CallbackOptions): Promise<SignInResult>
}

/**
 * Starts an authorization request with the SDK (the one place that pairs a request with its
 * callback, with whatever the request returned for it).
 * @param config - the configuration
 * @returns the URL and the callback of this sign-in
 */
export async function begin(config: Configuration): Promise<PendingSignIn> {
  const { url, browserBinding } = await createAuthorizationRequest(config)
  // the browser keeps the sign-in's binding cookie and sends it with the redirect back
  const cookie = browserBinding ? `${browserBinding.name}=${browserBinding.value}` : ''
  return {
    url,
    finish: (back, options = {}) =>
      handleCallback(
        config,
        back instanceof URL || back instanceof Request ? back : callbackInput(back),
        { cookie, ...options },
      ),
  }
}

/**
 * A page's whole sign-in with `oidc-rp/browser`'s lean functions: the OP's public client, PKCE, the
 * pending sign-in in web storage, the profile and email scopes.
 * @param issuer - the OP
 * @param login - plays the user at the OP from the authorization URL to the redirect back
 * @returns the page's sign-in
 */
export async function pageSignIn(
  issuer: string,
  login: (url: URL) => Promise<LoginResult>,
): Promise<{ config: page.PageConfiguration; result: page.PageSignInResult }> {
  const store = page.createWebStorageTransactionStore({ storage: new MemoryStorage() })
  const config = await page.discover(
    issuer,
    { client_id: 'public', redirect_uris: [REDIRECT] },
    { store },
  )
  const { url } = await page.createAuthorizationRequest(config, { scope: 'openid profile email' })
  const back = await login(url)
  if (back.method !== 'GET') throw new Error(`the OP came back with a ${back.method}`)
  return { config, result: await page.handleCallback(config, back.url) }
}
