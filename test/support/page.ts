/**
 * A page's sign-in against the mock OP: the lean functions of `oidc-rp/browser`, a public client,
 * the pending sign-in in an in-memory `Storage`.
 */
import type { AuthorizationParameters } from '../../src/authorization/request.js'
import { createAuthorizationRequest } from '../../src/browser/authorization.js'
import { handleCallback, type PageSignInResult } from '../../src/browser/callback.js'
import {
  discover,
  type PageClient,
  type PageConfiguration,
  type PageOptions,
} from '../../src/browser/configuration.js'
import { createWebStorageTransactionStore } from '../../src/stores/web-storage.js'
import {
  createMockOP,
  type IdTokenFault,
  type MockClient,
  type MockOP,
  type MockOPOptions,
} from '../../src/testing/index.js'
import { MemoryStorage } from './browser.js'
import { registerSecret } from './helpers.js'

export const PAGE_CLIENT_ID = 'page-client'

/**
 * Every fault of a signed ID token from the token endpoint that a refresh can meet (a page's code
 * flow has no front-channel hashes, and its public client no HS256); a sign-in also meets the
 * nonce's.
 */
export const TOKEN_ENDPOINT_ID_TOKEN_FAULTS: readonly IdTokenFault[] = [
  'wrong-issuer',
  'bad-signature',
  'alg-none',
  'wrong-audience',
  'no-audience',
  'extra-audience',
  'wrong-azp',
  'multiple-audiences-no-azp',
  'expired',
  'iat-in-future',
  'no-iat',
  'nbf-in-future',
  'no-sub',
  'unknown-kid',
]
export const PAGE_URI = 'https://app.example/'

/** A page's OP, configuration and storage. */
export interface PageFixture {
  readonly op: MockOP
  readonly config: PageConfiguration
  readonly clock: { now: number }
  readonly storage: MemoryStorage
  /** The page's URL after the OP's redirect back, for a sign-in started with these parameters. */
  authorized(parameters?: AuthorizationParameters): Promise<string>
  /** A whole sign-in as alice. */
  signIn(parameters?: AuthorizationParameters): Promise<PageSignInResult>
}

/**
 * Builds a mock OP with a public client and alice, and discovers it as a page does.
 * @param options - the OP's client, the page's client, the OP's and the page's options
 * @returns the fixture
 */
export async function createPageFixture(
  options: {
    readonly client?: Partial<MockClient>
    readonly pageClient?: Partial<PageClient>
    readonly op?: Partial<MockOPOptions>
    readonly page?: PageOptions
  } = {},
): Promise<PageFixture> {
  const clock = { now: Date.now() }
  const op = await createMockOP({
    clients: [
      {
        client_id: PAGE_CLIENT_ID,
        redirect_uris: [PAGE_URI],
        token_endpoint_auth_method: 'none',
        response_types: ['code'],
        ...options.client,
      },
    ],
    users: { alice: { name: 'Alice Example', email: 'alice@example.com' } },
    now: () => clock.now,
    ...options.op,
  })
  const storage = new MemoryStorage()
  const config = await discover(
    op.issuer,
    { client_id: PAGE_CLIENT_ID, redirect_uris: [PAGE_URI], ...options.pageClient },
    {
      fetch: op.fetch,
      now: () => clock.now,
      store: createWebStorageTransactionStore({ storage }),
      ...options.page,
    },
  )
  const authorized = async (parameters?: AuthorizationParameters) => {
    const { url } = await createAuthorizationRequest(config, parameters)
    const response = await op.authorize(url.href, { user: 'alice' })
    registerSecret(response.params.get('code') ?? undefined)
    return response.url
  }
  return {
    op,
    config,
    clock,
    storage,
    authorized,
    signIn: async (parameters) => {
      const result = await handleCallback(config, await authorized(parameters))
      registerSecret(result.accessToken.value, result.refreshToken, result.idToken)
      return result
    },
  }
}
