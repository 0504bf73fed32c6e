/**
 * `npm run demo`: starts the demo OP and the demo RP on 127.0.0.1 and prints the URL to open.
 * `npm run demo -- --headless`: plays the browser instead (the OP's login form over HTTP), signs
 * in with each flow, shows that a locked acr_values cannot be overridden, reloads the metadata
 * after the OP changed, prints what it got, and exits 0 (1 on any failure).
 * @module
 */
import assert from 'node:assert/strict'
import { startDemo } from './demo-server.js'

const headless = process.argv.includes('--headless')

const demo = await startDemo()
const rpOrigin = demo.rpUrl

/** The browser's cookies at the RP, and at the OP (kept by the OP's browser driver). */
const jar = new Map<string, string>()
const opJar = new Map<string, string>()

/** One request to the RP as the browser makes it: cookies in and out, no redirects followed. */
async function browse(url: URL | string, init: { method?: string; body?: URLSearchParams } = {}) {
  const response = await fetch(new URL(url, rpOrigin), {
    ...init,
    redirect: 'manual',
    headers: { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') },
  })
  for (const line of response.headers.getSetCookie()) {
    const [pair = ''] = line.split(';')
    const at = pair.indexOf('=')
    if (/Max-Age=0/i.test(line)) jar.delete(pair.slice(0, at))
    else jar.set(pair.slice(0, at), pair.slice(at + 1))
  }
  return response
}

async function runHeadless(): Promise<void> {
  for (const flow of ['code', 'implicit', 'jar']) {
    const start = await browse(`/login/${flow}`)
    assert.equal(start.status, 302, `/login/${flow} should redirect to the OP`)
    const login = { user: 'alice', jar: opJar }
    const back = await demo.op.completeLogin(start.headers.get('location') ?? '', login)
    const callback = await browse(back.url, {
      method: back.method,
      ...(back.body ? { body: back.body } : {}),
    })
    assert.equal(callback.status, 303, `callback ${flow}: ${await callback.text()}`)
    const session = await (await browse('/session.json')).json()
    console.log(`\n== ${flow}: signed in (${back.method === 'POST' ? 'form_post' : 'redirect'})`)
    console.log('ID token claims:', session.idTokenClaims)
    console.log('UserInfo:', session.userinfo ?? '(not called)')
    console.log('attributes:', session.attributes)
    assert.equal(session.attributes.displayName, 'Alice Liddell')
    assert.equal(session.idTokenClaims.acr, 'urn:mace:incommon:iap:silver')
  }

  const logout = await browse('/logout', { method: 'POST' })
  assert.equal(logout.status, 302, 'sign out should redirect to the OP')
  const afterLogout = await demo.op.completeLogout(logout.headers.get('location') ?? '', {
    jar: opJar,
  })
  assert.equal((await browse(afterLogout)).status, 303)
  assert.equal(await (await browse('/session.json')).json(), null)
  console.log('\n== signed out: RP session ended, OP session ended, post-logout state checked')

  const override = await browse('/login/code?acr_values=urn:mace:incommon:iap:bronze')
  const page = await override.text()
  assert.equal(override.status, 400)
  assert.match(page, /POLICY_PARAMETER_PROTECTED/)
  console.log(
    '\n== an application override of the locked acr_values: refused (POLICY_PARAMETER_PROTECTED)',
  )

  const start = await browse('/login/code')
  const bronze = { user: 'alice', acr: 'urn:mace:incommon:iap:bronze' }
  const back = await demo.op.completeLogin(start.headers.get('location') ?? '', bronze)
  const refused = await browse(back.url)
  assert.equal(refused.status, 400)
  assert.match(await refused.text(), /ID_TOKEN_ACR_NOT_SATISFIED/)
  console.log('== an OP that authenticated with another acr: refused (ID_TOKEN_ACR_NOT_SATISFIED)')

  assert.equal((await browse('/admin/op-change', { method: 'POST' })).status, 303)
  const admin = await (await browse('/admin/reload', { method: 'POST' })).text()
  assert.match(admin, /claims added<\/td><td>phone_number/)
  assert.match(admin, /no longer advertised \(kept, marked\)<\/td><td>email_verified/)
  console.log(
    '== the OP changed its claims; the metadata reload shows phone_number added, email_verified no longer advertised',
  )
}

if (!headless) {
  console.log(`OP: ${demo.op.issuer}  (users: alice, bob; no password)`)
  console.log(`Open the RP: ${rpOrigin}/`)
  console.log('Ctrl-C to stop.')
} else {
  let failed = false
  try {
    await runHeadless()
    console.log('\nheadless demo: all steps passed')
  } catch (err) {
    failed = true
    console.error('\nheadless demo FAILED:', err)
  }
  await demo.close()
  process.exit(failed ? 1 : 0)
}
