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

  /** A grant handler's Koa context (`registerGrantType`): what the interop handlers read and set. */
  export interface GrantContext {
    readonly oidc: {
      readonly params: Readonly<Record<string, string | string[] | undefined>>
      readonly client: ClientLike
    }
    body: unknown
  }

  /** A client credentials token (oidc-provider's `ClientCredentials` model). */
  export interface ClientCredentialsToken {
    readonly scope?: string
    readonly expiration: number
    readonly isExpired: boolean
    save(): Promise<string>
  }

  /** oidc-provider's OAuth error classes (each takes its `error_description`). */
  export const errors: {
    readonly InvalidGrant: new (description: string) => Error
    readonly InvalidRequest: new (description: string) => Error
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
    readonly ClientCredentials: {
      new (init: { client: ClientLike; scope?: string | undefined }): ClientCredentialsToken
      find(value: string): Promise<ClientCredentialsToken | undefined>
    }
    /** Adds a grant type to the token endpoint (extension grants, RFC 6749 §4.5). */
    registerGrantType(
      name: string,
      handler: (ctx: GrantContext, next: () => Promise<void>) => Promise<void>,
      parameters?: string[],
      repeatable?: string[],
    ): void
    /** Adds a Koa middleware in front of the OP's own (the Koa context: only what tests read). */
    use(middleware: (ctx: { readonly path: string }, next: () => Promise<void>) => unknown): this
  }
}
