/**
 * Request objects passed by value (`request=`, OIDC Core §6.1, RFC 9101).
 *
 * Decryption, signature and claim checks, and the merge with the query parameters.
 *
 * @module
 */

import { compactDecrypt, decodeJwt, decodeProtectedHeader, type JWTPayload, jwtVerify } from 'jose'
import { OAuthFailure } from './http.js'
import { ASYMMETRIC_ALGS, verifyWithClientKeys } from './jwt.js'
import { ENCRYPTION_ALGS, isHmac } from './keys.js'
import { nowSeconds, type OpState } from './state.js'
import type { MockClient, RecordedRequest } from './types.js'

/** A verified request object. */
export interface RequestObject {
  /** Its authorization parameters, as strings. */
  params: Record<string, string>
  /** What {@link RecordedRequest.requestObject} records. */
  record: NonNullable<RecordedRequest['requestObject']>
}

/** JWT claims that are not authorization parameters. */
const JWT_CLAIMS = new Set(['iss', 'aud', 'exp', 'iat', 'nbf', 'jti'])

/**
 * Reads and checks a request object sent by a client.
 * @param state - the OP state
 * @param client - the client named by the request
 * @param jwt - the `request` value (JWS, unsecured JWT, or JWE wrapping either)
 * @returns its parameters and what to record
 * @throws OAuthFailure `invalid_request_object`
 */
export async function readRequestObject(
  state: OpState,
  client: MockClient,
  jwt: string,
): Promise<RequestObject> {
  const fail = (why: string) => new OAuthFailure('invalid_request_object', why)
  const encrypted = jwt.split('.').length === 5
  const inner = encrypted
    ? await decrypt(state, jwt).catch(() => Promise.reject(fail('cannot decrypt')))
    : jwt
  let alg: string
  try {
    alg = decodeProtectedHeader(inner).alg ?? ''
  } catch {
    throw fail('not a JWT')
  }
  if (
    client.request_object_signing_alg !== undefined &&
    alg !== client.request_object_signing_alg
  ) {
    throw fail(`request objects must be signed with ${client.request_object_signing_alg}`)
  }
  const claims = await verifySignature(state, client, inner, alg).catch((error: unknown) =>
    Promise.reject(fail(`signature check failed: ${(error as Error).message}`)),
  )
  checkClaims(state, client, claims, alg !== 'none')
  return { params: toParams(claims), record: { alg, encrypted, claims: { ...claims } } }
}

/**
 * Merges the query with the request object's parameters (OIDC Core §6.1).
 *
 * Parameters present in both must be equal; the request object's values win.
 *
 * @param query - the query or form parameters
 * @param object - the request object's parameters
 * @returns the effective parameters
 * @throws OAuthFailure `invalid_request_object` when a parameter differs
 */
export function mergeRequestObject(
  query: Record<string, string>,
  object: Record<string, string>,
): Record<string, string> {
  const { request: _request, ...rest } = query
  for (const [name, value] of Object.entries(rest)) {
    const inObject = object[name]
    if (inObject !== undefined && inObject !== value) {
      throw new OAuthFailure(
        'invalid_request_object',
        `${name} differs between query and request object`,
      )
    }
  }
  return { ...rest, ...object }
}

/** Decrypts a JWE request object with the OP's encryption key. */
async function decrypt(state: OpState, jwe: string): Promise<string> {
  const { plaintext } = await compactDecrypt(
    jwe,
    (header) => {
      const key = state.keys.encryption.find((k) =>
        header.kid === undefined ? k.alg === header.alg : k.kid === header.kid,
      )
      if (!key) throw new Error('no such OP encryption key')
      return key.privateKey
    },
    {
      keyManagementAlgorithms: ENCRYPTION_ALGS,
      contentEncryptionAlgorithms: ['A128GCM', 'A256GCM'],
    },
  )
  return new TextDecoder().decode(plaintext)
}

/**
 * Verifies the signature (HS* with the client secret, asymmetric with the client's keys, or none).
 */
async function verifySignature(
  state: OpState,
  client: MockClient,
  jwt: string,
  alg: string,
): Promise<JWTPayload> {
  const options = { currentDate: new Date(state.now()), clockTolerance: 5 }
  if (alg === 'none') {
    if (!jwt.endsWith('.') || jwt.split('.').length !== 3)
      throw new Error('unsecured JWT has a signature')
    return decodeJwt(jwt)
  }
  if (isHmac(alg)) {
    if (client.client_secret === undefined) throw new Error('client has no secret')
    const secret = new TextEncoder().encode(client.client_secret)
    return (await jwtVerify(jwt, secret, { ...options, algorithms: [alg] })).payload
  }
  return verifyWithClientKeys(jwt, client, { ...options, algorithms: ASYMMETRIC_ALGS })
}

/** Checks iss, aud, exp and client_id (RFC 9101 §4, §6.3). */
function checkClaims(
  state: OpState,
  client: MockClient,
  claims: JWTPayload,
  signed: boolean,
): void {
  const fail = (why: string) => new OAuthFailure('invalid_request_object', why)
  if ((signed || claims.iss !== undefined) && claims.iss !== client.client_id) {
    throw fail('iss must be the client_id')
  }
  const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud]
  if ((signed || claims.aud !== undefined) && !aud.includes(state.issuer)) {
    throw fail('aud must be the issuer')
  }
  if (
    claims.exp !== undefined &&
    (typeof claims.exp !== 'number' || claims.exp <= nowSeconds(state))
  ) {
    throw fail('request object expired')
  }
  if (claims.client_id !== undefined && claims.client_id !== client.client_id) {
    throw fail('client_id differs from the query client_id')
  }
  if (claims.request !== undefined || claims.request_uri !== undefined) {
    throw fail('request objects must not contain request or request_uri')
  }
}

/** The request object's authorization parameters as strings. */
function toParams(claims: JWTPayload): Record<string, string> {
  const params: Record<string, string> = {}
  for (const [name, value] of Object.entries(claims)) {
    if (JWT_CLAIMS.has(name) || value === undefined || value === null) continue
    params[name] = typeof value === 'string' ? value : JSON.stringify(value)
  }
  return params
}
