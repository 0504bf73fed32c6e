/**
 * The one token response reader, read directly on crafted responses: what every grant shares
 * (src/grants/token-endpoint.ts).
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import type { OAuthResponseError, ValidationError } from '../../src/errors.js'
import { readTokenResponse } from '../../src/grants/token-messages.js'
import { expectCode } from '../support/helpers.js'
import { httpResponseOf } from '../support/http-response.js'

const good = { access_token: 'at-1', token_type: 'Bearer', expires_in: 60, id_token: 'a.b.c' }

describe('readTokenResponse: a crafted Response read directly', () => {
  const good = { access_token: 'at-1', token_type: 'Bearer', expires_in: 60, id_token: 'a.b.c' }

  test('a 200 with a Bearer access token and an ID token is read (twin of the refusals below)', async () => {
    const tokens = await readTokenResponse(await httpResponseOf(Response.json(good)), {
      idToken: 'required',
    })
    assert.deepEqual(tokens, {
      accessToken: 'at-1',
      tokenType: 'Bearer',
      expiresIn: 60,
      refreshToken: undefined,
      scope: undefined,
      idToken: 'a.b.c',
      members: good,
    })
  })

  test('a DPoP token type when Bearer was asked for is TOKEN_TYPE_UNEXPECTED (RFC 9449 §5)', async () => {
    const dpop = await httpResponseOf(Response.json({ ...good, token_type: 'DPoP' }))
    const err = await expectCode<ValidationError>(
      (async () => readTokenResponse(dpop, { idToken: 'required' }))(),
      'TOKEN_TYPE_UNEXPECTED',
    )
    assert.deepEqual([err.claim, err.expected, err.actual], ['token_type', 'Bearer', 'DPoP'])
  })

  test('a Bearer token type when DPoP was asked for is TOKEN_TYPE_UNEXPECTED; the twin: dpop (any case) is read as DPoP', async () => {
    const bearer = await httpResponseOf(Response.json(good))
    const err = await expectCode<ValidationError>(
      (async () => readTokenResponse(bearer, { idToken: 'required', tokenType: 'DPoP' }))(),
      'TOKEN_TYPE_UNEXPECTED',
    )
    assert.deepEqual([err.expected, err.actual], ['DPoP', 'Bearer'])
    const dpop = await httpResponseOf(Response.json({ ...good, token_type: 'dpop' }))
    assert.equal(
      (await readTokenResponse(dpop, { idToken: 'required', tokenType: 'DPoP' })).tokenType,
      'DPoP',
    )
  })

  test('a token_type that is no string is TOKEN_RESPONSE_INVALID, and no ID token when one is required too', async () => {
    const numeric = await httpResponseOf(Response.json({ ...good, token_type: 1 }))
    const err = await expectCode<ValidationError>(
      (async () => readTokenResponse(numeric, { idToken: 'required' }))(),
      'TOKEN_RESPONSE_INVALID',
    )
    assert.equal(err.claim, 'token_type')
    const { id_token: _, ...withoutIdToken } = good
    const bare = await httpResponseOf(Response.json(withoutIdToken))
    await expectCode(
      (async () => readTokenResponse(bare, { idToken: 'required' }))(),
      'TOKEN_RESPONSE_INVALID',
    )
    assert.equal((await readTokenResponse(bare, { idToken: 'optional' })).idToken, undefined)
  })

  test('a 400 OAuth error is TOKEN_ERROR_RESPONSE with the sent code redacted; a 503 is HTTP_UNEXPECTED_STATUS', async () => {
    const code = 'authorization-code-value'
    const refused = await httpResponseOf(
      Response.json(
        { error: 'invalid_grant', error_description: `code ${code} expired` },
        {
          status: 400,
        },
      ),
      [code],
    )
    const err = await expectCode<OAuthResponseError>(
      (async () => readTokenResponse(refused, { idToken: 'required' }))(),
      'TOKEN_ERROR_RESPONSE',
    )
    assert.equal(err.error, 'invalid_grant')
    assert.doesNotMatch(err.errorDescription ?? '', /authorization-code-value/)
    const down = await httpResponseOf(Response.json({ error: 'server_error' }, { status: 503 }))
    await expectCode(
      (async () => readTokenResponse(down, { idToken: 'required' }))(),
      'HTTP_UNEXPECTED_STATUS',
    )
  })
})

describe('readTokenResponse: what a grant expects', () => {
  const notApplicable = { ...good, token_type: 'N_A' }

  test('token_type N_A is TOKEN_TYPE_UNEXPECTED unless the grant accepts it (token exchange)', async () => {
    const response = await httpResponseOf(Response.json(notApplicable))
    const err = await expectCode<ValidationError>(
      () => readTokenResponse(response, { idToken: 'ignored' }),
      'TOKEN_TYPE_UNEXPECTED',
    )
    assert.equal(err.claim, 'token_type')
  })

  test('twin: token_type N_A (any case) is read as N_A when the grant accepts it', async () => {
    for (const tokenType of ['N_A', 'n_a']) {
      const response = await httpResponseOf(Response.json({ ...good, token_type: tokenType }))
      const tokens = await readTokenResponse(response, {
        idToken: 'ignored',
        notApplicableTokenType: true,
      })
      assert.equal(tokens.tokenType, 'N_A')
    }
  })

  test('an id_token is dropped unread when the grant ignores ID tokens, even a malformed one', async () => {
    for (const idToken of ['a.b.c', 42]) {
      const response = await httpResponseOf(Response.json({ ...good, id_token: idToken }))
      assert.equal((await readTokenResponse(response, { idToken: 'ignored' })).idToken, undefined)
    }
  })

  test('twin: a malformed id_token is TOKEN_RESPONSE_INVALID when the grant reads ID tokens', async () => {
    const response = await httpResponseOf(Response.json({ ...good, id_token: 42 }))
    const err = await expectCode<ValidationError>(
      () => readTokenResponse(response, { idToken: 'optional' }),
      'TOKEN_RESPONSE_INVALID',
    )
    assert.equal(err.claim, 'id_token')
  })
})
