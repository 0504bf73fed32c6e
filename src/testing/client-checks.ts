/**
 * The checks a client's registration must pass.
 *
 * Its algorithms are ones the OP can produce, its keys and certificates are there.
 * @module
 */

import { isHmac } from './keys.js'
import { MockOPError } from './mock-op-error.js'
import type { MockClient } from './types.js'

/**
 * A client's registered algorithms must be ones the OP can produce.
 * @param client - the client
 * @param signingAlgs - the OP's signing algorithms
 * @throws {@link MockOPError} naming what the client cannot have
 */
export function checkClient(client: MockClient, signingAlgs: string[]): void {
  const usable = (alg: string) => alg === 'none' || isHmac(alg) || signingAlgs.includes(alg)
  if (client.authorization_signed_response_alg === 'none') {
    throw new MockOPError(`client ${client.client_id}: JARM responses are never unsigned`)
  }
  for (const alg of [
    client.id_token_signed_response_alg,
    client.userinfo_signed_response_alg,
    client.authorization_signed_response_alg,
  ]) {
    if (alg === undefined) continue
    if (!usable(alg)) throw new MockOPError(`client ${client.client_id}: the OP has no ${alg} key`)
    if (isHmac(alg) && client.client_secret === undefined) {
      throw new MockOPError(`client ${client.client_id}: ${alg} needs a client_secret`)
    }
  }
  if (client.id_token_signed_response_alg === undefined && !signingAlgs.includes('RS256')) {
    throw new MockOPError(
      `client ${client.client_id}: RS256 (the default) is not among signingAlgs`,
    )
  }
  for (const alg of [
    client.id_token_encrypted_response_alg,
    client.userinfo_encrypted_response_alg,
    client.authorization_encrypted_response_alg,
  ]) {
    if (alg === undefined) continue
    const types = alg.startsWith('RSA') ? ['RSA'] : ['EC', 'OKP']
    const key = client.jwks?.keys.find((k) => k.use === 'enc' && types.includes(k.kty ?? ''))
    if (!key)
      throw new MockOPError(`client ${client.client_id}: ${alg} needs a jwks key with use 'enc'`)
  }
  const method = client.token_endpoint_auth_method
  if (
    (method === 'tls_client_auth' || method === 'self_signed_tls_client_auth') &&
    !client.tls_client_certificates?.length
  ) {
    throw new MockOPError(`client ${client.client_id}: ${method} needs tls_client_certificates`)
  }
  const frontChannel = (client.response_types ?? ['code']).some((type) => type.includes('id_token'))
  if (client.id_token_signed_response_alg === 'none' && frontChannel) {
    throw new MockOPError(
      `client ${client.client_id}: unsigned ID tokens only at the token endpoint`,
    )
  }
}
