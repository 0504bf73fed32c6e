/**
 * OpenID Provider issuer discovery by WebFinger (OIDC Discovery §2, RFC 7033).
 *
 * The end-user types an identifier (`joe@example.com`, `https://example.com/joe`); it is normalised
 * into a WebFinger resource and a host, the host's `/.well-known/webfinger` is asked which OpenID
 * Provider serves that resource, and the issuer it names comes back: pass it to `discover`.
 *
 * @module
 */
import { TransportError, UsageError, ValidationError } from './errors.js'
import { expectStatus, httpRequest, isLoopback, mediaType, parseJsonObject } from './lib/http.js'
import { describe, isPlainObject } from './lib/json.js'

/**
 * The link relation of an OpenID Provider issuer (OIDC Discovery §2).
 * @group Discovery
 */
export const ISSUER_LINK_RELATION = 'http://openid.net/specs/connect/1.0/issuer'

/**
 * Options of {@link discoverIssuer}: there is no configuration yet at that point.
 * @group Discovery
 */
export interface WebFingerOptions {
  /** The `fetch` to use. Default `globalThis.fetch`. */
  readonly fetch?: typeof fetch
  /** Aborts the WebFinger request. */
  readonly signal?: AbortSignal
  /**
   * Abort the request after this many milliseconds, body included. Default 10,000.
   */
  readonly timeoutInMs?: number
  /**
   * Refuse a response body larger than this many bytes. Default 64 KiB (a JRD is small).
   */
  readonly maxResponseBytes?: number
  /**
   * Allow loopback hosts, and issuers on loopback over http.
   *
   * A loopback host is asked over plain http when the identifier is an `http:` URL.
   *
   * > [!WARNING]
   * > For development only. Without it a loopback or private-address host is refused: the end-user
   * > chooses the host, and a server-side RP must not be made to call its own network.
   */
  readonly allowInsecureRequests?: boolean
}

/**
 * What the identifier becomes before the WebFinger request (OIDC Discovery §2.1).
 * @group Discovery
 */
export interface NormalizedIdentifier {
  /** The WebFinger `resource`: an `acct:` URI or a URL, without fragment. */
  readonly resource: string
  /** The host (with its port, if any) whose WebFinger endpoint is asked. */
  readonly host: string
}

/**
 * What WebFinger issuer discovery found: plain data, safe to store and print.
 * @group Discovery
 */
export interface DiscoveredIssuer extends NormalizedIdentifier {
  /** The issuer identifier of the OpenID Provider: pass it to `discover`. */
  readonly issuer: string
  /** The `subject` of the JRD, when the host gave one (it may differ from `resource`). */
  readonly subject: string | undefined
}

