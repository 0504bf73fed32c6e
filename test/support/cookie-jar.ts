import {
  type AuthorizationRequest,
  type CallbackInput,
  type CallbackOptions,
  type Configuration,
  createAuthorizationRequest,
  handleCallback,
  type SignInResult,
} from '../../src/index.js'

/**
 * The cookies of one test browser: what `Set-Cookie` put there, sent back as a `Cookie` header.
 * Enough for the browser-binding cookies of sign-ins (name, value, `Max-Age=0` deletes).
 */
export class CookieJar {
  readonly #cookies = new Map<string, string>()

  /** Stores a cookie from a `Set-Cookie` header value; `Max-Age=0` deletes it. */
  set(setCookie: string): void {
    const [pair = '', ...attributes] = setCookie.split(';')
    const eq = pair.indexOf('=')
    const name = pair.slice(0, eq).trim()
    if (attributes.some((a) => a.trim().toLowerCase() === 'max-age=0')) this.#cookies.delete(name)
    else this.#cookies.set(name, pair.slice(eq + 1).trim())
  }

  /** The `Cookie` header the browser sends. */
  header(): string {
    return [...this.#cookies].map(([name, value]) => `${name}=${value}`).join('; ')
  }

  /** Forgets every cookie. */
  clear(): void {
    this.#cookies.clear()
  }
}

/**
 * One test browser for tests that call the SDK's functions directly: it keeps the browser-binding
 * cookie of each sign-in it starts and sends its cookies with every callback, as a real browser
 * does with the redirect to the OP and the redirect back.
 * @param jar - the browser's cookies (a new jar by default)
 * @returns createAuthorizationRequest and handleCallback as this browser calls them
 */
export function inBrowser(jar: CookieJar = new CookieJar()) {
  return {
    jar,
    async createAuthorizationRequest(
      ...args: Parameters<typeof createAuthorizationRequest>
    ): Promise<AuthorizationRequest> {
      const request = await createAuthorizationRequest(...args)
      if (request.browserBinding) jar.set(request.browserBinding.setCookie)
      return request
    },
    handleCallback(
      config: Configuration,
      input: CallbackInput,
      options: CallbackOptions = {},
    ): Promise<SignInResult> {
      return handleCallback(config, input, { cookie: jar.header(), ...options })
    },
  }
}
