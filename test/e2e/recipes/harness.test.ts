/**
 * The recipe harness checked before any recipe exists: the OP fixture driven by a scripted HTTP
 * client (code grant, refresh with rotation, reuse detected and counted, the access-token lifetime
 * switch, back-channel logout counted, the large user), the recipe process (environment, the
 * `listening` line, fail-fast, stop), and the evil site and page fetches in Chromium.
 */
import assert from 'node:assert/strict'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, test } from 'node:test'
import { deflateRawSync } from 'node:zlib'
import type { Browser } from 'playwright-core'
import type { CookieJar } from '../../interop/browser.js'
import {
  answersHeldUntilAllSent,
  fetchFromPage,
  launchChromium,
  sessionCookiesOf,
} from './browser.js'
import { startEvilSite } from './evil-site.js'
import {
  CLIENT_SECRET,
  freePort,
  LARGE_NAME,
  newSessionSecret,
  type RecipeEnv,
  type RecipeOp,
  SHORT_ACCESS_TOKEN_TTL_IN_SECONDS,
  startRecipe,
  startRecipeOp,
} from './harness.js'

/** A token endpoint answer of the OP. */
interface TokenAnswer {
  readonly status: number
  readonly body: {
    access_token?: string
    refresh_token?: string
    id_token?: string
    expires_in?: number
    error?: string
  }
}

/** What the stand-in for the RP's back-channel endpoint received. */
const logoutTokens: string[] = []
let backChannelStatus = 200
let receiver: Server
let op: RecipeOp
let appUrl: string

/** Reads a request body. */
async function bodyOf(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

/** A whole code grant by the scripted browser and client; the jar keeps the OP session. */
async function codeGrant(user = 'alice', jar: CookieJar = new Map()): Promise<TokenAnswer> {
  const auth = new URL('/auth', op.issuer)
  auth.search = new URLSearchParams({
    client_id: 'app',
    redirect_uri: `${appUrl}/auth/callback`,
    response_type: 'code',
    scope: 'openid profile email',
    state: 'state-1',
    nonce: 'nonce-1',
  }).toString()
  const back = await op.op.completeLogin(auth, { user, jar })
  assert.equal(back.url.origin + back.url.pathname, `${appUrl}/auth/callback`)
  const code = back.url.searchParams.get('code')
  assert.ok(code, 'the OP sent a code')
  return token({
    grant_type: 'authorization_code',
    code,
    redirect_uri: `${appUrl}/auth/callback`,
  })
}

/** One token request of the confidential client `app`. */
async function token(form: Record<string, string>): Promise<TokenAnswer> {
  const response = await fetch(new URL('/token', op.issuer), {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`app:${CLIENT_SECRET}`).toString('base64')}` },
    body: new URLSearchParams(form),
  })
  return { status: response.status, body: (await response.json()) as TokenAnswer['body'] }
}

before(async () => {
  // stands in for the recipe's back-channel logout endpoint at APP_URL
  receiver = createServer(async (req, res) => {
    const form = new URLSearchParams(await bodyOf(req))
    if (req.method === 'POST' && req.url === '/auth/backchannel-logout') {
      logoutTokens.push(form.get('logout_token') ?? '')
    }
    res.writeHead(backChannelStatus).end()
  })
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve))
  appUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`
  op = await startRecipeOp([{ clientId: 'app', appUrl }])
})

after(async () => {
  await op?.close()
  receiver?.closeAllConnections()
  receiver?.close()
})

