/**
 * A single-page application signing in with oidc-rp: a public client (no secret), the code flow
 * with PKCE, everything in the page.
 *
 * - the pending sign-in waits in `sessionStorage` (`?store=local`: `localStorage`, so a sign-in
 *   may finish in another tab), which survives the redirect to the OP and back;
 * - the callback is handled in the page, and the code leaves the address bar at once;
 * - the tokens stay in memory, shared with the other tabs, refreshed one tab at a time, signed
 *   out in every tab (`createBrowserSession`);
 * - "Call API" calls UserInfo with a valid access token (refreshed when due).
 *
 * `config.json` (written by `serve.ts`) says which OP and client. No token is ever shown.
 * @module
 */
// the page's lean sign-in: a public client's code flow, every check of the core's, none of the
// core's other features in the page's bundle (docs/browser.md)
import {
  createAuthorizationRequest,
  createBrowserSession,
  createEndSessionRequest,
  createWebStorageTransactionStore,
  discover,
  fetchUserInfo,
  handleCallback,
} from 'oidc-rp/browser'
import { isOidcRpError } from 'oidc-rp/errors'

/** What `config.json` holds. */
interface PageConfig {
  readonly issuer: string
  readonly client_id: string
  /** This page: the redirect URI and the post-logout redirect URI. */
  readonly redirect_uri: string
}

const $ = (id: string) => document.getElementById(id) as HTMLElement

/** What this tab knows beyond the session: the name from UserInfo and its token's expiry. */
let name = ''
let expiresAt: number | undefined

function showError(error: unknown): void {
  $('error').textContent = isOidcRpError(error) ? error.code : 'UNEXPECTED_ERROR'
  $('error').hidden = false
}

/**
 * Runs a step of the page, showing its error's code (never its message, never a token); the page
 * is `aria-busy` meanwhile.
 */
async function step(fn: () => Promise<void>): Promise<void> {
  document.body.ariaBusy = 'true'
  try {
    $('error').hidden = true
    await fn()
  } catch (error) {
    showError(error)
  } finally {
    document.body.ariaBusy = 'false'
  }
}

const here = new URL(location.href)
const storage = here.searchParams.get('store') === 'local' ? 'local' : 'session'

await step(async () => {
  const page: PageConfig = await (await fetch('/config.json')).json()
  // `?store=local` goes to the OP and back in the redirect URI (registered as a second one)
  const redirectUri = storage === 'local' ? `${page.redirect_uri}?store=local` : page.redirect_uri
  const config = await discover(
    page.issuer,
    {
      client_id: page.client_id,
      redirect_uris: [redirectUri],
      post_logout_redirect_uris: [page.redirect_uri],
    },
    { store: createWebStorageTransactionStore({ storage }) },
  )
  const session = createBrowserSession(config)

  const render = () => {
    const user = session.user
    if (user === undefined) {
      name = ''
      expiresAt = undefined
    }
    $('login').hidden = user !== undefined
    $('signed-in').hidden = user === undefined
    $('user').textContent = user?.sub ?? ''
    $('name').textContent = name
    $('expires').textContent =
      expiresAt === undefined ? '' : new Date(expiresAt * 1000).toISOString()
  }
  session.onChange(render)

  $('login').onclick = () =>
    step(async () => {
      const { url } = await createAuthorizationRequest(config, { scope: 'openid profile' })
      location.assign(url)
    })
  $('refresh').onclick = () =>
    step(async () => {
      const sub = session.user?.sub
      const token = await session.accessToken() // refreshed when due, one tab at a time
      if (sub === undefined || token === undefined) return render() // signed out meanwhile
      const claims = await fetchUserInfo(config, token, { expectedSubject: sub })
      name = String(claims.name ?? '')
      expiresAt = token.expiresAt
      render()
    })
  $('logout').onclick = () =>
    step(async () => {
      const idTokenHint = session.idToken
      await session.signOut() // every tab
      if (idTokenHint !== undefined) {
        // back to this page, which expects nothing of the OP's answer: no state to check
        location.assign(createEndSessionRequest(config, { idTokenHint, state: null }).url)
      }
    })

  if (here.searchParams.has('code') || here.searchParams.has('error')) {
    try {
      const result = await handleCallback(config, location.href)
      name = String(result.userinfo?.name ?? '') // handleCallback called UserInfo
      expiresAt = result.accessToken.expiresAt
      session.signedIn(result) // and in the other tabs
    } finally {
      // the code (or error) leaves the address bar and the history, whatever happened
      history.replaceState(null, '', storage === 'local' ? '/?store=local' : '/')
      render()
    }
  } else {
    await session.restore() // another open tab may be signed in
  }
  render()
})
