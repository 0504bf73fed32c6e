import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { errorPage, escapeHtml, fragmentRelayPage, logoutFormHtml } from '../../src/web/pages.js'

describe('the pages of oidc-rp/web', () => {
  test('the error page shows a code of A-Z and _ only; anything else is UNKNOWN', async () => {
    assert.match(
      await errorPage('CALLBACK_STATE_UNKNOWN', '/auth/login').text(),
      /CALLBACK_STATE_UNKNOWN/,
    )
    const html = await errorPage('<img src=x onerror=alert(1)>', '/auth/login').text()
    assert.doesNotMatch(html, /<img/)
    assert.match(html, /UNKNOWN/)
  })

  test('every page is no-store, no-referrer, and runs no script but its own nonce', async () => {
    const page = errorPage('X', '/auth/login')
    assert.equal(page.headers.get('cache-control'), 'no-store')
    assert.equal(page.headers.get('referrer-policy'), 'no-referrer')
    assert.doesNotMatch(page.headers.get('content-security-policy') ?? '', /script-src/)
    const relay = fragmentRelayPage('/auth/callback', 'n0nce')
    assert.match(relay.headers.get('content-security-policy') ?? '', /script-src 'nonce-n0nce'/)
    assert.match(await relay.text(), /<script nonce="n0nce">/)
  })

  test('the logout form escapes what it writes', () => {
    const form = logoutFormHtml('/auth/logout', 'a"b', '/x?y=<z>')
    assert.match(form, /value="a&quot;b"/)
    assert.match(form, /value="\/x\?y=&lt;z&gt;"/)
    assert.equal(escapeHtml(`<>&"'`), '&lt;&gt;&amp;&quot;&#39;')
  })
})