describe('recipe OP fixture', () => {
  test('a code grant issues a refresh token; a refresh rotates it and is counted once', async () => {
    const start = { ...op.counters }
    const signedIn = await codeGrant()
    assert.equal(signedIn.status, 200)
    assert.ok(signedIn.body.refresh_token, 'a refresh token with the code exchange')
    assert.equal(op.counters.refreshGrants, start.refreshGrants, 'a code grant is not a refresh')

    const refreshed = await token({
      grant_type: 'refresh_token',
      refresh_token: signedIn.body.refresh_token,
    })
    assert.equal(refreshed.status, 200)
    assert.ok(refreshed.body.refresh_token)
    assert.notEqual(refreshed.body.refresh_token, signedIn.body.refresh_token, 'rotated')
    assert.equal(op.counters.refreshGrants, start.refreshGrants + 1)
    assert.equal(op.counters.reuseDetections, start.reuseDetections, 'no reuse (the twin)')
    assert.equal(op.counters.refreshFailures, start.refreshFailures)
  })

  test('a rotated refresh token presented again is refused and counted as a reuse; the grant is revoked', async () => {
    const signedIn = await codeGrant()
    const first = signedIn.body.refresh_token!
    const rotated = await token({ grant_type: 'refresh_token', refresh_token: first })
    assert.equal(rotated.status, 200)
    const start = { ...op.counters }

    const reused = await token({ grant_type: 'refresh_token', refresh_token: first })
    assert.equal(reused.status, 400)
    assert.equal(reused.body.error, 'invalid_grant')
    assert.equal(op.counters.reuseDetections, start.reuseDetections + 1)
    assert.equal(op.counters.refreshFailures, start.refreshFailures + 1)
    assert.equal(op.counters.refreshGrants, start.refreshGrants)

    // the reuse revoked the grant: the newest token fails too, a failure that is not a reuse
    const revoked = await token({
      grant_type: 'refresh_token',
      refresh_token: rotated.body.refresh_token!,
    })
    assert.equal(revoked.status, 400)
    assert.equal(op.counters.refreshFailures, start.refreshFailures + 2)
    assert.equal(op.counters.reuseDetections, start.reuseDetections + 1, 'not counted as a reuse')
  })

  test('access-token lifetime: 600 s by default, short (10, 11… s) when switched on, 600 s again when off', async () => {
    const signedIn = await codeGrant()
    assert.equal(signedIn.body.expires_in, 600)
    let refreshToken = signedIn.body.refresh_token!
    const refresh = async () => {
      const answer = await token({ grant_type: 'refresh_token', refresh_token: refreshToken })
      assert.equal(answer.status, 200)
      refreshToken = answer.body.refresh_token!
      return answer.body.expires_in
    }
    op.shortAccessTokens(true)
    try {
      assert.equal(await refresh(), SHORT_ACCESS_TOKEN_TTL_IN_SECONDS)
      assert.equal(await refresh(), SHORT_ACCESS_TOKEN_TTL_IN_SECONDS + 1)
    } finally {
      op.shortAccessTokens(false)
    }
    assert.equal(await refresh(), 600)
  })

  test('back-channel logout: the OP posts a logout token; a 200 is counted as accepted, a 400 (twin) as failed', async () => {
    const endSession = new URL('/session/end', op.issuer)
    for (const status of [200, 400]) {
      backChannelStatus = status
      const start = { ...op.counters }
      const posted = logoutTokens.length
      const jar: CookieJar = new Map()
      await codeGrant('alice', jar)
      await op.op.completeLogout(endSession, { jar })
      assert.equal(logoutTokens.length, posted + 1, 'one logout token posted to APP_URL')
      assert.equal(logoutTokens.at(-1)!.split('.').length, 3, 'a JWT')
      const accepted = status === 200 ? 1 : 0
      assert.equal(op.counters.backChannelLogouts, start.backChannelLogouts + accepted)
      assert.equal(op.counters.backChannelFailures, start.backChannelFailures + 1 - accepted)
    }
    backChannelStatus = 200
  })

  test('the large user: UserInfo releases LARGE_NAME, more than one cookie holds even compressed', async () => {
    const signedIn = await codeGrant('large')
    const userinfo = await fetch(new URL('/me', op.issuer), {
      headers: { authorization: `Bearer ${signedIn.body.access_token}` },
    })
    assert.equal(userinfo.status, 200)
    assert.equal(((await userinfo.json()) as { name: string }).name, LARGE_NAME)
    const sealedAtLeast = deflateRawSync(LARGE_NAME).toString('base64url').length
    assert.ok(sealedAtLeast > 4096, `even compressed, in base64url it passes one cookie`)
    assert.ok(LARGE_NAME.length <= 5100, 'far below the 16 KB of headers Node accepts')
  })

  test('issued tokens are known to the harness (to check that a recipe prints none)', async () => {
    const signedIn = await codeGrant()
    const issued = op.issuedSecrets()
    for (const key of ['access_token', 'refresh_token', 'id_token'] as const) {
      assert.ok(issued.includes(signedIn.body[key]!), key)
    }
  })
})

