/**
 * The claims that describe a token or an authentication, not the end-user.
 *
 * @module
 */

/**
 * Claims that describe the token or the authentication, not the end-user.
 *
 * In the merged claims the ID token's value always wins, and UserInfo never overrides them. They
 * are not counted as "not in contract" either, and no claim source or attribute lookup provides
 * them.
 * @internal
 */
export const PROTOCOL_CLAIMS: ReadonlySet<string> = new Set([
  'iss',
  'sub',
  'aud',
  'exp',
  'iat',
  'nbf',
  'jti',
  'auth_time',
  'nonce',
  'acr',
  'amr',
  'azp',
  'at_hash',
  'c_hash',
  's_hash',
  'sid',
])
