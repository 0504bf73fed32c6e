/**
 * Another site on 127.0.0.1 (another port: another origin, the same site for cookies), serving pages
 * that auto-submit a forged form POST to the recipe, as a cross-site request forgery would.
 * @module
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

/** The running evil site. */
export interface EvilSite {
  /** `http://127.0.0.1:<port>`. */
  readonly origin: string
  /**
   * A page that, once loaded, submits `<form method="post" action={action}>` with `fields` as hidden
   * inputs (no CSRF token unless given).
   * @param action - the absolute URL posted to
   * @param fields - the form's fields; default none
   * @returns the page's URL
   */
  forgedPost(action: string, fields?: Readonly<Record<string, string>>): string
  close(): Promise<void>
}

/**
 * Starts the evil site on an ephemeral port of 127.0.0.1.
 * @returns the running site
 */
export async function startEvilSite(): Promise<EvilSite> {
  const pages = new Map<string, string>()
  const server = createServer((req, res) => {
    const page = pages.get(req.url ?? '')
    res.writeHead(page === undefined ? 404 : 200, { 'content-type': 'text/html; charset=utf-8' })
    res.end(page ?? 'not found')
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', resolve)
  })
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    origin,
    forgedPost(action, fields = {}) {
      const path = `/forged/${pages.size + 1}`
      const inputs = Object.entries(fields)
        .map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`)
        .join('')
      pages.set(
        path,
        `<!DOCTYPE html><html><head><meta charset="utf-8"><title>Free prize</title></head><body>
<form id="forged" method="post" action="${escapeHtml(action)}">${inputs}</form>
<script>document.getElementById('forged').submit()</script></body></html>`,
      )
      return `${origin}${path}`
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/** Escapes text for HTML attribute values. */
function escapeHtml(value: string): string {
  return value.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  )
}
