/**
 * The demo RP's pages. Every value that comes from the OP or the end-user is escaped: claims are
 * data, never markup (bob's claims contain HTML to show it).
 * @module
 */
import type {
  AcrMapping,
  Configuration,
  ContractReport,
  IssuanceCriteria,
  MetadataDiff,
} from '../src/index.js'
import type { ConnectionRecord } from '../src/registry/index.js'

/** What a page shows of a sign-in (never a token value). */
export interface SessionView {
  readonly flow: string
  /** The registry connection the user signed in through (the `sso` flow). */
  readonly connection?: string
  readonly idTokenClaims: Readonly<Record<string, unknown>>
  readonly userinfo?: Readonly<Record<string, unknown>>
  readonly attributes: Readonly<Record<string, unknown>>
  readonly missingAttributes: readonly string[]
  readonly contract: ContractReport
  /** The access token's metadata; `expiresAt` in seconds since the epoch. */
  readonly accessToken?: { type: string; scope?: string; expiresAt?: number }
  readonly refreshToken: boolean
  /** When the RP session ends at the latest, in seconds since the epoch. */
  readonly sessionEndsAt: number
}

/** Escapes text for HTML content and attribute values. */
export function esc(value: unknown): string {
  return String(value).replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  )
}

const names = (values: readonly string[]) => (values.length ? values.join(', ') : '—')
const list = (values: readonly string[]) => esc(names(values))

/** Claims that are times, in seconds since the epoch. */
const TIME_CLAIMS = new Set(['iat', 'exp', 'nbf', 'auth_time', 'updated_at'])

/**
 * A time as a person reads it: UTC date and time, and how far from now.
 * @param seconds - seconds since the epoch
 * @param now - the current time, in milliseconds
 * @returns e.g. `2026-12-04 21:03:05 UTC (in 59 min)`
 */
export function humanTime(seconds: number, now = Date.now()): string {
  const at = new Date(seconds * 1000).toISOString().replace('T', ' ').slice(0, 19)
  const delta = Math.round(seconds - now / 1000)
  const size = Math.abs(delta)
  const span =
    size < 90
      ? `${size} s`
      : size < 5400
        ? `${Math.round(size / 60)} min`
        : size < 172800
          ? `${Math.round(size / 3600)} h`
          : `${Math.round(size / 86400)} days`
  return `${at} UTC (${delta >= 0 ? `in ${span}` : `${span} ago`})`
}

/** A claim's value as text: times readable, lists joined, objects as JSON. */
function shown(name: string, value: unknown): string {
  if (TIME_CLAIMS.has(name) && typeof value === 'number') return humanTime(value)
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value.join(', ')
  if (typeof value === 'object' && value !== null) return JSON.stringify(value)
  return String(value)
}

function table(head: readonly string[], rows: readonly (readonly unknown[])[]): string {
  const th = head.map((h) => `<th>${esc(h)}</th>`).join('')
  const tr = rows.map((r) => `<tr>${r.map((c) => `<td>${esc(c ?? '')}</td>`).join('')}</tr>`)
  return `<table><thead><tr>${th}</tr></thead><tbody>${tr.join('')}</tbody></table>`
}

/** A name/value table of claims or attributes, times readable. */
function claimsTable(values: Readonly<Record<string, unknown>>): string {
  return table(
    ['name', 'value'],
    Object.entries(values).map(([name, value]) => [name, shown(name, value)]),
  )
}

