/**
 * Revoking an ended session's tokens at logout (RFC 7009).
 *
 * @module
 */
import { revokeToken } from '../index.js'
import type { Session } from '../storage.js'
import type { WebContext } from './context.js'
import { contentOf, type SessionContent } from './session.js'

/**
 * Revokes the refresh token, then the access token, of a session that has just ended.
 *
 * Only with `revokeOnLogout` (default) and an OP `revocation_endpoint`. The refresh token goes
 * first: revoking it SHOULD also revoke the grant's access tokens, while revoking an access token
 * leaves its refresh token alone at most OPs (RFC 7009 §2.1). A failure goes to
 * `onRevocationError` and never stops the logout, nor does the hook's own failure.
 *
 * A DPoP-bound session's tokens are revoked without a proof: RFC 9449 defines proofs at the token
 * (§5) and PAR (§10.1) endpoints and at resource servers (§7), none at revocation, which RFC 7009
 * §2.1 guards by client authentication.
 *
 * @param ctx - the web context
 * @param request - the logout request (for the hook)
 * @param ended - the session's content (`'cookie'` mode) or its store record (`'store'` mode)
 * @internal
 */
export async function revokeSessionTokens(
  ctx: WebContext,
  request: Request,
  ended: SessionContent | Session | undefined,
): Promise<void> {
  if (!ctx.settings.revokeOnLogout || ctx.config.provider.revocation_endpoint === undefined) return
  const content = ended === undefined || 'claims' in ended ? ended : contentOf(ended)
  const tokens = [
    ['refresh_token', content?.refreshToken],
    ['access_token', content?.accessToken?.value],
  ] as const
  for (const [hint, token] of tokens) {
    if (typeof token !== 'string' || token === '') continue
    try {
      await revokeToken(ctx.config, token, { tokenTypeHint: hint })
    } catch (error) {
      try {
        await ctx.options.onRevocationError?.(error, hint, request)
      } catch {
        // a reporting hook that fails does not stop the logout
      }
    }
  }
}
