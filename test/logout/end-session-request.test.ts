import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { createEndSessionRequest } from '../../src/logout/end-session-request.js'
import { expectCode } from '../support/helpers.js'
import { createLogoutFixture, POST_LOGOUT_URI } from '../support/logout.js'
import { CLIENT_ID } from '../support/sign-in.js'

describe('building the end_session URL', async () => {
  const f = await createLogoutFixture()

  test('carries id_token_hint, client_id, the registered post_logout_redirect_uri, a fresh state, ui_locales and logout_hint', async () => {
    const { session } = await f.signInSession('s-1')
    const { url, state, postLogoutRedirectUri } = createEndSessionRequest(f.config, {
      session,
      uiLocales: ['fr-CA', 'en'],
      logoutHint: 'alice@example.com',
    })
    assert.equal(`${url.origin}${url.pathname}`, f.config.provider.end_session_endpoint)
    const params = url.searchParams
    assert.equal(params.get('id_token_hint'), session.idToken)
    assert.equal(params.get('client_id'), CLIENT_ID)
    assert.equal(params.get('post_logout_redirect_uri'), POST_LOGOUT_URI)
    assert.equal(postLogoutRedirectUri, POST_LOGOUT_URI)
    assert.match(state ?? '', /^[\w-]{43}$/)
    assert.equal(params.get('state'), state)
    assert.equal(params.get('ui_locales'), 'fr-CA en')
    assert.equal(params.get('logout_hint'), 'alice@example.com')
    const again = createEndSessionRequest(f.config, { session })
    assert.notEqual(again.state, state)
  })

  test('without a redirect URI no state is sent unless given; an explicit state and idTokenHint are used', () => {
    const bare = createEndSessionRequest(f.config, { postLogoutRedirectUri: null })
    assert.equal(bare.state, undefined)
    assert.deepEqual([...bare.url.searchParams.keys()], ['client_id'])
    const given = createEndSessionRequest(f.config, {
      idTokenHint: 'a.b.c',
      state: 'my-state',
      uiLocales: 'de',
    })
    assert.equal(given.state, 'my-state')
    assert.equal(given.url.searchParams.get('id_token_hint'), 'a.b.c')
    assert.equal(given.url.searchParams.get('ui_locales'), 'de')
    const noState = createEndSessionRequest(f.config, { state: null })
    assert.equal(noState.url.searchParams.has('state'), false)
  })

  test('a post_logout_redirect_uri the client did not register is refused with LOGOUT_REDIRECT_URI_NOT_REGISTERED', async () => {
    await expectCode(
      () => createEndSessionRequest(f.config, { postLogoutRedirectUri: 'https://evil.example/' }),
      'LOGOUT_REDIRECT_URI_NOT_REGISTERED',
    )
    assert.ok(createEndSessionRequest(f.config, { postLogoutRedirectUri: POST_LOGOUT_URI }))
  })

  test('an OP without end_session_endpoint is refused with ENDPOINT_MISSING', async () => {
    const g = await createLogoutFixture({ clientInput: {} })
    const metadata = { ...g.config.provider } as Record<string, unknown>
    delete metadata.end_session_endpoint
    const { createConfiguration } = await import('../../src/config/configuration.js')
    const config = createConfiguration(metadata, {
      client_id: CLIENT_ID,
      redirect_uris: ['https://rp.example/cb'],
      token_endpoint_auth_method: 'none',
    })
    await expectCode(() => createEndSessionRequest(config), 'ENDPOINT_MISSING')
    assert.ok(createEndSessionRequest(g.config))
  })

  test('options of the wrong type are refused with INVALID_ARGUMENT', async () => {
    await expectCode(
      () => createEndSessionRequest(f.config, { idTokenHint: '' }),
      'INVALID_ARGUMENT',
    )
    await expectCode(
      () => createEndSessionRequest(f.config, { logoutHint: 5 as never }),
      'INVALID_ARGUMENT',
    )
  })
})
