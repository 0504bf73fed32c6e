import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { runInNewContext } from 'node:vm'
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

  test('the relay page posts the fragment back as hidden form fields, after dropping it from the address', async () => {
    const page = fragmentRelayPage('/cb?x=<y>', 'n0nce')
    const html = await page.text()
    assert.match(html, /<form method="post" action="\/cb\?x=&lt;y&gt;">/)
    const script = /<script nonce="n0nce">([\s\S]*)<\/script>/.exec(html)?.[1]
    assert.ok(script, 'the page has its one script')
    const inputs: { type: string; name: string; value: string }[] = []
    let submitted = false
    let replaced: string | undefined
    const form = {
      appendChild: (input: { type: string; name: string; value: string }) => inputs.push(input),
      submit: () => {
        submitted = true
      },
    }
    const fragment = 'id_token=a.b.c&state=s1&token_type=Bearer&access_token=t%26u'
    runInNewContext(script, {
      URLSearchParams,
      location: { hash: `#${fragment}`, pathname: '/cb', search: '' },
      history: {
        replaceState: (_state: unknown, _title: string, to: string) => {
          replaced = to
        },
      },
      document: { forms: [form], createElement: () => ({ type: '', name: '', value: '' }) },
    })
    assert.equal(replaced, '/cb', 'the fragment left the address bar')
    assert.equal(submitted, true)
    assert.ok(inputs.every((input) => input.type === 'hidden'))
    const posted = new URLSearchParams(inputs.map((input) => [input.name, input.value]))
    assert.deepEqual([...posted], [...new URLSearchParams(fragment)])
    assert.equal(posted.get('access_token'), 't&u')
  })

  test('each relay page gets its own nonce unless given one', async () => {
    const nonceOf = (page: Response) =>
      /script-src 'nonce-([\w-]+)'/.exec(page.headers.get('content-security-policy') ?? '')?.[1]
    const [a, b] = [nonceOf(fragmentRelayPage('/cb')), nonceOf(fragmentRelayPage('/cb'))]
    assert.match(a ?? '', /^[\w-]{22}$/)
    assert.notEqual(a, b)
  })
})
