import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { readDiscoveryResponse, sendDiscoveryRequest } from '../src/discovery-document.js'
import { httpResponseOf } from './support/http-response.js'

const ISSUER = 'https://op.example'

describe('readDiscoveryResponse: a crafted Response read directly', () => {
  it('a 200 JSON object whose issuer is the one asked for is read (twin of the refusals below)', async () => {
    const response = await httpResponseOf(
      Response.json({ issuer: ISSUER, jwks_uri: `${ISSUER}/jwks` }),
    )
    assert.equal(readDiscoveryResponse(response, ISSUER).jwks_uri, `${ISSUER}/jwks`)
  })

  it('another issuer is refused with DISCOVERY_ISSUER_MISMATCH', async () => {
    const response = await httpResponseOf(Response.json({ issuer: `${ISSUER}/other` }))
    assert.throws(() => readDiscoveryResponse(response, ISSUER), {
      code: 'DISCOVERY_ISSUER_MISMATCH',
    })
  })

  it('a 404, and a JSON array, are transport errors', async () => {
    const missing = await httpResponseOf(new Response('not here', { status: 404 }))
    assert.throws(() => readDiscoveryResponse(missing, ISSUER), { code: 'HTTP_UNEXPECTED_STATUS' })
    const array = await httpResponseOf(Response.json([{ issuer: ISSUER }]))
    assert.throws(() => readDiscoveryResponse(array, ISSUER), { code: 'HTTP_JSON_NOT_OBJECT' })
  })
})

describe('readDiscoveryResponse: a multi-tenant template issuer', () => {
  const TEMPLATE = 'https://login.example/{tenantid}/v2.0'
  const ASKED = 'https://login.example/contoso/v2.0'
  const fills = (template: string, issuer: string) =>
    template.replace('{tenantid}', 'contoso') === issuer

  it('is read when the predicate says the issuer asked for fills it', async () => {
    const response = await httpResponseOf(Response.json({ issuer: TEMPLATE }))
    assert.equal(readDiscoveryResponse(response, ASKED, fills).issuer, TEMPLATE)
  })

  it('twin: without the predicate, or when it says no, DISCOVERY_ISSUER_MISMATCH', async () => {
    const response = await httpResponseOf(Response.json({ issuer: TEMPLATE }))
    assert.throws(() => readDiscoveryResponse(response, ASKED), {
      code: 'DISCOVERY_ISSUER_MISMATCH',
    })
    assert.throws(() => readDiscoveryResponse(response, ASKED, () => false), {
      code: 'DISCOVERY_ISSUER_MISMATCH',
    })
  })
})

describe('sendDiscoveryRequest', () => {
  it("GETs the issuer's well-known document, a trailing slash of the issuer dropped", async () => {
    const asked: string[] = []
    const fetch = async (input: string | URL | Request) => {
      asked.push(String(input))
      return Response.json({ issuer: ISSUER })
    }
    await sendDiscoveryRequest(`${ISSUER}/`, { fetch: fetch as typeof globalThis.fetch })
    assert.deepEqual(asked, [`${ISSUER}/.well-known/openid-configuration`])
  })

  it('an issuer that is no absolute URL is INVALID_ARGUMENT, with nothing sent', async () => {
    let sent = 0
    const fetch = async () => {
      sent++
      return Response.json({})
    }
    await assert.rejects(
      sendDiscoveryRequest('op.example', { fetch: fetch as typeof globalThis.fetch }),
      { code: 'INVALID_ARGUMENT', parameter: 'issuer' },
    )
    assert.equal(sent, 0)
  })
})