const STYLE = `
:root{color-scheme:light dark;--line:#8884;--muted:#888;--accent:#2563eb}
body{font:16px/1.5 system-ui,sans-serif;max-width:58em;margin:0 auto;padding:1em 1.5em 4em}
nav{display:flex;gap:1.5em;padding:.8em 0;border-bottom:1px solid var(--line);margin-bottom:1em}
nav strong{margin-right:auto}a{color:var(--accent)}
h1{font-size:1.6em;margin:.6em 0 .3em}h2{font-size:1.15em;margin:1.6em 0 .4em}
table{border-collapse:collapse;width:100%;margin:.3em 0}
td,th{border-bottom:1px solid var(--line);padding:.35em .6em;text-align:left;vertical-align:top}
th{font-weight:600;font-size:.85em;text-transform:uppercase;letter-spacing:.03em;color:var(--muted)}
td:first-child{white-space:nowrap;font-family:ui-monospace,monospace;font-size:.9em}
td{overflow-wrap:anywhere}code{font-family:ui-monospace,monospace;font-size:.9em}
.muted{color:var(--muted)}.actions{display:flex;flex-wrap:wrap;gap:.6em;align-items:center}
.button,button{display:inline-block;padding:.45em 1em;border-radius:.4em;border:1px solid var(--accent);
background:var(--accent);color:#fff;text-decoration:none;font:inherit;cursor:pointer}
.button.secondary{background:none;color:var(--accent)}form{margin:0}
.notice{padding:.6em 1em;border-radius:.4em;background:#16a34a22;border:1px solid #16a34a66}
.error{padding:.6em 1em;border-radius:.4em;background:#dc262622;border:1px solid #dc262666}
`

