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
/** The browser's cookies at the partner's OP. */
const partnerJar = new Map<string, string>()

/** One request to the RP as the browser makes it: cookies in and out, no redirects followed. */
async function browse(url: URL | string, init: { method?: string; body?: URLSearchParams } = {}) {
  const headers: Record<string, string> = {
    cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; '),
  }
  // a browser says where a POST comes from: the RP's own pages, or the OP's form_post page
  if (init.method === 'POST') headers.origin = init.body?.has('state') ? opOrigin() : rpOrigin
  const response = await fetch(new URL(url, rpOrigin), { ...init, redirect: 'manual', headers })
  for (const line of response.headers.getSetCookie()) {
    const [pair = ''] = line.split(';')
    const at = pair.indexOf('=')
    if (/Max-Age=0/i.test(line)) jar.delete(pair.slice(0, at))
    else jar.set(pair.slice(0, at), pair.slice(at + 1))
  }
  return response
}

const opOrigin = () => new URL(demo.op.issuer).origin

/** Follows the RP's redirect to its error page; returns the code the page shows. */
async function refusal(response: Response): Promise<string> {
  assert.equal(response.status, 303, 'a refusal redirects to the error page')
  const location = new URL(response.headers.get('location') ?? '', rpOrigin)
  assert.equal(location.pathname, '/error')
  assert.deepEqual([...location.searchParams.keys()], ['code'], 'only the code is in the address')
  const page = await browse(location)
  assert.equal(page.status, 400)
  return /<code>([A-Z_]+)<\/code>/.exec(await page.text())?.[1] ?? ''
}

/** Signs alice in with a flow; returns where the OP sent the browser back. */
async function signIn(flow: string, acr?: string) {
  const start = await browse(`/auth/${flow}/login`)
  assert.equal(start.status, 302, `/auth/${flow}/login should redirect to the OP`)
  const login = { user: 'alice', jar: opJar, ...(acr ? { acr } : {}) }
  const back = await demo.op.completeLogin(start.headers.get('location') ?? '', login)
  const callback = await browse(back.url, {
    method: back.method,
    ...(back.body ? { body: back.body } : {}),
  })
  return { back, callback }
}

async function runHeadless(): Promise<void> {
  for (const flow of ['code', 'implicit', 'jar']) {
    jar.clear() // each flow in a fresh browser: the home page shows the first session it finds
    const { back, callback } = await signIn(flow)
    assert.equal(callback.status, 303, `callback ${flow}: ${await callback.text()}`)
    assert.equal(callback.headers.get('location'), '/')
    const session = await (await browse('/session.json')).json()
    console.log(`\n== ${flow}: signed in (${back.method === 'POST' ? 'form_post' : 'redirect'})`)
    console.log('ID token claims:', session.idTokenClaims)
    console.log('UserInfo:', session.userinfo ?? '(not called)')
    console.log('attributes:', session.attributes)
    assert.equal(session.flow, flow)
    assert.equal(session.attributes.displayName, 'Alice Liddell')
    assert.equal(session.idTokenClaims.acr, 'urn:mace:incommon:iap:silver')
  }

  // the connection registry: the sign-in page lists both OPs; the partner's signs alice in
  jar.clear()
  const chooser = await (await browse('/auth/sso/login')).text()
  assert.match(chooser, /Corporate OP/)
  assert.match(chooser, /Partner OP/)
  const viaPartner = await browse('/auth/sso/login?connection=partner')
  assert.equal(viaPartner.status, 302)
  const toPartner = viaPartner.headers.get('location') ?? ''
  assert.equal(new URL(toPartner).origin, new URL(demo.partner.issuer).origin)
  const partnerBack = await demo.partner.completeLogin(toPartner, {
    user: 'alice',
    jar: partnerJar,
  })
  const landed = await browse(partnerBack.url, {
    method: partnerBack.method,
    ...(partnerBack.body ? { body: partnerBack.body } : {}),
  })
  assert.equal(landed.status, 303, `registry callback: ${await landed.text()}`)
  const viaRegistry = await (await browse('/session.json')).json()
  assert.equal(viaRegistry.connection, 'partner')
  assert.equal(viaRegistry.idTokenClaims.iss, demo.partner.issuer)
  const connections = await (await browse('/admin')).text()
  assert.match(connections, /<td>corp<\/td><td>Corporate OP<\/td>/)
  assert.match(connections, /<td>partner<\/td><td>Partner OP<\/td>/)
  assert.match(connections, /urn:mace:incommon:iap:silver ⇒ mfa/)
  assert.match(connections, /verified-email: claim email_verified equals true/)
  // bob's address is not verified: the partner's issuance criteria refuse him
  jar.clear()
  const bobStart = await browse('/auth/sso/login?connection=partner')
  const bobBack = await demo.partner.completeLogin(bobStart.headers.get('location') ?? '', {
    user: 'bob',
    jar: new Map(),
  })
  const bobRefused = await browse(bobBack.url, {
    method: bobBack.method,
    ...(bobBack.body ? { body: bobBack.body } : {}),
  })
  assert.equal(await refusal(bobRefused), 'ISSUANCE_CRITERIA_UNMET')
  assert.equal(await (await browse('/session.json')).json(), null)
  console.log(
    '== the partner refuses bob (unverified address): ISSUANCE_CRITERIA_UNMET, no session',
  )
  console.log(
    '\n== the connection registry: chose the partner OP on the sign-in page; one callback signed alice in through it',
  )
  jar.clear()
  await signIn('code')

  // sign out with the home page's form: a POST with the session's CSRF token
  const home = await (await browse('/')).text()
  const form = /<form method="post" action="([^"]+)">.*?name="csrf" value="([^"]+)"/.exec(home)
  assert.ok(form, 'the home page has the sign-out form')
  const [, action = '', csrf = ''] = form
  const body = new URLSearchParams({ csrf, returnTo: '/?signed-out' })
  const logout = await browse(action, { method: 'POST', body })
  assert.equal(logout.status, 303, 'sign out should redirect to the OP')
  assert.equal(new URL(logout.headers.get('location') ?? '').origin, opOrigin())
  const afterLogout = await demo.op.completeLogout(logout.headers.get('location') ?? '', {
    jar: opJar,
  })
  const returned = await browse(afterLogout)
  assert.equal(returned.status, 303)
  assert.equal(returned.headers.get('location'), '/?signed-out')
  assert.equal(await (await browse('/session.json')).json(), null)
  console.log('\n== signed out: RP session ended, OP session ended, post-logout state checked')

  const override = await browse('/auth/code/login?acr_values=urn:mace:incommon:iap:bronze')
  assert.equal(await refusal(override), 'POLICY_PARAMETER_PROTECTED')
  console.log(
    '\n== an application override of the locked acr_values: refused (POLICY_PARAMETER_PROTECTED)',
  )

  const { callback: refused } = await signIn('code', 'urn:mace:incommon:iap:bronze')
  assert.equal(await refusal(refused), 'ID_TOKEN_ACR_NOT_SATISFIED')
  assert.equal(await (await browse('/session.json')).json(), null)
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
