/**
 * The few parts of `oidc-provider` 8 (which ships no types) that the interop OP uses.
 */
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http'

  /** Client metadata, in registration names. */
  export type ClientMetadata = Record<string, unknown> & {
    client_id: string
    redirect_uris?: string[]
  }

  export interface KoaContextLike {
    type: string
    body: unknown
  }

  export interface ClientLike {
    clientId: string
    clientAuthMethod: string
    grantTypeAllowed(type: string): boolean
  }

  export interface Configuration {
    clients?: ClientMetadata[]
    jwks?: { keys: Record<string, unknown>[] }
    claims?: Record<string, string[] | null>
    acrValues?: string[]
    responseTypes?: string[]
    pkce?: { methods?: string[]; required?: (ctx: unknown, client: ClientLike) => boolean }
    cookies?: { keys?: string[] }
    features?: Record<string, Record<string, unknown>>
    issueRefreshToken?: (ctx: unknown, client: ClientLike, code: unknown) => Promise<boolean>
    interactions?: { url?: (ctx: unknown, interaction: { uid: string }) => string }
    clientBasedCORS?: (ctx: unknown, origin: string, client: ClientLike) => boolean
    findAccount?: (
      ctx: unknown,
      sub: string,
    ) =>
      | { accountId: string; claims: () => Record<string, unknown> }
      | undefined
      | Promise<{ accountId: string; claims: () => Record<string, unknown> } | undefined>
    renderError?: (
      ctx: KoaContextLike,
      out: { error: string; error_description?: string },
      error: unknown,
    ) => void
    [option: string]: unknown
  }

  export interface InteractionDetails {
    uid: string
    prompt: { name: string; reasons: string[]; details: Record<string, unknown> }
    params: Record<string, unknown>
    grantId?: string
    session?: { accountId: string }
  }

  export interface Grant {
    addOIDCScope(scope: string): void
    addOIDCClaims(claims: string[]): void
    save(): Promise<string>
  }

  export default class Provider {
    constructor(issuer: string, configuration: Configuration)
    readonly issuer: string
    readonly Client: unknown
    readonly Grant: new (init: {
      accountId: string
      clientId: string
    }) => Grant
    callback(): (req: IncomingMessage, res: ServerResponse) => void
    interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<InteractionDetails>
    interactionFinished(
      req: IncomingMessage,
      res: ServerResponse,
      result: Record<string, unknown>,
      options?: { mergeWithLastSubmission?: boolean },
    ): Promise<void>
    on(event: string, listener: (...args: unknown[]) => void): this
    /** Adds a Koa middleware in front of the OP's own (the Koa context: only what tests read). */
    use(middleware: (ctx: { readonly path: string }, next: () => Promise<void>) => unknown): this
  }
}
