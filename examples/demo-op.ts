/**
 * The demo's OpenID Provider: the interop suite's oidc-provider (users alice and bob, a login page
 * with a choice of authentication context) with the clients of the demo RP, and a partner's OP
 * for the RP's connection registry.
 * @module
 */
import type { JWK } from 'jose'
import { CLAIMS, type RunningOp, startOp } from '../test/interop/op-server.js'
import { type Flow, flowUrls, ssoUrls } from './demo-rp.js'

/** What the OP needs to know of the RP to register its clients. */
export interface DemoOpOptions {
  /** The RP's origin, e.g. `http://127.0.0.1:4000`; redirect URIs are under `/auth/<flow>/` there. */
  readonly rpOrigin: string
  /** The secret of the confidential clients. */
  readonly clientSecret: string
  /** The RP's public key, for its signed request objects. */
  readonly rpPublicKey: JWK
  /** Restart on this port with these keys (to change the OP's metadata under the same issuer). */
  readonly restart?: { readonly port: number; readonly jwks: { keys: JWK[] } }
  /** Advertise other claims (see {@link CHANGED_CLAIMS}). */
  readonly claims?: Readonly<Record<string, string[] | null>>
}

/**
 * The claims configuration after the "OP changed" demo button: `email_verified` dropped, a `phone`
 * scope with `phone_number` added. A metadata reload in the RP then shows the difference.
 */
export const CHANGED_CLAIMS: Readonly<Record<string, string[] | null>> = {
  ...CLAIMS,
  email: ['email'],
  phone: ['phone_number'],
}

/**
 * Starts the demo OP on 127.0.0.1.
 * @param options - the RP's origin, secret and key; a port and keys to restart with
 * @returns the running OP
 */
export function startDemoOp(options: DemoOpOptions): Promise<RunningOp> {
  const urls = (flow: Flow) => flowUrls(options.rpOrigin, flow)
  const logout = (flow: Flow) => ({
    post_logout_redirect_uris: [urls(flow).postLogoutRedirectUri],
    backchannel_logout_uri: urls(flow).backChannelLogoutUri,
    backchannel_logout_session_required: true,
  })
  const redirect = (flow: Flow) => [urls(flow).redirectUri]
  const secret = options.clientSecret
  return startOp({
    ...(options.restart ?? {}),
    ...(options.claims ? { claims: options.claims } : {}),
    // the RP is on http loopback, which oidc-provider refuses for implicit web clients by default
    allowHttpImplicit: true,
    clients: [
      {
        client_id: 'demo-rp',
        client_secret: secret,
        redirect_uris: redirect('code'),
        ...logout('code'),
        grant_types: ['authorization_code', 'refresh_token'],
      },
      {
        client_id: 'demo-implicit',
        token_endpoint_auth_method: 'none',
        redirect_uris: redirect('implicit'),
        ...logout('implicit'),
        response_types: ['id_token token'],
        grant_types: ['implicit'],
      },
      {
        client_id: 'demo-jar',
        client_secret: secret,
        redirect_uris: redirect('jar'),
        ...logout('jar'),
        jwks: { keys: [options.rpPublicKey] },
        request_object_signing_alg: 'RS256',
      },
      ssoClient(options),
    ],
  })
}

/**
 * The client of the RP's connection registry (`/auth/sso/…`): one callback for every OP.
 * @param options - the RP's origin and secret
 * @returns the client's metadata, the same at each OP
 */
function ssoClient(options: Pick<DemoOpOptions, 'rpOrigin' | 'clientSecret'>) {
  const urls = ssoUrls(options.rpOrigin)
  return {
    client_id: 'demo-sso',
    client_secret: options.clientSecret,
    redirect_uris: [urls.redirectUri],
    post_logout_redirect_uris: [urls.postLogoutRedirectUri],
    backchannel_logout_uri: urls.backChannelLogoutUri,
    backchannel_logout_session_required: true,
    grant_types: ['authorization_code', 'refresh_token'],
  }
}

/**
 * Starts the second OP of the demo, a partner's: the same users, only the registry's client.
 * @param options - the RP's origin and secret
 * @returns the running OP
 */
export function startPartnerOp(
  options: Pick<DemoOpOptions, 'rpOrigin' | 'clientSecret'>,
): Promise<RunningOp> {
  return startOp({ clients: [ssoClient(options)] })
}
