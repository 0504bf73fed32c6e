/**
 * Request objects by value (RFC 9101, OIDC Core §6.1).
 *
 * The authorization parameters as the claims of a JWT signed with the client's key (or the client
 * secret for HS*), optionally encrypted to the OP's public key (`use: enc` in its JWKS, from the
 * same cache as the signature keys, fetched again at once after the cooldown when no key fits; a
 * key that cannot be safe is never used), or unsigned on explicit opt-in.
 *
 * @module
 */
import type { CompactJWSHeaderParameters, JWK } from 'jose'
import type { Configuration } from '../config/configuration.js'
import { isContentEncryption } from '../config/parameter-values.js'
import type { RequestTransport } from '../config/policy.js'
import { credentialsOf, runtimeOf } from '../config/runtime.js'
import { UsageError, ValidationError } from '../errors.js'
import { opJwksKeys } from '../keys.js'
import {
  FAPI2_SIGNING_ALGS,
  fitsEncryptionAlg,
  REQUEST_OBJECT_ENC_ALGS,
} from '../lib/algorithms.js'
import * as base64url from '../lib/base64url.js'
import { unsupportedError } from '../lib/checks.js'
import { clientSecret, signingKey } from '../lib/client-keys.js'
import { encryptionKeyProblem } from '../lib/ecdh-key-checks.js'
import { joseCore, joseEncrypt, joseSign } from '../lib/lazy-jose.js'
import { signCompactSync } from '../lib/node-crypto.js'
import { randomBase64url } from '../lib/random.js'

/** How long a request object is valid: `exp` = `iat` + this. */
const LIFETIME_IN_SECONDS = 300
const encoder = new TextEncoder()

/**
 * How a request object is protected.
 * @internal
 */
export interface RequestObjectOptions {
  /**
   * The JWS alg.
   *
   * `none` needs `allowUnsigned`. Default: the client's `request_object_signing_alg`, else its
   * first signing key's alg.
   */
  readonly alg?: string | undefined
  /** Explicit opt-in to `alg: none`. */
  readonly allowUnsigned?: boolean | undefined
  /** Encrypt to the OP's key with this JWE `alg` and `enc`. */
  readonly encrypt?: { readonly alg: string; readonly enc: string } | undefined
  /** Aborts the OP JWKS fetch needed for encryption. */
  readonly signal?: AbortSignal | undefined
  /**
   * The signing key, resolved beforehand with {@link requestObjectKey} (once per configuration).
   */
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
 * @param config - the configuration: its client credentials
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
      key: encoder.encode(clientSecret(credentialsOf(config), `an ${alg} request object`)),
      kid: undefined,
    }
  }
  const resolved = await signingKey(
    credentialsOf(config),
    alg ?? (config.securityProfile && FAPI2_SIGNING_ALGS),
    'a signed request object',
  )
  return { alg: resolved.alg, key: resolved.key, kid: resolved.kid, jwk: resolved.jwk }
}

/**
 * Builds a request object.
 *
 * The parameters plus `iss` (client_id), `aud` (the OP's issuer), `iat`, `nbf`, `exp` (five
 * minutes) and `jti`, in a JWS with `typ: oauth-authz-req+jwt` and the key's `kid`, then a JWE with
 * `cty: JWT` when encryption is asked.
 *
 * @param config - the configuration: its issuer, client_id, `request_object_*` algs, credentials
 * and clock
 * @param parameters - the authorization parameters, as JSON values
 * @param options - alg, unsigned opt-in, encryption
 * @returns the compact JWS (or JWE)
 * @throws {@link UsageError} `MISSING_CREDENTIALS` (no key for the alg, no client secret for HS*),
 * `INVALID_ARGUMENT` (`none` without opt-in)
 * @throws {@link ValidationError} `JWKS_NO_MATCHING_KEY` when encrypting and the OP publishes no
 * key for the alg,
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
  const iat = Math.floor(runtimeOf(config).now() / 1000)
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

/**
 * Imported encryption keys per JWK and alg.
 *
 * A re-fetched JWKS brings new JWK objects, so old imports fall away.
 */
const imported = new WeakMap<JWK, Map<string, CryptoKey>>()

/** Whether a public JWK can receive a JWE with this key management alg. */
function fits(jwk: JWK, alg: string): boolean {
  if (jwk.use !== undefined && jwk.use !== 'enc') return false
  if (jwk.alg !== undefined && jwk.alg !== alg) return false
  if (
    Array.isArray(jwk.key_ops) &&
    !jwk.key_ops.some((op) => op === 'encrypt' || op === 'wrapKey' || op === 'deriveKey')
  ) {
    return false
  }
  return fitsEncryptionAlg(jwk, alg)
}

/**
 * Picks the best fitting key that can be safe, or tells why none can be.
 *
 * Keys with an explicit `use: enc` and `alg` come first.
 */
function pick(keys: readonly JWK[], alg: string): { jwk?: JWK; problem?: string } {
  let best: JWK | undefined
  let bestScore = -1
  let problem: string | undefined
  for (const jwk of keys) {
    if (!fits(jwk, alg)) continue
    const unsafe = encryptionKeyProblem(jwk)
    if (unsafe !== undefined) {
      problem ??= unsafe
      continue
    }
    const score = (jwk.use === 'enc' ? 2 : 0) + (jwk.alg === alg ? 1 : 0)
    if (score > bestScore) {
      best = jwk
      bestScore = score
    }
  }
  return best === undefined ? (problem === undefined ? {} : { problem }) : { jwk: best }
}

