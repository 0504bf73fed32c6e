/**
 * Synchronous fast paths where the runtime lends Node's crypto module.
 *
 * That is `process.getBuiltinModule`, Node 20.16+ and runtimes compatible with it: JWS signatures
 * verified and made with keys jose imported and WebCrypto checked, and SHA-256, without WebCrypto's
 * round trip through a worker thread. Where the module is absent (browsers, workers), for any key
 * or alg not covered, or on any exception, callers use WebCrypto as before: a fast path only ever
 * answers what WebCrypto would.
 *
 * @module
 */
import * as base64url from './base64url.js'
import { rsaProblem } from './key-checks.js'

/** The few members of Node's crypto module used here: typed by shape, no Node types in src. */
interface NodeKeyObject {
  readonly type: string
}
interface NodeKeyOptions {
  readonly key: NodeKeyObject
  readonly dsaEncoding?: 'ieee-p1363'
  readonly padding?: number
  readonly saltLength?: number
}
interface NodeHash {
  update(data: string): NodeHash
  digest(): Uint8Array
}
/** A JWK as Node's `createPublicKey`/`createPrivateKey` read it. */
interface JwkInput {
  readonly key: object
  readonly format: 'jwk'
}
interface NodeCrypto {
  readonly KeyObject: { from(key: CryptoKey): NodeKeyObject }
  createPublicKey(input: JwkInput): NodeKeyObject
  createPrivateKey(input: JwkInput): NodeKeyObject
  createHash(algorithm: string): NodeHash
  /** One-shot digest of a text's UTF-8 octets (Node 20.12 and later; not every runtime has it). */
  readonly hash?: (algorithm: string, data: string, outputEncoding: 'base64url') => string
  sign(algorithm: string | null, data: Uint8Array, key: NodeKeyOptions): Uint8Array
  verify(
    algorithm: string | null,
    data: Uint8Array,
    key: NodeKeyOptions,
    signature: Uint8Array,
  ): boolean
}
interface BuiltinModules {
  getBuiltinModule?(id: string): unknown
}

/** `crypto.constants.RSA_PKCS1_PSS_PADDING`. */
const RSA_PKCS1_PSS_PADDING = 6
const encoder = new TextEncoder()

/** The WebCrypto algorithm jose imports each JWS alg's keys as. */
interface AlgSpec {
  readonly name: string
  readonly hash?: string
  readonly curve?: string
  readonly saltLength?: number
}
const SPECS: Readonly<Record<string, AlgSpec>> = {
  RS256: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
  RS384: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-384' },
  RS512: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-512' },
  PS256: { name: 'RSA-PSS', hash: 'SHA-256', saltLength: 32 },
  PS384: { name: 'RSA-PSS', hash: 'SHA-384', saltLength: 48 },
  PS512: { name: 'RSA-PSS', hash: 'SHA-512', saltLength: 64 },
  ES256: { name: 'ECDSA', hash: 'SHA-256', curve: 'P-256' },
  ES384: { name: 'ECDSA', hash: 'SHA-384', curve: 'P-384' },
  ES512: { name: 'ECDSA', hash: 'SHA-512', curve: 'P-521' },
  EdDSA: { name: 'Ed25519' },
  Ed25519: { name: 'Ed25519' },
}

/** `undefined`: not looked up yet; `null`: not available (or turned off). */
let nodeCrypto: NodeCrypto | null | undefined

function lookup(): NodeCrypto | null {
  if (nodeCrypto === undefined) {
    nodeCrypto = null
    try {
      const host = (globalThis as { process?: BuiltinModules }).process
      const mod =
        typeof host?.getBuiltinModule === 'function'
          ? (host.getBuiltinModule('node:crypto') as Partial<NodeCrypto> | undefined)
          : undefined
      if (
        typeof mod?.sign === 'function' &&
        typeof mod.verify === 'function' &&
        typeof mod.createHash === 'function' &&
        typeof mod.createPublicKey === 'function' &&
        typeof mod.createPrivateKey === 'function' &&
        typeof mod.KeyObject?.from === 'function'
      ) {
        nodeCrypto = mod as NodeCrypto
      }
    } catch {
      // no fast path
    }
  }
  return nodeCrypto
}

/**
 * Turns the fast paths off (WebCrypto everywhere) or back on, so the tests run both paths.
 *
 * Back on means where the runtime offers them. Keys already prepared keep their fast path.
 *
 * @param enabled - whether to use Node's crypto module when present
 * @internal
 */
export function useNodeCrypto(enabled: boolean): void {
  nodeCrypto = enabled ? undefined : null
}

/**
 * The SHA-256 digest of a string's UTF-8 bytes, base64url-encoded (e.g. a PKCE S256 challenge).
 * @param value - the input
 * @returns the digest, or `undefined` when the runtime offers no synchronous hash (use WebCrypto)
 * @internal
 */
export function sha256Base64url(value: string): string | undefined {
  const node = lookup()
  if (node === null) return undefined
  try {
    return (
      node.hash?.('sha256', value, 'base64url') ??
      base64url.encode(node.createHash('sha256').update(value).digest())
    )
  } catch {
    return undefined
  }
}

/** Node's hash name and key options for a CryptoKey that passes jose's checks for the alg. */
interface Prepared {
  readonly node: NodeCrypto
  readonly hash: string | null
  readonly options: NodeKeyOptions
}

/**
 * Node's key for a CryptoKey.
 *
 * Made from the JWK the CryptoKey was imported from, else converted when the CryptoKey is
 * extractable. A non-extractable CryptoKey is never converted (Node and Bun deprecate it: DEP0204),
 * so without its JWK it keeps the WebCrypto path.
 */
