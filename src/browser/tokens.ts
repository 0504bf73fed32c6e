/**
 * The tokens of a signed-in page, and their reading back from another tab or from web storage.
 *
 * @module
 */

import type { AccessToken } from '../grants/token-messages.js'
import type { IdTokenClaims } from '../id-token.js'
import { isPlainObject, parseJsonOrUndefined } from '../lib/json.js'

/**
 * What a browser session keeps of a sign-in.
 * @internal
 */
export interface SessionTokens {
  /** The raw ID token (RP-initiated logout's `id_token_hint`). */
  readonly idToken: string
  /** Its validated claims. */
  readonly idTokenClaims: IdTokenClaims
  readonly accessToken?: AccessToken
  readonly refreshToken?: string
  /** The thumbprint of the DPoP key a `DPoP` access token is bound to (RFC 9449 §6). */
  readonly dpopJkt?: string
}

/**
 * Tokens as one generation of the session: the counter orders the changes made by every tab.
 * @internal
 */
export interface Generation {
  readonly generation: number
  readonly tokens: SessionTokens
}

/**
 * Reads tokens another tab posted or web storage kept, refusing anything of another shape.
 *
 * A `DPoP` access token comes with the thumbprint of its key, a `Bearer` one without.
 * @param value - the structured-cloned or parsed value
 * @returns the tokens, or `undefined` when the value is not tokens
 * @internal
 */
export function readSessionTokens(value: unknown): SessionTokens | undefined {
  if (!isPlainObject(value)) return undefined
  const { idToken, idTokenClaims, accessToken, refreshToken, dpopJkt } = value
  if (!nonEmpty(idToken) || !isPlainObject(idTokenClaims) || !nonEmpty(idTokenClaims.sub)) {
    return undefined
  }
  if (refreshToken !== undefined && !nonEmpty(refreshToken)) return undefined
  const access = accessToken === undefined ? undefined : readAccessToken(accessToken)
  if (accessToken !== undefined && access === undefined) return undefined
  if (access?.type === 'DPoP' ? !nonEmpty(dpopJkt) : dpopJkt !== undefined) return undefined
  return {
    idToken,
    idTokenClaims: idTokenClaims as unknown as IdTokenClaims,
    ...(access === undefined ? {} : { accessToken: access }),
    ...(refreshToken === undefined ? {} : { refreshToken }),
    ...(dpopJkt === undefined ? {} : { dpopJkt: dpopJkt as string }),
  }
}

/**
 * Reads a generation (a counter and its tokens) from web storage's JSON.
 * @param text - the stored item, or null
 * @returns the generation, or `undefined` when absent or of another shape
 * @internal
 */
export function parseGeneration(text: string | null): Generation | undefined {
  const value = parseJsonOrUndefined(text)
  if (!isPlainObject(value) || !isCounter(value.generation)) return undefined
  const tokens = readSessionTokens(value.tokens)
  return tokens === undefined ? undefined : { generation: value.generation, tokens }
}

/**
 * Tells whether a value can be a generation counter: a non-negative safe integer.
 * @param value - anything
 * @returns true for 0, 1, 2…
 * @internal
 */
export function isCounter(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0
}

/**
 * Tells whether the access token must be refreshed before use.
 * @param tokens - the session's tokens
 * @param nowInSeconds - the time
 * @param leewayInSeconds - how long before its expiry a token counts as expired
 * @returns true when there is no access token, or it expires within the leeway
 * @internal
 */
export function isDue(
  tokens: SessionTokens,
  nowInSeconds: number,
  leewayInSeconds: number,
): boolean {
  return isExpired(tokens, nowInSeconds + leewayInSeconds)
}

/**
 * Tells whether the access token is past its expiry (not merely within the leeway).
 * @param tokens - the session's tokens
 * @param nowInSeconds - the time
 * @returns true when there is no access token or it expired
 * @internal
 */
export function isExpired(tokens: SessionTokens, nowInSeconds: number): boolean {
  const expiresAt = tokens.accessToken?.expiresAt
  return tokens.accessToken === undefined || (expiresAt !== undefined && expiresAt <= nowInSeconds)
}

function readAccessToken(value: unknown): AccessToken | undefined {
  if (!isPlainObject(value) || !nonEmpty(value.value)) return undefined
  const { type, expiresAt, scope } = value
  if (type !== 'Bearer' && type !== 'DPoP') return undefined
  if (expiresAt !== undefined && !(typeof expiresAt === 'number' && Number.isFinite(expiresAt))) {
    return undefined
  }
  if (scope !== undefined && typeof scope !== 'string') return undefined
  return {
    value: value.value,
    type,
    ...(expiresAt === undefined ? {} : { expiresAt }),
    ...(scope === undefined ? {} : { scope }),
  }
}

function nonEmpty(value: unknown): value is string {
  return typeof value === 'string' && value !== ''
}