/**
 * The OP's public key to encrypt a JWE to with a key management alg, from its JWKS.
 * @param config - the configuration: its OP key set
 * @param alg - the JWE `alg` (`RSA-OAEP-256`, `ECDH-ES`…)
 * @param signal - aborts a JWKS fetch
 * @returns the imported public key and its `kid`
 * @throws {@link ValidationError} `JWKS_NO_MATCHING_KEY` when the OP publishes no key for `alg`,
 * `JWKS_UNSAFE_KEY` when the only keys for it cannot be safe, `JWKS_INVALID`
 * @throws {@link TransportError} `HTTP_*` when the JWKS cannot be fetched
 */
async function opEncryptionKey(
  config: Configuration,
  alg: string,
  signal?: AbortSignal,
): Promise<{ key: CryptoKey; kid: string | undefined }> {
  let picked = pick(await opJwksKeys(config, false, signal), alg)
  if (picked.jwk === undefined) picked = pick(await opJwksKeys(config, true, signal), alg)
  const { jwk, problem } = picked
  if (jwk === undefined && problem !== undefined) {
    throw new ValidationError(
      'JWKS_UNSAFE_KEY',
      `the OP's encryption key for ${alg} cannot be safe (${problem}) and is not used`,
      { claim: 'keys', expected: 'a key that can be safe', actual: problem },
    )
  }
  if (jwk === undefined) {
    throw new ValidationError(
      'JWKS_NO_MATCHING_KEY',
      `the OP's JWKS has no encryption key for ${alg}`,
      {
        claim: 'use',
        expected: `an enc key for ${alg}`,
      },
    )
  }
  let byAlg = imported.get(jwk)
  if (byAlg === undefined) {
    byAlg = new Map()
    imported.set(jwk, byAlg)
  }
  let key = byAlg.get(alg)
  if (key !== undefined) return { key, kid: jwk.kid }
  try {
    key = (await (await joseCore()).importJWK({ ...jwk, ext: true }, alg)) as CryptoKey
  } catch (cause) {
    throw new ValidationError(
      'JWKS_INVALID',
      `the OP's encryption key for ${alg} cannot be imported`,
      {
        claim: 'keys',
        cause: cause instanceof Error ? new Error(cause.name) : undefined,
      },
    )
  }
  byAlg.set(alg, key)
  return { key, kid: jwk.kid }
}

/**
 * The request object's alg, key and encryption for a configuration, checked against the OP.
 * @param config - the policy, the OP's metadata and the client
 * @param transport - how the request travels
 * @returns the options every request object of the configuration is made with
 * @throws {@link UsageError} `INVALID_CONFIGURATION`, `MISSING_CREDENTIALS`,
 * `OP_UNSUPPORTED_REQUEST_OBJECT`, `OP_UNSUPPORTED_REQUEST_URI`,
 * `OP_UNSUPPORTED_REQUEST_OBJECT_ALG`
 * @internal
 */
export async function requestObjectOptions(
  config: Configuration,
  transport: RequestTransport,
): Promise<RequestObjectOptions> {
  const { policy, provider, client } = config
  const enforce = policy.enforceProviderSupport
  const settings = policy.requestObject
  const wanted = settings?.alg ?? client.request_object_signing_alg
  const key = wanted === 'none' ? undefined : await requestObjectKey(config, wanted)
  const alg = key?.alg ?? 'none'
  if (alg === 'none' && settings?.allowUnsigned !== true) {
    throw new UsageError(
      'INVALID_CONFIGURATION',
      'an unsigned request object needs policy.requestObject.allowUnsigned',
      {
        parameter: 'policy.requestObject.allowUnsigned',
      },
    )
  }
  let encrypt = settings?.encrypt
  const encAlg = client.request_object_encryption_alg
  if (encrypt === undefined && encAlg !== undefined) {
    const enc = client.request_object_encryption_enc ?? 'A128CBC-HS256'
    if (!REQUEST_OBJECT_ENC_ALGS.has(encAlg) || !isContentEncryption(enc)) {
      throw new UsageError(
        'INVALID_CONFIGURATION',
        'request_object_encryption_alg/enc must be an asymmetric JWE alg and a JWE enc',
        {
          parameter: 'request_object_encryption_alg',
        },
      )
    }
    encrypt = { alg: encAlg, enc }
  }
  if (enforce) {
    if (transport === 'request-object' && provider.request_parameter_supported !== true) {
      throw unsupportedError(
        'OP_UNSUPPORTED_REQUEST_OBJECT',
        'request',
        'request objects (request_parameter_supported)',
      )
    }
    // Discovery §3: request_uri_parameter_supported defaults to true
    if (transport === 'request-uri' && provider.request_uri_parameter_supported === false) {
      throw unsupportedError(
        'OP_UNSUPPORTED_REQUEST_URI',
        'request_uri',
        'request objects by reference (request_uri_parameter_supported)',
      )
    }
    const algs = provider.request_object_signing_alg_values_supported
    if (
      (algs !== undefined && !algs.includes(alg)) ||
      (alg === 'none' && provider.require_signed_request_object === true)
    ) {
      throw unsupportedError(
        'OP_UNSUPPORTED_REQUEST_OBJECT_ALG',
        'request',
        `request object alg ${alg}`,
      )
    }
    if (
      encrypt !== undefined &&
      !(
        provider.request_object_encryption_alg_values_supported?.includes(encrypt.alg) &&
        provider.request_object_encryption_enc_values_supported?.includes(encrypt.enc)
      )
    ) {
      throw unsupportedError(
        'OP_UNSUPPORTED_REQUEST_OBJECT_ALG',
        'request',
        `request object encryption ${encrypt.alg} / ${encrypt.enc}`,
      )
    }
  }
  return { alg, allowUnsigned: settings?.allowUnsigned, encrypt, key }
}
