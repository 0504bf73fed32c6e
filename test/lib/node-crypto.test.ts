import assert from 'node:assert/strict'
import { afterEach, describe, it } from 'node:test'
import {
  CompactSign,
  compactVerify,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWK,
  SignJWT,
} from 'jose'
import * as oauth from 'oauth4webapi'
import { createConfiguration } from '../../src/config/configuration.js'
import { validateIdToken } from '../../src/id-token.js'
import {
  sha256Base64url,
  signCompactSync,
  syncVerifier,
  useNodeCrypto,
} from '../../src/lib/node-crypto.js'
import { client, providerMetadata } from '../support/fixtures.js'
import { expectCode } from '../support/helpers.js'
import { e1Key, safeSigningKeys, unsafeSigningKeys } from '../support/unsafe-keys.js'

const ALGS = ['RS256', 'PS256', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const
const encoder = new TextEncoder()

afterEach(() => useNodeCrypto(true))

/** A key pair with the public key imported the way src/lib/jwks-cache.ts imports it. */
async function keyPair(alg: string) {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true })
  const jwk = await exportJWK(publicKey)
  const verifyKey = (await importJWK({ ...jwk, ext: false }, alg)) as CryptoKey
  return { privateKey, jwk, verifyKey }
}

/** A 1024-bit RSA key pair, which jose refuses to make or use. */
function shortRsa(): Promise<CryptoKeyPair> {
  return crypto.subtle.generateKey(
    {
      name: 'RSASSA-PKCS1-v1_5',
      modulusLength: 1024,
      publicExponent: new Uint8Array([1, 0, 1]),
      hash: 'SHA-256',
    },
    true,
    ['sign', 'verify'],
  )
}

/** Runs `fn` with Node's `KeyObject.from` counting its calls. */
async function withKeyObjectFromCounted(fn: (calls: () => number) => Promise<void>): Promise<void> {
  const { KeyObject } = process.getBuiltinModule('node:crypto')
  const original = KeyObject.from
  let calls = 0
  KeyObject.from = (key: CryptoKey) => {
    calls++
    return original.call(KeyObject, key)
  }
  try {
    await fn(() => calls)
  } finally {
    KeyObject.from = original
  }
}

/** Flips one character in the middle of the signature. */
function tamper(jws: string): string {
  const at = jws.lastIndexOf('.') + 8
  return `${jws.slice(0, at)}${jws[at] === 'A' ? 'B' : 'A'}${jws.slice(at + 1)}`
}

async function joseVerdict(jws: string, key: CryptoKey): Promise<boolean> {
  try {
    await compactVerify(jws, key)
    return true
  } catch {
    return false
  }
}

describe('sha256Base64url', () => {
  it('gives the PKCE S256 challenge oauth4webapi computes with WebCrypto', async () => {
    for (const verifier of ['a', oauth.generateRandomCodeVerifier(), 'Zoë 日本 🙂']) {
      assert.equal(sha256Base64url(verifier), await oauth.calculatePKCECodeChallenge(verifier))
    }
  })

  it("gives the same digest through createHash where the runtime's module has no one-shot hash", async () => {
    const host = process as { getBuiltinModule?: (id: string) => unknown }
    const original = host.getBuiltinModule
    const withoutHash = { ...process.getBuiltinModule('node:crypto'), hash: undefined }
    try {
      host.getBuiltinModule = (id) => (id === 'node:crypto' ? withoutHash : original?.(id))
      useNodeCrypto(true)
      const verifier = 'Zoë 日本 🙂'
      assert.equal(sha256Base64url(verifier), await oauth.calculatePKCECodeChallenge(verifier))
    } finally {
      host.getBuiltinModule = original
      useNodeCrypto(true)
    }
  })

  it('answers undefined when turned off, or when the runtime lends no crypto module', () => {
    useNodeCrypto(false)
    assert.equal(sha256Base64url('a'), undefined)
    const host = process as { getBuiltinModule?: unknown }
    const original = host.getBuiltinModule
    try {
      host.getBuiltinModule = undefined
      useNodeCrypto(true)
      assert.equal(sha256Base64url('a'), undefined)
    } finally {
      host.getBuiltinModule = original
      useNodeCrypto(true)
    }
    assert.equal(typeof sha256Base64url('a'), 'string')
  })
})

