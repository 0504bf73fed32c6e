/**
 * The types of the mock OP's dynamic registration and WebFinger responder.
 * @module
 */

/**
 * Options of the mock OP's registration endpoint (`MockOPOptions.registration`).
 * @group Configuration
 */
export interface MockRegistrationOptions {
  /**
   * The initial access token registration requires (RFC 7591 §3), as a Bearer token.
   *
   * Default none: open registration.
   */
  initialAccessToken?: string
  /**
   * Checks a request before it registers, e.g. to refuse a software statement.
   *
   * Returns an RFC 7591 §3.2.2 error (`invalid_software_statement`…) to refuse, or undefined.
   */
  check?: (
    metadata: Record<string, unknown>,
  ) => { error: string; error_description?: string } | undefined
}

/**
 * Options of the mock OP's WebFinger responder (`MockOPOptions.webfinger`).
 * @group Configuration
 */
export interface MockWebFingerOptions {
  /**
   * The resources answered with the OP's issuer; others get 404.
   *
   * Exact `resource` values (`acct:joe@example.com`, `https://example.com/joe`), or a test of each.
   */
  resources: string[] | ((resource: string) => boolean)
}

/** The registration state of the mock OP. */
export interface RegistrationState {
  /** The initial access token required, if any. */
  initialAccessToken: string | undefined
  /** The caller's own check. */
  check: MockRegistrationOptions['check']
  /** Registration access tokens by client_id. */
  tokens: Map<string, string>
  /** The metadata as registered (what read answers), by client_id. */
  metadata: Map<string, Record<string, unknown>>
}
