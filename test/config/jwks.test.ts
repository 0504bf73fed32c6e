import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { exportJWK, generateKeyPair } from 'jose'
import { createJwksCache } from '../../src/config/jwks.js'
import { validateSettings } from '../../src/config/settings.js'

const URI = 'https://op.example/jwks'

async function jwks(count: number) {
  const keys = []
  for (let i = 0; i < count; i++) {
    const { publicKey } = await generateKeyPair('ES256')
    keys.push({ ...(await exportJWK(publicKey)), kid: `k${i}`, alg: 'ES256' })
  }
  return { keys }
}

describe("createJwksCache: the OP's keys under the settings' limits", () => {
  test('at most maxJwksKeys keys are kept; the twin under the limit keeps them all', async () => {
    const body = await jwks(3)
    const fetch = async () => Response.json(body)
    const cut = createJwksCache(URI, validateSettings({ maxJwksKeys: 2 }), fetch, Date.now)
    assert.equal((await cut.keys(false)).length, 2)
    const whole = createJwksCache(URI, validateSettings({ maxJwksKeys: 3 }), fetch, Date.now)
    assert.equal((await whole.keys(false)).length, 3)
  })

  test("the jwks endpoint's own response limit applies: over it, HTTP_RESPONSE_TOO_LARGE", async () => {
    const body = await jwks(3)
    const size = JSON.stringify(body).length
    const fetch = async () => Response.json(body)
    const small = validateSettings({ maxResponseBytesByEndpoint: { jwks: size - 1 } })
    await assert.rejects(createJwksCache(URI, small, fetch, Date.now).keys(false), {
      code: 'HTTP_RESPONSE_TOO_LARGE',
    })
    const enough = validateSettings({ maxResponseBytesByEndpoint: { jwks: size } })
    assert.equal((await createJwksCache(URI, enough, fetch, Date.now).keys(false)).length, 3)
  })
})
