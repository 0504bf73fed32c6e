/**
 * Runs a bundled entry's sign-in path once, as a page would, to learn which of its chunks it loads
 * (bench/metrics/bundle.ts): `node bundle-child.js <oidc-rp|openid-client> <entry.js> <context.json>`.
 *
 * Node's crypto module is hidden first (a browser has none, so the SDK takes its WebCrypto path),
 * and every request goes to a canned `fetch`. Each chunk of the bundle was prefixed with a line that
 * records its URL when it is evaluated; prints `{"loaded": [file names]}`.
 */
import { readFileSync } from 'node:fs'
import { basename } from 'node:path'
import { pathToFileURL } from 'node:url'

interface Context {
  readonly issuer: string
  readonly clientId: string
  readonly clientSecret: string
  readonly redirectUri: string
  readonly metadata: Record<string, unknown>
  readonly publicJwk: Record<string, unknown>
  readonly privatePem: string
}

/** What the bundle entries export (bench/entries/). */
interface Entry {
  configure(...args: unknown[]): Promise<unknown>
  signIn(...args: unknown[]): Promise<{ url: string; cookie?: string; nonce?: string }>
  callback(...args: unknown[]): Promise<unknown>
}

const [kind, entryPath, contextPath] = process.argv.slice(2) as [string, string, string]
const ctx = JSON.parse(readFileSync(contextPath, 'utf8')) as Context
const { createPrivateKey, sign } = await import('node:crypto')
const privateKey = createPrivateKey(ctx.privatePem)
const json = (body: unknown) =>
  new Response(JSON.stringify(body), { headers: { 'content-type': 'application/json' } })
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')

let nonce = ''
function idToken(): string {
  const now = Math.floor(Date.now() / 1000)
  const claims = { iss: ctx.issuer, sub: 'user-1234', aud: ctx.clientId, iat: now, exp: now + 300 }
  const input = `${b64({ alg: 'RS256', kid: ctx.publicJwk.kid })}.${b64({ ...claims, nonce })}`
  return `${input}.${sign('sha256', Buffer.from(input), privateKey).toString('base64url')}`
}

globalThis.fetch = async (input: RequestInfo | URL): Promise<Response> => {
  const href = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url
  switch (href.slice(ctx.issuer.length)) {
    case '/.well-known/openid-configuration':
      return json(ctx.metadata)
    case '/jwks':
      return json({ keys: [ctx.publicJwk] })
    case '/token':
      return json({
        access_token: 'at',
        token_type: 'Bearer',
        expires_in: 300,
        id_token: idToken(),
      })
    case '/userinfo':
      return json({ sub: 'user-1234', name: 'Ada' })
    default:
      return new Response('not found', { status: 404 })
  }
}
// a browser has no Node crypto module: the SDK must take the path a page takes
Reflect.deleteProperty(process, 'getBuiltinModule')
// and it has sessionStorage, where a page's pending sign-in waits
const items = new Map<string, string>()
Reflect.set(globalThis, 'sessionStorage', {
  getItem: (key: string) => items.get(key) ?? null,
  setItem: (key: string, value: string) => void items.set(key, String(value)),
  removeItem: (key: string) => void items.delete(key),
  key: (index: number) => [...items.keys()][index] ?? null,
  get length() {
    return items.size
  },
  clear: () => items.clear(),
})

const loaded: string[] = []
Reflect.set(globalThis, '__bundleLoaded', loaded)
const entry = (await import(pathToFileURL(entryPath).href)) as Entry
const back = (state: string) =>
  `${ctx.redirectUri}?code=c0de&state=${state}&iss=${encodeURIComponent(ctx.issuer)}`
if (kind === 'oidc-rp') {
  const client = {
    client_id: ctx.clientId,
    client_secret: ctx.clientSecret,
    redirect_uris: [ctx.redirectUri],
  }
  const config = await entry.configure(ctx.issuer, client)
  const started = await entry.signIn(config)
  const url = new URL(started.url)
  nonce = url.searchParams.get('nonce') ?? ''
  await entry.callback(config, back(url.searchParams.get('state') ?? ''), started.cookie)
} else {
  const config = await entry.configure(ctx.issuer, ctx.clientId, ctx.clientSecret)
  const pending = await entry.signIn(config, ctx.redirectUri)
  nonce = pending.nonce ?? ''
  await entry.callback(config, back(new URL(pending.url).searchParams.get('state') ?? ''), pending)
}
console.log(JSON.stringify({ loaded: loaded.map((u) => basename(new URL(u).pathname)) }))
