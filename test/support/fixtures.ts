/** Plain OP metadata for tests that need no OP behind it. */
export function providerMetadata(issuer = 'https://op.example.com'): Record<string, unknown> {
  return {
    issuer,
    authorization_endpoint: `${issuer}/authorize`,
    token_endpoint: `${issuer}/token`,
    userinfo_endpoint: `${issuer}/userinfo`,
    jwks_uri: `${issuer}/jwks`,
    end_session_endpoint: `${issuer}/end_session`,
    response_types_supported: ['code', 'id_token', 'id_token token'],
    response_modes_supported: ['query', 'fragment', 'form_post'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256', 'ES256'],
    scopes_supported: ['openid', 'profile', 'email'],
    claims_supported: ['sub', 'name', 'email'],
    code_challenge_methods_supported: ['S256'],
    authorization_response_iss_parameter_supported: true,
  }
}

/** The client secret every fixture uses; test/support/helpers.ts checks no error ever contains it. */
export const CLIENT_SECRET = 's3cr3t-client-secret-value'

/** A confidential client for tests. */
export const client = {
  client_id: 'rp-client',
  client_secret: CLIENT_SECRET,
  redirect_uris: ['https://rp.example.com/callback'],
} as const
