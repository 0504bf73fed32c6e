/**
 * Mutual TLS against the mock OP: a client fixture whose fetch "presents" a certificate by marking
 * each request, and the mock OP option that reads the mark (the mock has no TLS).
 */
import type { ClientInput } from '../../src/index.js'
import type { MockClient } from '../../src/testing/index.js'
import { createFixture, type Fixture } from './sign-in.js'

/** The header the test's fetch marks a request with: the certificate its connection presents. */
export const CERTIFICATE_HEADER = 'x-test-client-certificate'

/** The thumbprints standing for the client's certificate and another one. */
export const CLIENT_CERTIFICATE = 'client-certificate-thumbprint'
export const OTHER_CERTIFICATE = 'other-certificate-thumbprint'

/**
 * A fetch that presents a certificate on every request (over the mock OP's fetch).
 * @param target - the fetch to wrap
 * @param certificate - what the connection presents
 * @returns the presenting fetch
 */
export function presenting(target: typeof fetch, certificate: string): typeof fetch {
  return (input, init) => {
    const request = new Request(input, init)
    request.headers.set(CERTIFICATE_HEADER, certificate)
    return target(request)
  }
}

/** Options of {@link createMtlsFixture}. */
export interface MtlsFixtureOptions {
  readonly authMethod?: MockClient['token_endpoint_auth_method']
  /** Ask for certificate-bound access tokens. */
  readonly bound?: boolean
  /** The certificate the RP's fetch presents; default {@link CLIENT_CERTIFICATE}. */
  readonly presents?: string
  readonly clientInput?: Partial<ClientInput>
}

/**
 * A fixture whose client speaks mutual TLS to the mock OP.
 * @param options - method, binding, what the fetch presents
 * @returns the fixture; its configuration uses the presenting fetch
 */
export async function createMtlsFixture(options: MtlsFixtureOptions = {}): Promise<Fixture> {
  const bound = options.bound === true ? { tls_client_certificate_bound_access_tokens: true } : {}
  const f = await createFixture({
    authMethod: options.authMethod ?? 'tls_client_auth',
    client: { tls_client_certificates: [CLIENT_CERTIFICATE], ...bound },
    clientInput: { ...bound, ...options.clientInput },
    op: { clientCertificate: (request) => request.headers.get(CERTIFICATE_HEADER) ?? undefined },
    config: (op) => ({ fetch: presenting(op.fetch, options.presents ?? CLIENT_CERTIFICATE) }),
  })
  return f
}