function nodeKey(
  node: NodeCrypto,
  key: CryptoKey,
  usage: 'sign' | 'verify',
  jwk: object | undefined,
): NodeKeyObject | undefined {
  if (jwk !== undefined) {
    const input = { key: jwk, format: 'jwk' } as const
    return usage === 'sign' ? node.createPrivateKey(input) : node.createPublicKey(input)
  }
  return key.extractable ? node.KeyObject.from(key) : undefined
}

function prepare(
  key: CryptoKey,
  alg: string,
  usage: 'sign' | 'verify',
  jwk: object | undefined,
): Prepared | undefined {
  const node = lookup()
  const spec = SPECS[alg]
  if (node === null || spec === undefined || !fits(key, spec, usage)) return undefined
  try {
    const keyObject = nodeKey(node, key, usage, jwk)
    if (keyObject === undefined || keyObject.type !== key.type) return undefined
    const options: NodeKeyOptions =
      spec.curve !== undefined
        ? { key: keyObject, dsaEncoding: 'ieee-p1363' }
        : spec.saltLength !== undefined
          ? { key: keyObject, padding: RSA_PKCS1_PSS_PADDING, saltLength: spec.saltLength }
          : { key: keyObject }
    const hash = spec.hash === undefined ? null : `sha${spec.hash.slice(4)}`
    return { node, hash, options }
  } catch {
    return undefined
  }
}

/**
 * jose's checks of a CryptoKey before it signs or verifies with it, and the OP key checks for RSA.
 *
 * jose checks type, usage and algorithm; for RSA every OP key also passes {@link rsaProblem}
 * (modulus size, public exponent), so the fast path never answers for a key WebCrypto's path would
 * not use.
 */
function fits(key: CryptoKey, spec: AlgSpec, usage: 'sign' | 'verify'): boolean {
  const algorithm = key.algorithm as {
    name: string
    hash?: { name: string }
    namedCurve?: string
    modulusLength?: number
    publicExponent?: Uint8Array
  }
  return (
    key.type === (usage === 'sign' ? 'private' : 'public') &&
    key.usages.includes(usage) &&
    algorithm.name === spec.name &&
    (spec.hash === undefined || spec.curve !== undefined || algorithm.hash?.name === spec.hash) &&
    (spec.curve === undefined || algorithm.namedCurve === spec.curve) &&
    (!spec.name.startsWith('RSA') ||
      rsaProblem(algorithm.modulusLength ?? 0, algorithm.publicExponent ?? new Uint8Array()) ===
        undefined)
  )
}

/**
 * A synchronous verifier of compact JWSs.
 *
 * `true` or `false` as WebCrypto would answer, or `undefined` when it could not run (the caller
 * then verifies with WebCrypto).
 *
 * @internal
 */
export type SyncVerifier = (jws: string) => boolean | undefined

/**
 * Makes a synchronous verifier for a public key jose imported for `alg`, where possible.
 *
 * Possible when the runtime lends Node's crypto module and the key passes jose's own checks for the
 * alg.
 *
 * @param key - the public key, from jose's `importJWK(jwk, alg)`
 * @param alg - the JWS alg it was imported for
 * @param jwk - the JWK `key` was imported from (without it, only an extractable `key` gets a
 * verifier)
 * @returns the verifier, or `undefined` (use WebCrypto)
 * @internal
 */
export function syncVerifier(key: CryptoKey, alg: string, jwk?: object): SyncVerifier | undefined {
  const prepared = prepare(key, alg, 'verify', jwk)
  if (prepared === undefined) return undefined
  const { node, hash, options } = prepared
  return (jws) => {
    const dot = jws.lastIndexOf('.')
    try {
      const signature = base64url.decode(jws.slice(dot + 1))
      return node.verify(hash, encoder.encode(jws.slice(0, dot)), options, signature)
    } catch {
      return undefined
    }
  }
}

/** Signing keys prepared once, by key and alg; `null` when the fast path does not apply. */
const signers = new WeakMap<CryptoKey, Map<string, Prepared | null>>()

/**
 * Signs a compact JWS synchronously with a private key, where possible.
 *
 * Possible when the runtime lends Node's crypto module and the key passes jose's checks for the
 * header's `alg`: the same bytes as jose's `CompactSign` (for RSA PKCS#1 v1.5 the very same JWS;
 * ECDSA, PSS signatures are randomised either way).
 *
 * @param key - the private key
 * @param header - the protected header; its `alg` picks the algorithm
 * @param payload - the payload bytes
 * @param jwk - the private JWK `key` was imported from (without it, only an extractable `key` is
 * signed with here)
 * @returns the compact JWS, or `undefined` (sign with jose)
 * @internal
 */
export function signCompactSync(
  key: CryptoKey,
  header: { readonly alg: string; readonly [parameter: string]: unknown },
  payload: Uint8Array,
  jwk?: object,
): string | undefined {
  let byAlg = signers.get(key)
  if (byAlg === undefined) {
    byAlg = new Map()
    signers.set(key, byAlg)
  }
  let prepared = byAlg.get(header.alg)
  if (prepared === undefined) {
    prepared = prepare(key, header.alg, 'sign', jwk) ?? null
    byAlg.set(header.alg, prepared)
  }
  if (prepared === null || lookup() === null) return undefined
  try {
    const input = `${base64url.encode(JSON.stringify(header))}.${base64url.encode(payload)}`
    const signature = prepared.node.sign(prepared.hash, encoder.encode(input), prepared.options)
    return `${input}.${base64url.encode(signature)}`
  } catch {
    return undefined
  }
}