describe('syncVerifier', () => {
  for (const alg of ALGS) {
    it(`${alg}: gives jose's verdict on a valid and a tampered JWS`, async () => {
      const { privateKey, verifyKey, jwk } = await keyPair(alg)
      const verify = syncVerifier(verifyKey, alg, jwk)
      assert.ok(verify, 'the fast path applies to this key')
      const good = await new SignJWT({ sub: 'alice' }).setProtectedHeader({ alg }).sign(privateKey)
      const bad = tamper(good)
      assert.equal(verify(good), true)
      assert.equal(await joseVerdict(good, verifyKey), true)
      assert.equal(verify(bad), false)
      assert.equal(await joseVerdict(bad, verifyKey), false)
    })
  }

  it('refuses a signature of the wrong length, an empty one and another payload', async () => {
    const { privateKey, verifyKey, jwk } = await keyPair('ES256')
    const verify = syncVerifier(verifyKey, 'ES256', jwk)!
    const good = await new SignJWT({ sub: 'alice' })
      .setProtectedHeader({ alg: 'ES256' })
      .sign(privateKey)
    const [header, payload, signature] = good.split('.') as [string, string, string]
    assert.equal(verify(good), true)
    assert.equal(verify(`${header}.${payload}.${signature.slice(4)}`), false)
    assert.equal(verify(`${header}.${payload}.`), false)
    const other = Buffer.from(JSON.stringify({ sub: 'mallory' })).toString('base64url')
    assert.equal(verify(`${header}.${other}.${signature}`), false)
  })

  it('does not apply where jose would refuse the key: short RSA, wrong alg, private key', async () => {
    const short = await shortRsa()
    assert.equal(syncVerifier(short.publicKey, 'RS256'), undefined)
    const { verifyKey, privateKey, jwk } = await keyPair('RS256')
    assert.ok(syncVerifier(verifyKey, 'RS256', jwk))
    assert.equal(syncVerifier(verifyKey, 'RS384', jwk), undefined)
    assert.equal(syncVerifier(verifyKey, 'PS256', jwk), undefined)
    assert.equal(syncVerifier(privateKey as CryptoKey, 'RS256'), undefined)
    assert.equal(syncVerifier(verifyKey, 'HS256', jwk), undefined)
  })

  it('never answers for an RSA key with e = 1 or e = 3, even for a forged token that Node would accept', async () => {
    const e1 = e1Key()
    const forged = await e1.forge({ sub: 'mallory' })
    const weak = (await importJWK({ ...e1.jwk, ext: false }, 'RS256')) as CryptoKey
    assert.equal(await joseVerdict(forged, weak), true, 'WebCrypto alone accepts the forgery')
    assert.equal(syncVerifier(weak, 'RS256', e1.jwk), undefined)
    const e3 = unsafeSigningKeys().find((k) => k.name.includes('e = 3'))!
    const e3Key = (await importJWK({ ...e3.jwk, ext: false }, 'RS256')) as CryptoKey
    assert.equal(syncVerifier(e3Key, 'RS256', e3.jwk), undefined)
  })

  it('twin: answers for an RSA key with e = 65537', async () => {
    const good = safeSigningKeys()[0]!
    const key = (await importJWK({ ...good.jwk, ext: false }, 'RS256')) as CryptoKey
    assert.equal(syncVerifier(key, 'RS256', good.jwk)?.(good.sign({ sub: 'alice' })), true)
  })

  it('does not apply when turned off', async () => {
    const { verifyKey, jwk } = await keyPair('RS256')
    useNodeCrypto(false)
    assert.equal(syncVerifier(verifyKey, 'RS256', jwk), undefined)
  })

  it('never converts a non-extractable key (DEP0204 on Bun): without its JWK there is no verifier', async () => {
    const { verifyKey } = await keyPair('ES256')
    await withKeyObjectFromCounted(async (calls) => {
      assert.equal(syncVerifier(verifyKey, 'ES256'), undefined)
      assert.equal(calls(), 0)
    })
  })

  it('twin: the same non-extractable key with its JWK gets a verifier, still without KeyObject.from', async () => {
    const { privateKey, verifyKey, jwk } = await keyPair('ES256')
    const jws = await new SignJWT({}).setProtectedHeader({ alg: 'ES256' }).sign(privateKey)
    await withKeyObjectFromCounted(async (calls) => {
      assert.equal(syncVerifier(verifyKey, 'ES256', jwk)?.(jws), true)
      assert.equal(calls(), 0)
    })
  })

  it('an extractable key without its JWK gets a verifier (KeyObject.from is not deprecated for it)', async () => {
    const { privateKey, jwk } = await keyPair('ES256')
    const extractable = (await importJWK({ ...jwk, ext: true }, 'ES256')) as CryptoKey
    const jws = await new SignJWT({}).setProtectedHeader({ alg: 'ES256' }).sign(privateKey)
    assert.equal(syncVerifier(extractable, 'ES256')?.(jws), true)
  })
})

