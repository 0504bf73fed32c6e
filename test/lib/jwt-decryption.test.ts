import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { CompactEncrypt, generateKeyPair } from 'jose'
import '../../src/index.js' // installs the encrypted responses feature
import { ID_TOKEN } from '../../src/lib/id-token-checks.js'
import { decryptOrRefuse } from '../../src/lib/jwt-decryption.js'

const MAX = 16_384
const JWS = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2ln'

describe('decryptOrRefuse: a token encrypted exactly when the client registered it', () => {
  const pair = generateKeyPair('RSA-OAEP-256')
  const encrypted = async () =>
    new CompactEncrypt(new TextEncoder().encode(JWS))
      .setProtectedHeader({ alg: 'RSA-OAEP-256', enc: 'A128CBC-HS256', cty: 'JWT' })
      .encrypt((await pair).publicKey)
  const keys = async () => [(await pair).privateKey]

  test('nothing registered: a JWS is returned as it came; a JWE is refused', async () => {
    assert.equal(await decryptOrRefuse(ID_TOKEN, JWS, undefined, undefined, keys, MAX), JWS)
    await assert.rejects(
      decryptOrRefuse(ID_TOKEN, await encrypted(), undefined, undefined, keys, MAX),
      { code: 'ID_TOKEN_DECRYPTION_FAILED', message: /registered no encryption/ },
    )
  })

  test('encryption registered: a JWE is decrypted to its JWS; a JWS is refused', async () => {
    const jwe = await encrypted()
    const opened = await decryptOrRefuse(ID_TOKEN, jwe, 'RSA-OAEP-256', 'A128CBC-HS256', keys, MAX)
    assert.equal(opened, JWS)
    await assert.rejects(
      decryptOrRefuse(ID_TOKEN, JWS, 'RSA-OAEP-256', 'A128CBC-HS256', keys, MAX),
      { code: 'ID_TOKEN_DECRYPTION_FAILED', message: /is not encrypted although/ },
    )
  })
})