describe('recipe process', () => {
  /** A fake environment (no OP behind it). */
  async function env(): Promise<RecipeEnv> {
    const port = await freePort()
    return {
      ISSUER: 'http://127.0.0.1:1',
      CLIENT_ID: 'client',
      CLIENT_SECRET: 'secret',
      APP_URL: `http://127.0.0.1:${port}`,
      PORT: String(port),
      SESSION_SECRET: newSessionSecret(),
    }
  }
  /** A tiny server that answers with what it was given, then prints its line. */
  const SERVE = `
    const keys = ['ISSUER', 'CLIENT_ID', 'CLIENT_SECRET', 'APP_URL', 'PORT', 'SESSION_SECRET', 'EXTRA']
    require('node:http').createServer((req, res) => res.end(JSON.stringify({
      given: keys.filter((k) => process.env[k] !== undefined),
      secretBytes: Buffer.from(process.env.SESSION_SECRET, 'base64url').length,
    }))).listen(Number(process.env.PORT), '127.0.0.1', () => console.log('listening ' + process.env.APP_URL))`

  test('a recipe gets the environment, is awaited on its listening line, and stop() ends it', async () => {
    const recipeEnv = await env()
    const recipe = await startRecipe(
      { command: ['node', '-e', SERVE], env: { EXTRA: 'yes' } },
      recipeEnv,
    )
    try {
      assert.equal(recipe.url, recipeEnv.APP_URL)
      const answer = (await (await fetch(recipe.url)).json()) as {
        given: string[]
        secretBytes: number
      }
      assert.deepEqual(answer.given, [
        'ISSUER',
        'CLIENT_ID',
        'CLIENT_SECRET',
        'APP_URL',
        'PORT',
        'SESSION_SECRET',
        'EXTRA',
      ])
      assert.equal(answer.secretBytes, 32)
      assert.match(recipe.output(), /^listening http:\/\/127\.0\.0\.1:\d+$/m)
    } finally {
      await recipe.stop()
    }
    await assert.rejects(fetch(recipeEnv.APP_URL), 'nothing listens after stop()')
  })

  test('a recipe that exits before its listening line fails the start at once, with what it printed', async () => {
    await assert.rejects(
      startRecipe(
        { command: ['node', '-e', 'console.error("missing ISSUER"); process.exit(3)'] },
        await env(),
      ),
      (error: Error) => {
        assert.match(error.message, /exited \(3\) before printing "listening http/)
        assert.match(error.message, /missing ISSUER/)
        return true
      },
    )
  })

  test('a recipe that never prints its listening line fails at the start timeout, with what it printed', async () => {
    await assert.rejects(
      startRecipe(
        {
          command: [
            'node',
            '-e',
            'console.log("listening elsewhere"); setInterval(() => {}, 1000)',
          ],
          startTimeoutInMs: 300,
        },
        await env(),
      ),
      (error: Error) => {
        assert.match(error.message, /did not print "listening http.*" within 300 ms/)
        assert.match(error.message, /listening elsewhere/)
        return true
      },
    )
  })
})

describe('evil site and page fetches in Chromium', { timeout: 60_000 }, () => {
  let browser: Browser | undefined
  let target: Server
  let targetUrl: string
  let rotations = 0
  const received: {
    method: string
    origin?: string
    site?: string
    cookie?: string
    body: string
  }[] = []

  before(async () => {
    let count = 0
    target = createServer(async (req, res) => {
      const body = await bodyOf(req)
      if (req.url === '/rotate') {
        rotations++
        res
          .writeHead(200, {
            'content-type': 'application/json',
            'set-cookie': `oidc-rp.session=r${rotations}; Path=/; HttpOnly; SameSite=Lax`,
          })
          .end(JSON.stringify({ cookie: req.headers.cookie ?? null }))
      } else if (req.url === '/json') {
        count++
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ count }))
      } else if (req.url === '/redirect') {
        res.writeHead(302, { location: '/json' }).end()
      } else {
        received.push({
          method: req.method ?? '',
          origin: req.headers.origin,
          site: req.headers['sec-fetch-site'] as string | undefined,
          cookie: req.headers.cookie,
          body,
        })
        res.writeHead(403, { 'content-type': 'text/plain' }).end('refused')
      }
    })
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve))
    targetUrl = `http://127.0.0.1:${(target.address() as AddressInfo).port}`
    browser = await launchChromium()
  })

  after(async () => {
    await browser?.close().catch(() => undefined)
    target?.closeAllConnections()
    target?.close()
  })

  test('the evil page posts its form from another origin of the same site, the Lax cookie along', async () => {
    const evil = await startEvilSite()
    const context = await browser!.newContext()
    try {
      await context.addCookies([
        { name: 'oidc-rp.session', value: 'v', url: targetUrl, httpOnly: true, sameSite: 'Lax' },
      ])
      const page = await context.newPage()
      const page403 = page.waitForResponse((r) => r.url() === `${targetUrl}/auth/logout`)
      await page.goto(evil.forgedPost(`${targetUrl}/auth/logout`, { returnTo: '/', csrf: 'x"y' }))
      assert.equal((await page403).status(), 403)
      const [posted] = received
      assert.equal(posted?.method, 'POST')
      assert.equal(posted?.origin, evil.origin, 'the Origin is the evil site')
      assert.notEqual(evil.origin, targetUrl)
      assert.equal(
        posted?.site,
        'same-site',
        'another port of 127.0.0.1: same site, not same origin',
      )
      assert.equal(posted?.cookie, 'oidc-rp.session=v', 'SameSite=Lax does not stop it')
      assert.deepEqual(Object.fromEntries(new URLSearchParams(posted?.body)), {
        returnTo: '/',
        csrf: 'x"y',
      })
    } finally {
      await context.close()
      await evil.close()
    }
  })

  test('fetchFromPage: concurrent fetches from the page, a redirect reported as status 0', async () => {
    const context = await browser!.newContext()
    try {
      const page = await context.newPage()
      await page.goto(`${targetUrl}/json`)
      const answers = await fetchFromPage<{ count: number }>(page, ['/json', '/json', '/redirect'])
      assert.deepEqual(
        answers.slice(0, 2).map((a) => a.status),
        [200, 200],
      )
      assert.deepEqual(
        answers
          .map((a) => a.body?.count)
          .slice(0, 2)
          .sort(),
        [2, 3],
      )
      assert.deepEqual(answers[2], { status: 0, body: null })
    } finally {
      await context.close()
    }
  })

  test('answersHeldUntilAllSent: two requests answered with a new cookie each carry the same one, and it is read as sent', async () => {
    const context = await browser!.newContext()
    try {
      const page = await context.newPage()
      await page.goto(`${targetUrl}/rotate`)
      // the twin: one after the other, the second carries the cookie the first answer set
      const serial = [
        ...(await fetchFromPage<{ cookie: string }>(page, ['/rotate'])),
        ...(await fetchFromPage<{ cookie: string }>(page, ['/rotate'])),
      ]
      assert.notEqual(serial[0]?.body?.cookie, serial[1]?.body?.cookie, 'the server rotates it')
      const { sent } = await answersHeldUntilAllSent(page, '/rotate', 2)
      const pair = await fetchFromPage<{ cookie: string }>(page, ['/rotate', '/rotate'])
      const cookies = await sent
      const received = pair.map((answer) => answer.body?.cookie ?? '')
      assert.equal(received[0], `oidc-rp.session=r${rotations - 2}`)
      assert.equal(received[1], received[0], 'both left before either answer was seen')
      assert.deepEqual(cookies, received.map(sessionCookiesOf), 'the cookies read are those sent')
      assert.match(cookies[0] ?? '', /^oidc-rp\.session=[0-9a-f]{8}$/, 'a hash, never the value')
    } finally {
      await context.close()
    }
  })
})
