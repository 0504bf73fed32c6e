import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { sha256Text } from '../../src/lib/hash.js'
import { useNodeCrypto } from '../../src/lib/node-crypto.js'

describe('sha256Text', () => {
  it('gives the PKCE S256 challenge of RFC 7636 Appendix B, with and without Node crypto', async () => {
    const verifier = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk'
    const challenge = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM'
    assert.equal(sha256Text(verifier), challenge, 'synchronous where Node lends its crypto module')
    useNodeCrypto(false)
    try {
      const viaWebCrypto = sha256Text(verifier)
      assert.ok(viaWebCrypto instanceof Promise, 'WebCrypto answers asynchronously')
      assert.equal(await viaWebCrypto, challenge)
    } finally {
      useNodeCrypto(true)
    }
  })

  it('hashes the UTF-8 octets of a text', async () => {
    const text = 'ünïcödé ✓'
    const expected = Buffer.from(
      await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)),
    ).toString('base64url')
    assert.equal(await sha256Text(text), expected)
  })
})
