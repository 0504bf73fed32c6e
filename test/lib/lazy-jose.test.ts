import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import * as jose from 'jose'
import { joseCore, joseDecrypt, joseEncrypt, joseSeal, joseSign } from '../../src/lib/lazy-jose.js'

describe('jose loaded on first use', () => {
  test('each loader gives the jose functions it names, the very ones jose exports', async () => {
    assert.equal((await joseCore()).importJWK, jose.importJWK)
    assert.equal((await joseSign()).CompactSign, jose.CompactSign)
    assert.equal((await joseEncrypt()).CompactEncrypt, jose.CompactEncrypt)
    assert.equal((await joseDecrypt()).compactDecrypt, jose.compactDecrypt)
    const seal = await joseSeal()
    assert.equal(seal.EncryptJWT, jose.EncryptJWT)
    assert.equal(seal.jwtDecrypt, jose.jwtDecrypt)
  })

  test('a module is loaded once: every call shares one promise', () => {
    assert.equal(joseCore(), joseCore())
    assert.equal(joseSeal(), joseSeal())
    assert.notEqual(joseCore(), joseSeal())
  })
})