describe('signCompactSync', () => {
  for (const alg of ALGS) {
    it(`${alg}: makes a JWS that jose verifies`, async () => {
      const { privateKey, verifyKey } = await keyPair(alg)
      const payload = encoder.encode(JSON.stringify({ iss: 'rp', aud: 'op' }))
      const jws = signCompactSync(privateKey as CryptoKey, { alg, kid: 'k1' }, payload)
      assert.ok(jws, 'the fast path applies to this key')
      const { payload: verified, protectedHeader } = await compactVerify(jws, verifyKey)
      assert.deepEqual(protectedHeader, { alg, kid: 'k1' })
      assert.deepEqual(verified, payload)
    })
  }

  it('RS256: the very JWS jose signs (PKCS#1 v1.5 is deterministic)', async () => {
    const { privateKey } = await keyPair('RS256')
    const payload = encoder.encode('{"a":1}')
    const header = { alg: 'RS256', typ: 'oauth-authz-req+jwt' }
    assert.equal(
      signCompactSync(privateKey as CryptoKey, header, payload),
      await new CompactSign(payload).setProtectedHeader(header).sign(privateKey),
    )
  })

  it('does not apply to a short RSA key, a public key, another alg, or when turned off', async () => {
    const short = await shortRsa()
    const payload = encoder.encode('{}')
    assert.equal(signCompactSync(short.privateKey, { alg: 'RS256' }, payload), undefined)
    const { privateKey, verifyKey } = await keyPair('ES256')
    assert.equal(signCompactSync(verifyKey, { alg: 'ES256' }, payload), undefined)
    assert.equal(signCompactSync(privateKey as CryptoKey, { alg: 'ES384' }, payload), undefined)
    assert.ok(signCompactSync(privateKey as CryptoKey, { alg: 'ES256' }, payload))
    useNodeCrypto(false)
    assert.equal(signCompactSync(privateKey as CryptoKey, { alg: 'ES256' }, payload), undefined)
  })

  it('never converts a non-extractable private key (DEP0204 on Bun): without its JWK, jose signs', async () => {
    const { privateKey } = await keyPair('ES256')
    const jwk = await exportJWK(privateKey)
    const sealed = (await importJWK(jwk, 'ES256')) as CryptoKey
    assert.equal(sealed.extractable, false)
    await withKeyObjectFromCounted(async (calls) => {
      assert.equal(signCompactSync(sealed, { alg: 'ES256' }, encoder.encode('{}')), undefined)
      assert.equal(calls(), 0)
    })
  })

  it('twin: the same non-extractable key with its private JWK is signed with here, jose verifies', async () => {
    const { privateKey, verifyKey } = await keyPair('ES256')
    const jwk = await exportJWK(privateKey)
    const sealed = (await importJWK(jwk, 'ES256')) as CryptoKey
    const payload = encoder.encode('{"a":1}')
    await withKeyObjectFromCounted(async (calls) => {
      const jws = signCompactSync(sealed, { alg: 'ES256' }, payload, jwk)
      assert.ok(jws, 'the fast path applies with the JWK')
      assert.deepEqual((await compactVerify(jws, verifyKey)).payload, payload)
      assert.equal(calls(), 0)
    })
  })
})

