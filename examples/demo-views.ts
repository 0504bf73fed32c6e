/**
 * The demo RP's pages. Every value that comes from the OP or the end-user is escaped: claims are
 * data, never markup (bob's claims contain HTML to show it).
 * @module
 */
import type { Configuration, ContractReport, MetadataDiff } from '../src/index.js'

/** What a page shows of a sign-in (no token values). */
export interface SessionView {
  readonly flow: string
  readonly idTokenClaims: Readonly<Record<string, unknown>>
  readonly userinfo: Readonly<Record<string, unknown>> | undefined
  readonly attributes: Readonly<Record<string, unknown>>
  readonly missingAttributes: readonly string[]
  readonly contract: ContractReport
  readonly accessToken:
    | { type: string; scope?: string; expiresAt?: string | undefined; preview: string }
    | undefined
  readonly refreshToken: boolean
}

/** Escapes text for HTML content and attribute values. */
export function esc(value: unknown): string {
  return String(value).replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  )
}

const json = (value: unknown) => `<pre>${esc(JSON.stringify(value, null, 2))}</pre>`
const names = (values: readonly string[]) => (values.length ? values.join(', ') : '—')
const list = (values: readonly string[]) => esc(names(values))

function table(head: readonly string[], rows: readonly (readonly unknown[])[]): string {
  const th = head.map((h) => `<th>${esc(h)}</th>`).join('')
  const tr = rows.map((r) => `<tr>${r.map((c) => `<td>${esc(c ?? '')}</td>`).join('')}</tr>`)
  return `<table><tr>${th}</tr>${tr.join('')}</table>`
}

function layout(title: string, body: string): string {
  return `<!DOCTYPE html><html><head><meta charset="utf-8"><title>${esc(title)}</title><style>
body{font-family:system-ui,sans-serif;max-width:60em;margin:2em auto;padding:0 1em}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .5em;text-align:left}
pre{background:#f5f5f5;padding:.5em;overflow:auto}.muted{color:#777}a.button,button{margin:.2em}
</style></head><body><p><a href="/">Home</a> · <a href="/admin">Connection (administrator)</a></p>
<h1>${esc(title)}</h1>${body}</body></html>`
}

/**
 * The home page: the sign-in buttons, and the signed-in end-user when there is one.
 * @param session - the current sign-in, if any
 * @param signedOut - whether the end-user just came back from signing out
 * @returns the page
 */
export function homePage(session: SessionView | undefined, signedOut = false): string {
  const signIn = `<h2>Sign in</h2><p>
<a class="button" href="/login/code">Sign in</a> (code flow, PKCE) ·
<a class="button" href="/login/implicit">Sign in (implicit, form_post)</a> ·
<a class="button" href="/login/jar">Sign in with a signed request object</a></p>
<p class="muted">The policy locks <code>acr_values</code>:
<a href="/login/code?acr_values=urn:mace:incommon:iap:bronze">asking for another acr</a> is refused by the SDK,
and choosing "bronze" on the OP's login page makes the SDK refuse the ID token.</p>`
  if (session === undefined) {
    const status = signedOut ? 'Signed out, here and at the OP.' : 'Not signed in.'
    return layout('oidc-rp demo', `<p>${status}</p>${signIn}`)
  }
  const token = session.accessToken
  return layout(
    'oidc-rp demo',
    `<p>Signed in as <strong>${esc(session.attributes.displayName ?? session.idTokenClaims.sub)}</strong>
with the <code>${esc(session.flow)}</code> connection.</p>
<h2>Attributes (mapped from the claims)</h2>${json(session.attributes)}
<p>Missing attributes: ${list(session.missingAttributes)}</p>
<h2>Validated ID token claims</h2>${json(session.idTokenClaims)}
<h2>UserInfo claims</h2>${session.userinfo ? json(session.userinfo) : '<p>UserInfo was not called.</p>'}
<h2>Contract report</h2>${table(
      ['received', 'missing', 'not in contract'],
      [
        [
          session.contract.received.join(', '),
          session.contract.missing.join(', '),
          session.contract.notInContract.join(', '),
        ],
      ],
    )}
<h2>Access token (metadata only)</h2>${
      token
        ? table(
            ['type', 'scope', 'expires', 'value'],
            [[token.type, token.scope, token.expiresAt, token.preview]],
          )
        : '<p>None.</p>'
    }
<p>Refresh token: ${session.refreshToken ? 'issued (kept server-side)' : 'none'}</p>
<form method="post" action="/logout"><button>Sign out</button></form>${signIn}`,
  )
}

