/**
 * Request objects by value (RFC 9101, OIDC Core §6.1): the authorization parameters as the claims
 * of a JWT signed with the client's key (or the client secret for HS*), optionally encrypted to the
 * OP's public key, or unsigned on explicit opt-in.
 * @module
 */
import type { CompactJWSHeaderParameters, JWK } from 'jose'
import * as base64url from 'jose/base64url'
import type { Configuration } from '../config/configuration.js'
import { UsageError } from '../errors.js'
import { clientSecret, signingKey } from '../lib/keys.js'
import { joseEncrypt, joseSign } from '../lib/lazy-jose.js'
import { signCompactSync } from '../lib/node-crypto.js'
import { opEncryptionKey } from '../lib/op-keys.js'
import { randomBase64url } from '../lib/random.js'
import { RUNTIME } from '../lib/runtime.js'

/** How long a request object is valid: `exp` = `iat` + this. */
const LIFETIME_IN_SECONDS = 300
const encoder = new TextEncoder()

/**
 * How a request object is protected.
 * @internal
 */
export interface RequestObjectOptions {
  /** The JWS alg; `none` needs `allowUnsigned`. Default: the client's `request_object_signing_alg`, else its first signing key's alg. */
  readonly alg?: string | undefined
  /** Explicit opt-in to `alg: none`. */
  readonly allowUnsigned?: boolean | undefined
  /** Encrypt to the OP's key with this JWE `alg` and `enc`. */
  readonly encrypt?: { readonly alg: string; readonly enc: string } | undefined
  /** Aborts the OP JWKS fetch needed for encryption. */
  readonly signal?: AbortSignal | undefined
  /** The signing key, resolved beforehand with {@link requestObjectKey} (once per configuration). */
  readonly key?: RequestObjectKey | undefined
}

/**
 * A request-object signing key: the client's private key, or the client secret's bytes for HS*.
 * @internal
 */
export interface RequestObjectKey {
  readonly alg: string
  readonly key: CryptoKey | Uint8Array
  readonly kid: string | undefined
  /** The private JWK `key` was imported from, when there is one (lets Node sign synchronously). */
  readonly jwk?: JWK | undefined
}

/**
 * Resolves the key a request object is signed with.
 * @param config - the configuration
 * @param alg - the JWS alg (not `none`); `undefined` picks the first signing key
 * @returns the key, its alg and kid
 * @throws {@link UsageError} `MISSING_CREDENTIALS`
 * @internal
 */
export async function requestObjectKey(
  config: Configuration,
  alg: string | undefined,
): Promise<RequestObjectKey> {
  if (alg?.startsWith('HS')) {
    return {
      alg,
      key: encoder.encode(clientSecret(config, `an ${alg} request object`)),
      kid: undefined,
    }
  }
  const resolved = await signingKey(config, alg, 'a signed request object')
  return { alg: resolved.alg, key: resolved.key, kid: resolved.kid, jwk: resolved.jwk }
}

/**
 * Builds a request object: the parameters plus `iss` (client_id), `aud` (the OP's issuer), `iat`,
 * `nbf`, `exp` (five minutes) and `jti`, in a JWS with `typ: oauth-authz-req+jwt` and the key's
 * `kid`, then a JWE with `cty: JWT` when encryption is asked.
 * @param config - the configuration
 * @param parameters - the authorization parameters, as JSON values
 * @param options - alg, unsigned opt-in, encryption
 * @returns the compact JWS (or JWE)
 * @throws {@link UsageError} `MISSING_CREDENTIALS` (no key for the alg, no client secret for HS*), `INVALID_ARGUMENT` (`none` without opt-in)
 * @throws {@link ValidationError} `JWKS_NO_MATCHING_KEY` when encrypting and the OP publishes no key for the alg,
 * `JWKS_UNSAFE_KEY` when its only keys for the alg cannot be safe (never encrypted to)
 * @throws {@link TransportError} `HTTP_*` when the OP's JWKS cannot be fetched
 * @see {@link https://www.rfc-editor.org/rfc/rfc9101#section-4 | RFC 9101 §4}
 * @internal
 */
export async function createRequestObject(
  config: Configuration,
  parameters: Readonly<Record<string, unknown>>,
  options: RequestObjectOptions = {},
): Promise<string> {
  const iat = Math.floor(config[RUNTIME].now() / 1000)
  const claims = {
    ...parameters,
    iss: config.client.client_id,
    aud: config.issuer,
    iat,
    nbf: iat,
    exp: iat + LIFETIME_IN_SECONDS,
    jti: randomBase64url(16),
  }
  const payload = encoder.encode(JSON.stringify(claims))
  const alg = options.alg ?? config.client.request_object_signing_alg
  let jws: string
  if (alg === 'none') {
    if (options.allowUnsigned !== true) {
      throw new UsageError(
        'INVALID_ARGUMENT',
        'an unsigned request object needs allowUnsigned: true',
        {
          parameter: 'requestObject.alg',
        },
      )
    }
    const header = base64url.encode(JSON.stringify({ alg: 'none', typ: 'oauth-authz-req+jwt' }))
    jws = `${header}.${base64url.encode(payload)}.`
  } else {
    const key = options.key ?? (await requestObjectKey(config, alg))
    const header: CompactJWSHeaderParameters = { alg: key.alg, typ: 'oauth-authz-req+jwt' }
    if (key.kid !== undefined) header.kid = key.kid
    jws = await sign(payload, header, key.key, key.jwk)
  }
  if (options.encrypt === undefined) return jws
  const { alg: keyAlg, enc } = options.encrypt
  const target = await opEncryptionKey(config, keyAlg, options.signal)
  try {
    const { CompactEncrypt } = await joseEncrypt()
    return await new CompactEncrypt(encoder.encode(jws))
      .setProtectedHeader({
        alg: keyAlg,
        enc,
        cty: 'JWT',
        ...(target.kid === undefined ? {} : { kid: target.kid }),
      })
      .encrypt(target.key)
  } catch (cause) {
    throw new UsageError(
      'INVALID_CONFIGURATION',
      `the request object cannot be encrypted with ${keyAlg} / ${enc}`,
      {
        parameter: 'requestObject.encrypt',
        cause: cause instanceof Error ? new Error(cause.name) : undefined,
      },
    )
  }
}

async function sign(
  payload: Uint8Array,
  header: CompactJWSHeaderParameters,
  key: CryptoKey | Uint8Array,
  jwk: JWK | undefined,
): Promise<string> {
  const fast = key instanceof Uint8Array ? undefined : signCompactSync(key, header, payload, jwk)
  if (fast !== undefined) return fast
  try {
    const { CompactSign } = await joseSign()
    return await new CompactSign(payload).setProtectedHeader(header).sign(key)
  } catch (cause) {
    throw new UsageError(
      'INVALID_CONFIGURATION',
      `the request object cannot be signed with ${header.alg}`,
      {
        parameter: 'requestObject.alg',
        cause: cause instanceof Error ? new Error(cause.name) : undefined,
      },
    )
  }
}
