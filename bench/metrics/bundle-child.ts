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
import { callbackUrl, cannedFetch, type OpContext } from '../lib/canned-op.js'

/** What the bundle entries export (bench/entries/). */
interface Entry {
  configure(...args: unknown[]): Promise<unknown>
  signIn(...args: unknown[]): Promise<{ url: string; cookie?: string; nonce?: string }>
  callback(...args: unknown[]): Promise<unknown>
}

const [kind, entryPath, contextPath] = process.argv.slice(2) as [string, string, string]
const ctx = JSON.parse(readFileSync(contextPath, 'utf8')) as OpContext
let nonce = ''
globalThis.fetch = cannedFetch(ctx, () => nonce)
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
const back = (state: string) => callbackUrl(ctx, state)
if (kind === 'oidc-rp') {
  // a page's client is public: no secret
  const client = { client_id: ctx.clientId, redirect_uris: [ctx.redirectUri] }
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