/**
 * The connection as an administrator sees it: the OP's metadata from discovery, the attribute
 * contract, the request policy, the mapping, and the metadata reload with its diff.
 * @param config - the connection
 * @param diff - the last reload's diff, to show
 * @returns the page
 */
export function adminPage(config: Configuration, diff: MetadataDiff | undefined): string {
  const p = config.provider
  const endpoints = Object.entries(p).filter(([k]) => k.endsWith('_endpoint') || k === 'jwks_uri')
  const supported = [
    'response_types_supported',
    'response_modes_supported',
    'acr_values_supported',
    'token_endpoint_auth_methods_supported',
    'id_token_signing_alg_values_supported',
    'request_object_signing_alg_values_supported',
  ].map((m) => [m, ((p[m] as string[] | undefined) ?? []).join(', ')])
  const policy = config.policy
  const locked = Object.entries(policy.protect).filter(([, on]) => on)
  const contract = config.contract.map((a) => [
    a.name,
    a.origin,
    a.advertised
      ? 'advertised'
      : `no longer advertised${a.noLongerAdvertisedSince ? ` since ${a.noLongerAdvertisedSince}` : ''}`,
  ])
  return layout(
    'Connection: demo-rp',
    `${diff ? diffSection(diff) : ''}
<form method="post" action="/admin/reload"><button>Reload metadata</button></form>
<h2>OP configuration (from discovery)</h2>
${table(['member', 'value'], [['issuer', p.issuer], ...endpoints, ...supported, ['authorization_response_iss_parameter_supported', String(p.authorization_response_iss_parameter_supported)]])}
<h2>Client</h2>${table(['client_id', 'authentication', 'redirect URIs'], [[config.client.client_id, config.client.token_endpoint_auth_method, config.client.redirect_uris.join(' ')]])}
<h2>Attribute contract</h2>${table(['claim', 'origin', 'status'], contract)}
<h2>Attribute mapping</h2>${table(
      ['attribute', 'claim', 'default'],
      config.attributeMapping.map((r) => [
        r.attribute,
        r.claim,
        r.default === undefined ? '' : JSON.stringify(r.default),
      ]),
    )}
<h2>Request policy</h2>
<p>Response type <code>${esc(policy.responseType)}</code>, scopes <code>${esc(policy.scopes.join(' '))}</code>
(rule: ${esc(policy.scopeRule.override)}), transport ${esc(policy.transport)}, PKCE ${policy.pkce ? 'on' : 'off'}.</p>
${table(
  ['parameter', 'value', 'rule', 'allowed'],
  policy.parameters.map((x) => [x.name, x.value?.join(' '), x.rule, x.allowed?.join(' ')]),
)}
<p>Locked (the application can never override): ${list(locked.map(([name]) => name))}.
The ID token's <code>acr</code> must be one of the locked <code>acr_values</code>: ${policy.enforceAcr ? 'yes' : 'no'}.</p>
<h2>Demo only</h2><form method="post" action="/admin/op-change"><button>Make the OP change its claims</button></form>
<p class="muted">Restarts the OP with <code>email_verified</code> dropped and <code>phone_number</code> added; then reload the metadata.</p>`,
  )
}

function diffSection(diff: MetadataDiff): string {
  if (!diff.changed) return '<h2>Reload: nothing changed</h2>'
  const rows = [
    ['claims added', names(diff.claims.added)],
    ['claims no longer advertised (kept, marked)', names(diff.claims.noLongerAdvertised)],
    ['claims advertised again', names(diff.claims.nowAdvertised)],
    ...diff.endpoints.map((e) => [e.member, `${e.before ?? '—'} → ${e.after ?? '—'}`]),
    ...diff.supported.map((s) => [s.member, `+ ${names(s.added)} / − ${names(s.removed)}`]),
    ['other members changed', names(diff.other)],
  ]
  return `<h2>Reload: what changed</h2>${table(['what', 'change'], rows)}`
}

/**
 * An error page: the SDK's error code and message (which never contain secrets or tokens).
 * @param title - the page title
 * @param code - the error code
 * @param message - the message
 * @returns the page
 */
export function errorPage(title: string, code: string, message: string): string {
  return layout(title, `<p><code>${esc(code)}</code></p><p>${esc(message)}</p>`)
}