/** The default response limit: a JSON Resource Descriptor is a few hundred bytes. */
const MAX_JRD_BYTES = 64 * 1024
/** The longest identifier accepted (a typed identifier, not a document). */
const MAX_IDENTIFIER_LENGTH = 2048
/** An RFC 3986 scheme and its colon. */
const SCHEME = /^([a-z][a-z0-9+.-]*):/i
/** A host and port followed by nothing, a path, a query or a fragment: `example.com:8080/…`. */
const HOST_AND_PORT = /^[^:/?#@]+:\d+(?:[/?#]|$)/

/**
 * Normalises what the end-user typed into a WebFinger resource and host (OIDC Discovery §2.1).
 *
 * - `joe@example.com` (userinfo and host, nothing else) becomes `acct:joe@example.com`, host
 *   `example.com`; an `@` within the userinfo is percent-encoded;
 * - other input without a scheme gets `https://`: `example.com` becomes `https://example.com/`,
 *   `example.com:8080` becomes `https://example.com:8080/` (host `example.com:8080`);
 * - input with an `acct:`, `https:` or `http:` scheme is taken as it is;
 * - the fragment is removed; the host of an `acct:` URI is what follows its last `@`.
 *
 * XRIs (input starting with `=`, `@`, `+` or `!`) and other schemes are refused, as are loopback
 * and private-address hosts unless `allowInsecureRequests`.
 *
 * @param identifier - the identifier as the end-user typed it
 * @param options - `allowInsecureRequests`
 * @returns the resource and the host
 * @throws {@link UsageError} `WEBFINGER_IDENTIFIER_INVALID`
 * @see {@link https://openid.net/specs/openid-connect-discovery-1_0.html#NormalizationSteps | Discovery §2.1.2}
 * @example
 * ```ts
 * normalizeIdentifier('joe@example.com') // { resource: 'acct:joe@example.com', host: 'example.com' }
 * ```
 * @group Discovery
 */
export function normalizeIdentifier(
  identifier: string,
  options: Pick<WebFingerOptions, 'allowInsecureRequests'> = {},
): NormalizedIdentifier {
  if (typeof identifier !== 'string') throw invalidIdentifier('it is not a string')
  const input = identifier.trim()
  if (input === '' || input.length > MAX_IDENTIFIER_LENGTH) {
    throw invalidIdentifier(`it must have 1 to ${MAX_IDENTIFIER_LENGTH} characters`)
  }
  if ([...input].some((char) => char <= ' ' || char === '\u007f')) {
    throw invalidIdentifier('it contains white space or control characters')
  }
  if ('=@+!'.includes(input[0]!)) throw invalidIdentifier('XRIs are not supported')
  const unfragmented = input.split('#')[0]!
  const scheme = HOST_AND_PORT.test(input) ? undefined : SCHEME.exec(input)?.[1]?.toLowerCase()
  let normalized: NormalizedIdentifier
  if (scheme === 'acct') {
    normalized = acctIdentifier(unfragmented.slice('acct:'.length), unfragmented)
  } else if (scheme === 'https' || scheme === 'http') {
    normalized = urlIdentifier(unfragmented, unfragmented)
  } else if (scheme !== undefined) {
    throw invalidIdentifier(`the ${describe(scheme)} scheme is not one of acct, https, http`)
  } else if (isUserAndHost(input)) {
    // userinfo and host only (§2.1.2 step 3): the acct scheme; an @ of the userinfo is encoded
    const at = input.lastIndexOf('@')
    const user = input.slice(0, at).replaceAll('@', '%40')
    const host = input.slice(at + 1)
    normalized = acctIdentifier(`${user}@${host}`, `acct:${user}@${host}`)
  } else {
    const url = parseUrl(`https://${unfragmented}`)
    normalized = urlIdentifier(url.href, url.href)
  }
  checkHost(normalized.host, options.allowInsecureRequests === true)
  return normalized
}

/**
 * Finds the issuer of the OpenID Provider that serves an identifier, by WebFinger.
 *
 * Normalises the identifier ({@link normalizeIdentifier}), asks
 * `https://<host>/.well-known/webfinger?resource=…&rel=http://openid.net/specs/connect/1.0/issuer`,
 * and reads the JSON Resource Descriptor strictly: `application/jrd+json` (or `application/json`),
 * a JSON object whose `links` array has exactly one issuer (links of other relations are ignored),
 * an https URL without query or fragment. Plain http is used only for an `http:` URL identifier on
 * loopback with `allowInsecureRequests`, for development.
 *
 * The issuer is the OP's word for the host the end-user typed: {@link discover} it next, which
 * checks that its metadata names that issuer. The end-user chooses the host, so on a server the
 * request reaches wherever they point it: loopback and private-address literals are refused, but a
 * name that resolves to an internal address is not seen here; give a `fetch` that only reaches the
 * public network when that matters.
 *
 * @param identifier - what the end-user typed: an e-mail-like `joe@example.com`, a URL, a host
 * @param options - fetch, signal, timeout, size limit, `allowInsecureRequests`
 * @returns the issuer, with the resource and host asked and the JRD's subject
 * @throws {@link UsageError} `WEBFINGER_IDENTIFIER_INVALID`
 * @throws {@link ValidationError} `WEBFINGER_RESPONSE_INVALID`, `WEBFINGER_ISSUER_MISSING`,
 * `WEBFINGER_ISSUER_INVALID`
 * @throws {@link TransportError} `HTTP_*`: status other than 200, content type, JSON, size, timeout
 * @see {@link https://openid.net/specs/openid-connect-discovery-1_0.html#IssuerDiscovery | Discovery §2}
 * @see {@link https://www.rfc-editor.org/rfc/rfc7033#section-4 | RFC 7033 §4}
 * @example
 * ```ts
 * const { issuer } = await discoverIssuer('joe@example.com')
 * const config = await discover(issuer, client)
 * ```
 * @group Discovery
 */
export async function discoverIssuer(
  identifier: string,
  options: WebFingerOptions = {},
): Promise<DiscoveredIssuer> {
  const normalized = normalizeIdentifier(identifier, options)
  const insecure =
    options.allowInsecureRequests === true &&
    normalized.resource.startsWith('http:') &&
    isLoopback(new URL(normalized.resource).hostname)
  const url = new URL(`${insecure ? 'http' : 'https'}://${normalized.host}/.well-known/webfinger`)
  url.searchParams.set('resource', normalized.resource)
  url.searchParams.set('rel', ISSUER_LINK_RELATION)
  const response = await httpRequest(
    url,
    { headers: { accept: 'application/jrd+json, application/json' } },
    {
      ...options,
      maxResponseBytes: options.maxResponseBytes ?? MAX_JRD_BYTES,
    },
  )
  expectStatus(response)
  const type = mediaType(response)
  if (type !== 'application/jrd+json' && type !== 'application/json') {
    throw new TransportError(
      'HTTP_BAD_CONTENT_TYPE',
      `${response.url} answered with content type ${describe(type)}, expected application/jrd+json`,
      { url: response.url, status: response.status },
    )
  }
  const jrd = parseJsonObject(response)
  const issuer = issuerOf(jrd, options.allowInsecureRequests === true)
  const subject = typeof jrd.subject === 'string' ? jrd.subject : undefined
  return { ...normalized, issuer, subject }
}

/** The one issuer a JRD names, checked. */
function issuerOf(jrd: Record<string, unknown>, allowInsecure: boolean): string {
  const links = jrd.links
  if (links === undefined) {
    throw new ValidationError('WEBFINGER_ISSUER_MISSING', 'the WebFinger answer has no links', {
      claim: 'links',
    })
  }
  if (!Array.isArray(links) || !links.every(isPlainObject)) {
    throw new ValidationError(
      'WEBFINGER_RESPONSE_INVALID',
      'the WebFinger answer’s links is not an array of objects',
      { claim: 'links', actual: describe(links) },
    )
  }
  const hrefs = new Set(
    links.filter((link) => link.rel === ISSUER_LINK_RELATION).map((link) => link.href),
  )
  if (hrefs.size === 0) {
    throw new ValidationError(
      'WEBFINGER_ISSUER_MISSING',
      `the WebFinger answer has no link with rel ${ISSUER_LINK_RELATION}`,
      { claim: 'links', expected: ISSUER_LINK_RELATION },
    )
  }
  if (hrefs.size > 1) {
    throw new ValidationError(
      'WEBFINGER_RESPONSE_INVALID',
      `the WebFinger answer names ${hrefs.size} different issuers`,
      { claim: 'links' },
    )
  }
  const [href] = hrefs
  if (typeof href !== 'string' || !URL.canParse(href)) {
    throw invalidIssuer(href, 'an absolute URL')
  }
  const url = new URL(href)
  if (url.search !== '' || url.hash !== '' || href.includes('?') || href.includes('#')) {
    throw invalidIssuer(href, 'a URL without query or fragment')
  }
  const loopbackHttp = url.protocol === 'http:' && isLoopback(url.hostname) && allowInsecure
  if (url.protocol !== 'https:' && !loopbackHttp) throw invalidIssuer(href, 'an https URL')
  return href
}

function invalidIssuer(href: unknown, expected: string): ValidationError {
  return new ValidationError(
    'WEBFINGER_ISSUER_INVALID',
    `the WebFinger issuer ${describe(href)} is not ${expected}`,
    { claim: 'href', expected, actual: href },
  )
}

/**
 * Tells whether input without a scheme is userinfo and host only (§2.1.2 step 3).
 *
 * Something before the last `@` with no path, query or fragment in it, and after it a host without
 * port, path, query or fragment.
 */
function isUserAndHost(input: string): boolean {
  const at = input.lastIndexOf('@')
  return at > 0 && /^[^/?#]+$/.test(input.slice(0, at)) && /^[^:/?#]+$/.test(input.slice(at + 1))
}

/** An `acct:` identifier: its host is what follows the last `@` (RFC 7565 §7). */
function acctIdentifier(rest: string, resource: string): NormalizedIdentifier {
  const at = rest.lastIndexOf('@')
  if (at <= 0) throw invalidIdentifier('an acct URI needs a user and a host')
  const host = rest.slice(at + 1)
  if (!/^[^:/?#@[\]]+$/.test(host)) throw invalidIdentifier('the acct host is not a host name')
  const url = parseUrl(`https://${host}`)
  return { resource, host: url.host }
}

/** A URL identifier: its host and port are its authority's. */
function urlIdentifier(text: string, resource: string): NormalizedIdentifier {
  const url = parseUrl(text)
  if (url.hostname === '') throw invalidIdentifier('the URL has no host')
  return { resource, host: url.host }
}

function parseUrl(text: string): URL {
  if (!URL.canParse(text)) throw invalidIdentifier('it is not a valid URL or host')
  return new URL(text)
}

/** Refuses hosts on the RP's own machine or network unless insecure requests are allowed. */
function checkHost(host: string, allowInsecure: boolean): void {
  const { hostname } = new URL(`https://${host}`)
  if (allowInsecure) return
  if (isLoopback(hostname) || isPrivateAddress(hostname)) {
    throw invalidIdentifier(`the host ${describe(hostname)} is loopback or a private address`)
  }
}

/**
 * Tells whether a host name (as `URL` normalises it) is a private, link-local or shared address.
 *
 * IPv4 10/8, 172.16/12, 192.168/16, 169.254/16, 100.64/10, 0/8; IPv6 fc00::/7, fe80::/10 and the
 * IPv4-mapped forms.
 */
function isPrivateAddress(hostname: string): boolean {
  const v4 = /^(\d+)\.(\d+)\.\d+\.\d+$/.exec(hostname)
  if (v4 !== null) {
    const a = Number(v4[1])
    const b = Number(v4[2])
    return (
      a === 10 ||
      a === 0 ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      (a === 169 && b === 254) ||
      (a === 100 && b >= 64 && b <= 127)
    )
  }
  if (!hostname.startsWith('[')) return false
  const v6 = hostname.slice(1, -1)
  if (/^f[cd][0-9a-f]{0,2}:/.test(v6) || /^fe[89ab][0-9a-f]?:/.test(v6)) return true
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(v6)
  if (mapped === null) return false
  const high = Number.parseInt(mapped[1]!, 16)
  const low = Number.parseInt(mapped[2]!, 16)
  return isPrivateAddress(`${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`)
}

function invalidIdentifier(why: string): UsageError {
  return new UsageError('WEBFINGER_IDENTIFIER_INVALID', `the identifier is not usable: ${why}`, {
    parameter: 'identifier',
  })
}
