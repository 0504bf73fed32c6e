/**
 * OP keys that cannot be safe, and their safe twins, for the tests of src/lib/key-checks.ts and
 * every use of an OP key: RSA keys with e = 1 (a signature anyone can forge), a real e = 3 key, an
 * even e, e ≥ 2^256, a real 1024-bit key; EC keys off their curve or with coordinates of the wrong
 * length; an Ed25519 key of the wrong length. Each signs compact JWSs: with its private key when it
 * has one, by forgery for e = 1.
 */
import { generateKeyPairSync, type KeyObject, sign as nodeSign } from 'node:crypto'
import type { JWK } from 'jose'

const b64 = (value: Uint8Array | string) => Buffer.from(value).toString('base64url')

/** A public JWK and a way to make compact JWSs it verifies (or, for an unsafe key, would). */
export interface TestKey {
  readonly name: string
  readonly alg: string
  readonly jwk: JWK
  /** A compact JWS of the payload with this key's kid. */
  sign(payload: object, header?: Record<string, unknown>): string
}

const HASH: Record<string, string | null> = {
  RS256: 'sha256',
  ES256: 'sha256',
  ES384: 'sha384',
  ES512: 'sha512',
  EdDSA: null,
}

function signer(alg: string, privateKey: KeyObject, kid: string) {
  return (payload: object, header: Record<string, unknown> = {}) => {
    const input = `${b64(JSON.stringify({ alg, kid, ...header }))}.${b64(JSON.stringify(payload))}`
    const options = alg.startsWith('ES')
      ? { key: privateKey, dsaEncoding: 'ieee-p1363' as const }
      : privateKey
    const signature = nodeSign(HASH[alg] ?? null, Buffer.from(input), options)
    return `${input}.${b64(signature)}`
  }
}

function rsa(bits: number, publicExponent = 65537) {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', {
    modulusLength: bits,
    publicExponent,
  })
  return { jwk: publicKey.export({ format: 'jwk' }) as JWK, privateKey }
}

/** The DER prefix of a SHA-256 DigestInfo (RFC 8017 §9.2). */
const SHA256_DIGEST_INFO = Buffer.from('3031300d060960864801650304020105000420', 'hex')

/**
 * An RS256 signature for a key with e = 1: s^1 mod n = s, so the signature is the padded digest
 * itself (EMSA-PKCS1-v1_5), which anyone can compute.
 */
async function forgeForE1(input: string, modulusBytes: number): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', Buffer.from(input)))
  const t = Buffer.concat([SHA256_DIGEST_INFO, digest])
  const padding = Buffer.alloc(modulusBytes - t.length - 3, 0xff)
  return b64(Buffer.concat([Buffer.from([0, 1]), padding, Buffer.from([0]), t]))
}

/** Big-endian bytes of a non-negative bigint. */
function bigBytes(value: bigint): Uint8Array {
  const hex = value.toString(16)
  return Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex')
}

/** The JWK with its `y` changed in the last bit: no longer a point of the curve. */
function offCurve(jwk: JWK): JWK {
  const y = Buffer.from(jwk.y!, 'base64url')
  y[y.length - 1]! ^= 1
  return { ...jwk, y: b64(y) }
}

/**
 * The RS256 key with e = 1 whose tokens anyone can forge: `sign` forges (no private key at all).
 * @param kid - its kid
 * @returns the key, and `forge` (asynchronous, as WebCrypto digests are)
 */
export function e1Key(kid = 'e1'): { jwk: JWK; forge(payload: object): Promise<string> } {
  const { jwk } = rsa(2048)
  const weak: JWK = { ...jwk, e: 'AQ', kid, alg: 'RS256', use: 'sig' }
  return {
    jwk: weak,
    async forge(payload) {
      const input = `${b64(JSON.stringify({ alg: 'RS256', kid }))}.${b64(JSON.stringify(payload))}`
      return `${input}.${await forgeForE1(input, 256)}`
    },
  }
}

/**
 * The safe signing keys: RSA 2048 with e = 65537, P-256, P-384, P-521, Ed25519.
 * @returns one key per alg
 */
export function safeSigningKeys(): TestKey[] {
  const good = rsa(2048)
  const keys: TestKey[] = [
    {
      name: 'RSA 2048, e = 65537',
      alg: 'RS256',
      jwk: { ...good.jwk, kid: 'rsa-ok' },
      sign: signer('RS256', good.privateKey, 'rsa-ok'),
    },
  ]
  for (const [alg, namedCurve] of [
    ['ES256', 'P-256'],
    ['ES384', 'P-384'],
    ['ES512', 'P-521'],
  ] as const) {
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve })
    const kid = `ec-${namedCurve}`
    keys.push({
      name: `EC ${namedCurve} on its curve`,
      alg,
      jwk: { ...(publicKey.export({ format: 'jwk' }) as JWK), kid },
      sign: signer(alg, privateKey, kid),
    })
  }
  const ed = generateKeyPairSync('ed25519')
  keys.push({
    name: 'Ed25519 of 32 bytes',
    alg: 'EdDSA',
    jwk: { ...(ed.publicKey.export({ format: 'jwk' }) as JWK), kid: 'ed-ok' },
    sign: signer('EdDSA', ed.privateKey, 'ed-ok'),
  })
  return keys
}

