/**
 * A program on the lean entry alone (src/core.ts, no optional feature installed), run by
 * test/core.test.ts in a process of its own: it prints one JSON line of what it saw.
 *
 * For each optional member: the code and message without its feature, then the code (or `made`)
 * with the feature installed; and a plain code-flow sign-in, which needs no feature.
 */
import {
  type ClientInput,
  type ConfigurationOptions,
  createAuthorizationRequest,
  createConfiguration,
  handleCallback,
  installFeatures,
  isOidcRpError,
  restoreConfiguration,
} from '../../src/core.js'
import { allFeatures } from '../../src/features/index.js'
import { createMockOP } from '../../src/testing/index.js'

const client = {
  client_id: 'core-rp',
  client_secret: 'core-program-client-secret-0123456789abcdef',
  redirect_uris: ['https://rp.example/cb'],
}
const op = await createMockOP({
  clients: [{ ...client, token_endpoint_auth_method: 'client_secret_basic' }],
  users: { alice: { email: 'alice@example.com' } },
})

/** The error code of a call, or `made` when it succeeds. */
async function outcome(run: () => unknown): Promise<{ code: string; message?: string }> {
  try {
    await run()
    return { code: 'made' }
  } catch (error) {
    if (isOidcRpError(error)) return { code: error.code, message: error.message }
    throw error
  }
}

const TEMPLATE = 'https://login.example/{tenantid}/v2.0'
/** Options, and `registration`: client metadata over the default client's. */
type Member = ConfigurationOptions & { registration?: Partial<ClientInput> }

/** A configuration with `options` for the client with `registration`. */
const make = ({ registration, ...options }: Member) =>
  createConfiguration(
    options.tenants === undefined ? op.metadata() : { ...op.metadata(), issuer: TEMPLATE },
    { ...client, ...registration },
    { fetch: op.fetch, ...options },
  )

/** Each optional member, the feature that validates it, and a valid value. */
const members: [string, Member][] = [
  ['clientAssertions', { registration: { token_endpoint_auth_method: 'client_secret_jwt' } }],
  ['encryptedResponses', { registration: { id_token_encrypted_response_alg: 'A128KW' } }],
  ['pushedAuthorization', { policy: { transport: 'par' } }],
  ['requestObjects', { policy: { transport: 'request-object', requestObject: { alg: 'HS256' } } }],
  ['jarm', { policy: { responseMode: 'query.jwt' } }],
  ['securityProfiles', { securityProfile: 'fapi2' }],
  ['claimSources', { claimSources: { providers: [] } }],
  ['acrMapping', { acrMapping: { request: [{ local: 'gold', remote: 'urn:gold' }] } }],
  [
    'issuanceCriteria',
    { issuanceCriteria: { rules: [{ id: 'has-sub', name: 'sub', condition: 'present' }] } },
  ],
  ['attributeLookups', { attributeLookup: async () => ({}) }],
  ['tokenParameters', { tokenParameters: { audience: 'https://api.example' } }],
  ['requestPolicy', { policy: { scopes: ['openid', 'profile'] } }],
  ['multiTenant', { tenants: { allowed: ['tenant-a'] } }],
]

const plainConfig = make({})
// a saved configuration holds its (default) policy: it restores without the request-policy feature
const restoredSub = await outcome(() =>
  restoreConfiguration(JSON.stringify(plainConfig), { client_secret: client.client_secret }),
)
const request = await createAuthorizationRequest(plainConfig)
const answer = await op.authorize(request.url, { user: 'alice' })
const signedIn = await handleCallback(plainConfig, answer.url, {
  browserBinding: request.browserBinding?.value,
})
const jarmAnswer = new URL(answer.url)
jarmAnswer.search = new URLSearchParams({ response: 'a.b.c' }).toString()
const jarmWithout = await outcome(() => handleCallback(plainConfig, jarmAnswer))

const without: Record<string, { code: string; message?: string }> = {}
for (const [name, options] of members) without[name] = await outcome(() => make(options))
// a policy needs the request-policy feature first; with it, each policy member needs its own
installFeatures(...allFeatures.filter((f) => f.name === 'requestPolicy'))
for (const [name, options] of members) {
  if (options.policy !== undefined && name !== 'requestPolicy') {
    without[name] = await outcome(() => make(options))
  }
}
installFeatures(...allFeatures.filter((f) => members.some(([name]) => name === f.name)))
const withFeature: Record<string, string> = {}
for (const [name, options] of members) withFeature[name] = (await outcome(() => make(options))).code
const jarmWith = await outcome(() => handleCallback(plainConfig, jarmAnswer))

console.log(
  JSON.stringify({
    restored: restoredSub.code,
    sub: signedIn.idTokenClaims.sub,
    without,
    withFeature,
    jarmWithout,
    jarmWith,
  }),
)