describe('ID token validation on both paths', () => {
  /** A configuration whose OP serves one RS256 key (until withdrawn), and an ID token signer. */
  async function setup() {
    const { privateKey, jwk } = await keyPair('RS256')
    const jwks = { keys: [{ ...jwk, kid: 'k1', alg: 'RS256', use: 'sig' } as JWK] }
    const metadata = providerMetadata()
    const clock = { offset: 0 }
    let fetches = 0
    const config = createConfiguration(metadata, client, {
      now: () => Date.now() + clock.offset,
      fetch: async () => {
        fetches++
        return new Response(JSON.stringify(jwks), {
          headers: { 'content-type': 'application/json' },
        })
      },
    })
    const now = Math.floor(Date.now() / 1000)
    const sign = () =>
      new SignJWT({ sub: 'alice', nonce: 'n-1', auth_time: now })
        .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
        .setIssuer(metadata.issuer as string)
        .setAudience(client.client_id)
        .setIssuedAt(now)
        .setExpirationTime(now + 300)
        .sign(privateKey)
    const withdraw = () => {
      jwks.keys = []
    }
    return { config, sign, clock, withdraw, fetches: () => fetches }
  }

  /** Runs `fn` with WebCrypto's verify broken, so that only the fast path can succeed. */
  async function withoutWebCryptoVerify<T>(fn: () => Promise<T>): Promise<T> {
    const subtle = crypto.subtle
    Object.defineProperty(subtle, 'verify', {
      configurable: true,
      value: () => Promise.reject(new Error('WebCrypto verify is off in this test')),
    })
    try {
      return await fn()
    } finally {
      // The own property shadowed SubtleCrypto.prototype.verify: removing it restores the original.
      delete (subtle as { verify?: unknown }).verify
    }
  }

  it('the Node fast path verifies without WebCrypto, and refuses a bad signature', async () => {
    const { config, sign } = await setup()
    const token = await sign()
    await withoutWebCryptoVerify(async () => {
      const claims = await validateIdToken(config, token, { source: 'token', nonce: 'n-1' })
      assert.equal(claims.sub, 'alice')
      await expectCode(
        validateIdToken(config, tamper(token), { source: 'token', nonce: 'n-1' }),
        'ID_TOKEN_SIGNATURE_INVALID',
      )
    })
  })

  it('once the keys are cached, verifies again without fetching; a withdrawn key stops verifying after ten minutes', async () => {
    const { config, sign, clock, withdraw, fetches } = await setup()
    const token = await sign()
    await validateIdToken(config, token, { source: 'token', nonce: 'n-1' })
    await withoutWebCryptoVerify(async () => {
      const claims = await validateIdToken(config, token, { source: 'token', nonce: 'n-1' })
      assert.equal(claims.sub, 'alice')
    })
    assert.equal(fetches(), 1)
    withdraw()
    clock.offset = 5 * 60 * 1000
    await validateIdToken(config, token, { source: 'token', nonce: 'n-1' })
    clock.offset = 11 * 60 * 1000
    await expectCode(
      validateIdToken(config, token, { source: 'token', nonce: 'n-1' }),
      'JWKS_NO_MATCHING_KEY',
    )
    assert.equal(fetches(), 2)
  })

  it('with the fast path off, WebCrypto verifies (and nothing verifies without it)', async () => {
    useNodeCrypto(false)
    const { config, sign } = await setup()
    const token = await sign()
    const claims = await validateIdToken(config, token, { source: 'token', nonce: 'n-1' })
    assert.equal(claims.sub, 'alice')
    await expectCode(
      validateIdToken(config, tamper(token), { source: 'token', nonce: 'n-1' }),
      'ID_TOKEN_SIGNATURE_INVALID',
    )
    const fresh = await setup()
    const other = await fresh.sign()
    await withoutWebCryptoVerify(() =>
      expectCode(
        validateIdToken(fresh.config, other, { source: 'token', nonce: 'n-1' }),
        'ID_TOKEN_SIGNATURE_INVALID',
      ),
    )
  })
})
