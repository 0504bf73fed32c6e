/**
 * The error the mock OP throws where a real OP shows an error page instead of redirecting.
 * @module
 */

/**
 * Thrown where a real OP would show an error page and never redirect.
 *
 * By `MockOP.authorize` (unknown `client_id`, unregistered `redirect_uri`, unknown user), and by
 * `createMockOP` for impossible options.
 *
 * @example
 * ```ts
 * await assert.rejects(op.authorize(urlWithEvilRedirect, { user: 'alice' }), MockOPError)
 * ```
 * @group Everyday use
 */
export class MockOPError extends Error {
  /**
   * @param message - what the OP refused
   */
  constructor(message: string) {
    super(message)
    this.name = 'MockOPError'
  }
}