function layout(title: string, body: string): string {
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width"><title>${esc(title)}</title><style>${STYLE}</style></head>
<body><nav><strong>oidc-rp demo</strong><a href="/">Home</a><a href="/admin">Connection (administrator)</a></nav>
<h1>${esc(title)}</h1>${body}</body></html>`
}

const SIGN_IN = `<h2>Sign in</h2><div class="actions">
<a class="button" href="/auth/code/login">Sign in</a>
<a class="button secondary" href="/auth/implicit/login">Sign in (implicit, form_post)</a>
<a class="button secondary" href="/auth/jar/login">Sign in with a signed request object</a>
<a class="button secondary" href="/auth/sso/login">Sign in with a connection of your choice</a></div>
<p class="muted">The administrator's policy locks <code>acr_values</code>:
<a href="/auth/code/login?acr_values=urn:mace:incommon:iap:bronze">asking for another acr</a> is refused by
the SDK, and choosing "bronze" on the OP's login page makes the SDK refuse the ID token.</p>`

/**
 * The home page: the sign-in buttons, and the signed-in end-user when there is one.
 * @param session - the current sign-in, if any
 * @param logoutForm - the sign-out form of the session's connection (a POST with its CSRF token)
 * @param signedOut - whether the end-user just came back from signing out
 * @returns the page
 */
export function homePage(
  session: SessionView | undefined,
  logoutForm: string | undefined,
  signedOut = false,
): string {
  if (session === undefined) {
    const status = signedOut
      ? '<p class="notice">Signed out, here and at the OP.</p>'
      : '<p>Not signed in.</p>'
    return layout('Welcome', `${status}${SIGN_IN}`)
  }
  const token = session.accessToken
  const contract = session.contract
  return layout(
    'Welcome',
    `<p>Signed in as <strong>${esc(session.attributes.displayName ?? session.idTokenClaims.sub)}</strong>
with the <code>${esc(session.connection ?? session.flow)}</code> connection. The session ends ${esc(humanTime(session.sessionEndsAt))} at the latest.</p>
<div class="actions">${logoutForm ?? ''}</div>
<h2>Attributes (mapped from the claims)</h2>${claimsTable(session.attributes)}
<p>Missing attributes: ${list(session.missingAttributes)}</p>
<h2>Validated ID token claims</h2>${claimsTable(session.idTokenClaims)}
<h2>UserInfo claims</h2>${session.userinfo ? claimsTable(session.userinfo) : '<p>UserInfo was not called.</p>'}
<h2>Contract report</h2>${table(
      ['', 'claims'],
      [
        ['received', names(contract.received)],
        ['missing', names(contract.missing)],
        ['not in contract', names(contract.notInContract)],
      ],
    )}
<h2>Access token (metadata only)</h2>${
      token
        ? table(
            ['type', 'scope', 'expires'],
            [
              [
                token.type,
                token.scope ?? '—',
                token.expiresAt === undefined ? '—' : humanTime(token.expiresAt),
              ],
            ],
          )
        : '<p>None.</p>'
    }
<p>Refresh token: ${session.refreshToken ? 'issued (kept sealed in the session, never shown)' : 'none'}</p>
${SIGN_IN}`,
  )
}

/**
 * The connection as an administrator sees it: the OP's metadata from discovery, the attribute
 * contract, the request policy, the mapping, and the metadata reload with its diff.
 * @param config - the connection
 * @param diff - the last reload's diff, to show
 * @returns the page
 */
export function adminPage(
  config: Configuration,
  diff: MetadataDiff | undefined,
  connections: readonly ConnectionRecord[] = [],
): string {
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
    `${connectionsSection(connections)}${diff ? diffSection(diff) : ''}
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

/** The registry's connections: one callback (`/auth/sso/callback`) for every OP. */
/** An acr mapping as text: `local → remote` and `remote ⇒ local` rows (blank shown as ∅). */
function acrRows(mapping: AcrMapping | undefined): string {
  if (mapping === undefined) return '—'
  const shown = (value: string) => (value === '' ? '∅' : value)
  const out = (mapping.request ?? []).map((r) => `${shown(r.local)} → ${shown(r.remote)}`)
  const back = (mapping.response ?? []).map((r) => `${shown(r.remote)} ⇒ ${shown(r.local)}`)
  return [...out, ...back].join('; ')
}

/** Issuance criteria as text: `id: source name condition value`, joined by the match. */
function criteriaRows(criteria: IssuanceCriteria | undefined): string {
  if (criteria === undefined) return '—'
  const rules = criteria.rules.map((r) => {
    const value =
      r.value === undefined ? '' : ` ${typeof r.value === 'string' ? r.value : r.value.join('|')}`
    return `${r.id}: ${r.source ?? 'claim'} ${r.name} ${r.condition}${value}`
  })
  return rules.join(criteria.match === 'any' ? ' OR ' : ' AND ')
}

function connectionsSection(connections: readonly ConnectionRecord[]): string {
  if (connections.length === 0) return ''
  const rows = connections.map((c) => {
    const saved = c.configuration as {
      issuer?: unknown
      client?: { client_id?: unknown }
      acrMapping?: AcrMapping
      issuanceCriteria?: IssuanceCriteria
    }
    return [
      c.id,
      c.label ?? '',
      saved.issuer,
      saved.client?.client_id,
      c.enabled ? 'enabled' : 'disabled',
      names(c.domains ?? []),
      acrRows(saved.acrMapping),
      criteriaRows(saved.issuanceCriteria),
    ]
  })
  const head = [
    'id',
    'label',
    'issuer',
    'client',
    'state',
    'e-mail domains',
    'acr mapping',
    'issuance criteria',
  ]
  return `<h2>Connections (registry, one callback for all)</h2>
${table(head, rows)}
<p><a href="/auth/sso/login">Sign in with a connection</a> (the page lets you choose).</p>`
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

/** What the demo tells a person about the refusals it shows off. */
const EXPLAINED: Readonly<Record<string, string>> = {
  POLICY_PARAMETER_PROTECTED:
    'The sign-in asked for a parameter the administrator locked (here acr_values); the SDK refused before sending the browser to the OP.',
  ID_TOKEN_ACR_NOT_SATISFIED:
    'The OP authenticated the user with another authentication context than the locked acr_values ask for; the SDK refused the ID token.',
  NOT_FOUND: 'There is no such page.',
  CROSS_SITE_POST: 'The form was not sent from a page of this site.',
}

/**
 * An error page, by the error's code alone (never a code, state or token of the sign-in).
 * @param code - the error code, from the error route's query
 * @returns the page
 */
export function errorPage(code: string | null): string {
  const shownCode = code !== null && /^[A-Z_]{1,64}$/.test(code) ? code : 'UNKNOWN'
  const why =
    EXPLAINED[shownCode] ?? 'The sign-in could not be completed. docs/errors.md lists every code.'
  return layout(
    'Refused',
    `<div class="error"><p><code>${shownCode}</code></p><p>${esc(why)}</p></div>
<p><a href="/">Back to the start</a></p>`,
  )
}
