/**
 * The LemonLDAP::NG suites' setup: the relying parties the portal knows, the SDK's configuration
 * for each, and whole sign-ins through the portal's login form.
 * @module
 */
import assert from 'node:assert/strict'
import {
  type ClientInput,
  type Configuration,
  type ConfigurationOptions,
  discover,
  type SignInResult,
} from '../../../src/index.js'
import { registerSecret } from '../../support/helpers.js'
import { begin, REDIRECT, SIGNED_OUT } from '../rp.js'
import { type BrowseOptions, browse } from './browser.js'
import { type RelyingParty, type RunningLemonLdap, startLemonLdap } from './server.js'

export { begin, PROFILE, REDIRECT, SIGNED_OUT } from '../rp.js'

/**
 * The client secret of every confidential RP. Letters and digits only: LemonLDAP::NG compares the
 * Basic credentials without form-decoding them (see the suite's Basic tests).
 */
export const SECRET = 'LemonInteropClientSecret0123456789abcdefXYZ'
/** A client secret with characters `application/x-www-form-urlencoded` escapes. */
export const RESERVED_SECRET = 'Reserved+Secret:With%Chars&And=Spaces 0123456789'
/** A UUID-style client id: its `-` is what some encoders escape in Basic credentials. */
export const UUID_CLIENT = '3f0c8a52-6b1d-4e7a-9c2f-5d8e1a4b7c90'
registerSecret(SECRET, RESERVED_SECRET)

const code = { redirectUris: [REDIRECT], clientSecret: SECRET }

/** The relying parties of the portal, by configuration key; each is one behaviour under test. */
export const RELYING_PARTIES = {
  /** Confidential, PKCE required, refresh tokens, RP-initiated logout. */
  confidential: {
    clientId: 'confidential',
    ...code,
    requirePkce: true,
    refreshToken: true,
    postLogoutRedirectUris: [SIGNED_OUT],
  },
  /** The same with a UUID client id. */
  uuid: { clientId: UUID_CLIENT, ...code, requirePkce: true },
  /** A public client (`none`), PKCE required, refresh tokens. */
  public: {
    clientId: 'public',
    redirectUris: [REDIRECT],
    public: true,
    requirePkce: true,
    refreshToken: true,
  },
  /** Implicit: LemonLDAP::NG's RequirePKCE applies to every response type, so it is off here. */
  implicit: { clientId: 'implicit', redirectUris: [REDIRECT], public: true },
  /** Hybrid: LemonLDAP::NG keeps no code_challenge for hybrid codes, so PKCE cannot be required. */
  hybrid: { clientId: 'hybrid', ...code },
  /** Asks the user's consent. */
  consent: { clientId: 'consent', ...code, bypassConsent: false },
  /** UserInfo as a JWT signed RS256 with the OP's key. */
  signedUserinfo: { clientId: 'signeduserinfo', ...code, userInfoSignAlg: 'RS256' },
  /** UserInfo as a JWT signed HS256 with the client secret. */
  hmacUserinfo: { clientId: 'hmacuserinfo', ...code, userInfoSignAlg: 'HS256' },
  /** UserInfo as an unsigned JWT (`alg: none`), which an administrator can configure. */
  unsignedUserinfo: { clientId: 'unsigneduserinfo', ...code, userInfoSignAlg: 'none' },
  /** ID tokens signed HS256 with the client secret. */
  hmacIdToken: { clientId: 'hmacidtoken', ...code, idTokenSignAlg: 'HS256' },
  /** Unsigned ID tokens (`alg: none`), which an administrator can configure. */
  unsignedIdToken: { clientId: 'unsignedidtoken', ...code, idTokenSignAlg: 'none' },
  /** A secret with characters that form-encoding escapes. */
  reservedSecret: {
    clientId: 'reservedsecret',
    redirectUris: [REDIRECT],
    clientSecret: RESERVED_SECRET,
  },
} as const satisfies Record<string, RelyingParty>

/** The claims of the Demo user `dwho`, as the portal releases them. */
export const DWHO = { sub: 'dwho', name: 'Doctor Who', email: 'dwho@badwolf.org' }

/** The running portal and the helpers bound to it. */
export interface LemonLdap {
  readonly op: RunningLemonLdap
  /** The SDK's configuration for one of the portal's clients, by discovery. */
  connect(
    client: Partial<ClientInput> & { client_id: string },
    options?: ConfigurationOptions,
  ): Promise<Configuration>
  /** A whole sign-in: authorization request, `dwho` at the portal, the callback. */
  signIn(config: Configuration, browser?: BrowseOptions): Promise<SignInResult>
}

/**
 * Starts the portal with the suite's relying parties.
 * @returns the portal and the helpers
 */
export async function startSuite(): Promise<LemonLdap> {
  const op = await startLemonLdap(RELYING_PARTIES)
  return {
    op,
    connect: (client, options = {}) =>
      discover(op.issuer, { redirect_uris: [REDIRECT], ...client }, options),
    async signIn(config, browser = {}) {
      const pending = await begin(config)
      return pending.finish(await browse(pending.url, browser))
    },
  }
}

/**
 * A `fetch` that lets a test change the token request before it leaves (the RP misbehaving, to
 * see what the portal checks), and records what it sent.
 * @param change - edits the form body and headers of each token request
 * @returns the fetch, and the token requests sent (after the change)
 */
export function tokenRequestTap(
  change: (body: URLSearchParams, headers: Headers) => void = () => {},
): {
  fetch: typeof fetch
  sent: { body: URLSearchParams; headers: Headers }[]
} {
  const sent: { body: URLSearchParams; headers: Headers }[] = []
  const tap: typeof fetch = async (input, init) => {
    const url = input instanceof Request ? input.url : String(input)
    if (!url.endsWith('/oauth2/token')) return fetch(input, init)
    const raw = init?.body
    if (!(raw instanceof URLSearchParams || typeof raw === 'string')) {
      throw new Error('the token request body is not a form: the tap cannot change it')
    }
    const body = new URLSearchParams(raw)
    const headers = new Headers(init?.headers)
    change(body, headers)
    sent.push({ body, headers })
    return fetch(input, { ...init, body, headers })
  }
  return { fetch: tap, sent }
}

/** The common checks of a successful sign-in of `dwho`. */
export function assertDwho(result: SignInResult, issuer: string): void {
  assert.equal(result.idTokenClaims.sub, DWHO.sub)
  assert.equal(result.idTokenClaims.iss, issuer)
  assert.equal(result.claims.name, DWHO.name)
  assert.equal(result.claims.email, DWHO.email)
}