/**
 * The signing keys that cannot be safe, each signing with a private key where one exists (so
 * without the key check some would verify: e = 3 does).
 * @returns one key per fault
 */
export function unsafeSigningKeys(): TestKey[] {
  const good = rsa(2048)
  const e3 = rsa(2048, 3)
  const short = rsa(1024)
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const ecJwk = ec.publicKey.export({ format: 'jwk' }) as JWK
  const ed = generateKeyPairSync('ed25519')
  const edJwk = ed.publicKey.export({ format: 'jwk' }) as JWK
  const rsaKey = (name: string, jwk: JWK, privateKey: KeyObject, kid: string): TestKey => ({
    name,
    alg: 'RS256',
    jwk: { ...jwk, kid },
    sign: signer('RS256', privateKey, kid),
  })
  return [
    rsaKey('RSA with e = 3', e3.jwk, e3.privateKey, 'e3'),
    rsaKey('RSA with an even e', { ...good.jwk, e: b64(bigBytes(65538n)) }, good.privateKey, 'ev'),
    rsaKey(
      'RSA with e = 2^256 + 1',
      { ...good.jwk, e: b64(bigBytes(2n ** 256n + 1n)) },
      good.privateKey,
      'eb',
    ),
    rsaKey('RSA with a 1024-bit modulus', short.jwk, short.privateKey, 'short'),
    {
      name: 'EC P-256 point off the curve',
      alg: 'ES256',
      jwk: { ...offCurve(ecJwk), kid: 'off' },
      sign: signer('ES256', ec.privateKey, 'off'),
    },
    {
      name: 'EC P-256 x of 33 bytes (a leading zero)',
      alg: 'ES256',
      jwk: {
        ...ecJwk,
        x: b64(Buffer.concat([Buffer.alloc(1), Buffer.from(ecJwk.x!, 'base64url')])),
        kid: 'long',
      },
      sign: signer('ES256', ec.privateKey, 'long'),
    },
    {
      name: 'EC P-256 y of 31 bytes',
      alg: 'ES256',
      jwk: { ...ecJwk, y: b64(Buffer.from(ecJwk.y!, 'base64url').subarray(1)), kid: 'cut' },
      sign: signer('ES256', ec.privateKey, 'cut'),
    },
    {
      name: 'Ed25519 x of 31 bytes',
      alg: 'EdDSA',
      jwk: { ...edJwk, x: b64(Buffer.from(edJwk.x!, 'base64url').subarray(1)), kid: 'ed-cut' },
      sign: signer('EdDSA', ed.privateKey, 'ed-cut'),
    },
  ]
}

/** An encryption key of the OP's JWKS and the JWE alg to encrypt to it with. */
export interface EncryptionTestKey {
  readonly name: string
  readonly alg: string
  readonly jwk: JWK
}

/**
 * Encryption keys of the OP: the unsafe ones and their safe twins.
 * @returns `{ safe, unsafe }`
 */
export function encryptionKeys(): { safe: EncryptionTestKey[]; unsafe: EncryptionTestKey[] } {
  const enc = (name: string, alg: string, jwk: JWK): EncryptionTestKey => ({
    name,
    alg,
    jwk: { ...jwk, use: 'enc', alg, kid: name.replace(/\W+/g, '-') },
  })
  const good = rsa(2048).jwk
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({
    format: 'jwk',
  }) as JWK
  const x25519 = generateKeyPairSync('x25519').publicKey.export({ format: 'jwk' }) as JWK
  return {
    safe: [
      enc('RSA 2048 e = 65537', 'RSA-OAEP-256', good),
      enc('EC P-256 on its curve', 'ECDH-ES', ec),
      enc('X25519 of 32 bytes', 'ECDH-ES', x25519),
    ],
    unsafe: [
      enc('RSA with e = 1', 'RSA-OAEP-256', { ...good, e: 'AQ' }),
      enc('RSA with e = 3', 'RSA-OAEP-256', rsa(2048, 3).jwk),
      enc('RSA with an even e', 'RSA-OAEP-256', { ...good, e: b64(bigBytes(65538n)) }),
      enc('RSA with e = 2^256 + 1', 'RSA-OAEP-256', { ...good, e: b64(bigBytes(2n ** 256n + 1n)) }),
      enc('RSA with a 1024-bit modulus', 'RSA-OAEP-256', rsa(1024).jwk),
      enc('EC P-256 point off the curve', 'ECDH-ES', offCurve(ec)),
      enc('EC P-256 x of 31 bytes', 'ECDH-ES', {
        ...ec,
        x: b64(Buffer.from(ec.x!, 'base64url').subarray(1)),
      }),
      enc('X25519 x of 31 bytes', 'ECDH-ES', {
        ...x25519,
        x: b64(Buffer.from(x25519.x!, 'base64url').subarray(1)),
      }),
    ],
  }
}
