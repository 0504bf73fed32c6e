/**
 * Every error oidc-rp throws is an {@link OidcRpError} with a stable {@link ErrorCode}.
 *
 * The four subclasses are chosen by what the caller does next:
 *
 * - {@link OAuthResponseError}: the OP answered with an OAuth error (show it, maybe retry the
 * sign-in);
 * - {@link ValidationError}: one of our checks on what the OP or the browser sent failed (refuse
 * the sign-in);
 * - {@link TransportError}: the network, a timeout, a size limit or a malformed HTTP response
 * (retry later);
 * - {@link UsageError}: the application or its configuration asked for something wrong (fix the
 * code).
 *
 * Messages say what was expected and what came; they never contain secrets, authorization codes,
 * tokens or keys.
 *
 * @example
 * ```ts
 * try {
 *   await handleCallback(config, url)
 * } catch (err) {
 *   if (isOidcRpError(err)) {
 *     switch (err.code) {
 *       case 'AUTHORIZATION_ERROR_RESPONSE':
 *         console.log(err.error) // narrowed to OAuthResponseError
 *         break
 *       case 'ID_TOKEN_NONCE_MISMATCH':
 *         console.log(err.claim) // narrowed to ValidationError
 *     }
 *   }
 * }
 * ```
 * @module
 */
import type {
  ErrorCode,
  OAuthResponseErrorCode,
  TransportErrorCode,
  UsageErrorCode,
  ValidationErrorCode,
} from './error-codes.js'
import { clip } from './lib/json.js'

export type {
  ErrorCode,
  OAuthResponseErrorCode,
  TransportErrorCode,
  UsageErrorCode,
  ValidationErrorCode,
} from './error-codes.js'

/**
 * Options common to every error constructor.
 * @group Errors
 */
export interface OidcRpErrorOptions {
  /** The underlying error or evidence; never a token, code, secret or key. */
  cause?: unknown
}

/**
 * Control characters, C1 controls, bidi overrides, line separators and lone surrogates.
 *
 * Text from the OP or the browser may carry them into a message, and so into a log line (a lone
 * surrogate makes the line invalid UTF-8 for a log shipper).
 */
const UNPRINTABLE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding them is the point
  /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g

/** A message fit for one log line: every unprintable character as a `\uXXXX` escape. */
function printable(message: string): string {
  return message.replace(UNPRINTABLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
}

/** An `error_uri` a page may link to: https, or http on loopback; anything else is dropped. */
function linkable(uri: string | undefined): string | undefined {
  if (uri === undefined || !URL.canParse(uri)) return undefined
  const { protocol, hostname } = new URL(uri)
  const loopback = hostname === '127.0.0.1' || hostname === '[::1]' || hostname === 'localhost'
  return protocol === 'https:' || (protocol === 'http:' && loopback) ? uri : undefined
}

/**
 * The base of every error oidc-rp throws. Use {@link isOidcRpError} and `switch (err.code)`.
 * @group Errors
 */
export class OidcRpError<C extends ErrorCode = ErrorCode> extends Error {
  /** The stable, machine-readable code. */
  readonly code: C

  /**
   * @param code - the stable code
   * @param message - what was expected and what came, without secrets
   * @param options - `cause`: the underlying error
   */
  constructor(code: C, message: string, options?: OidcRpErrorOptions) {
    super(printable(message), options?.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.name = new.target.name
  }
}

/**
 * The OP answered with an OAuth 2.0 error.
 *
 * Its `error`, `error_description` and `error_uri` are carried as sent, except that anything the
 * request carried (client secret or assertion, code, verifier, token), in any encoding the OP
 * quotes it in, reads `[redacted]`. The message escapes control characters (no forged log lines)
 * and clips long values; `errorUri` keeps only an https (or loopback http) URL.
 *
 * @group Errors
 */
export class OAuthResponseError extends OidcRpError<OAuthResponseErrorCode> {
  /** The OP's `error` value (e.g. `access_denied`, `invalid_grant`). */
  readonly error: string
  /** The OP's `error_description`, if any. */
  readonly errorDescription: string | undefined
  /**
   * The OP's `error_uri` when it is an https URL (http on loopback), safe to link to.
   *
   * Another scheme (`javascript:`, `data:`…) is left out: see {@link rawErrorUri}.
   */
  readonly errorUri: string | undefined
  /** The OP's `error_uri` as sent, whatever it is. Never put it in a link unchecked. */
  readonly rawErrorUri: string | undefined
  /** The HTTP status of the OP's response; `undefined` for an authorization (redirect) error. */
  readonly status: number | undefined
  /**
   * The parsed `WWW-Authenticate` challenges.
   *
   * For {@link OAuthResponseErrorCode | USERINFO_BEARER_CHALLENGE}.
   */
  readonly challenges: readonly WWWAuthenticateChallenge[]

  /**
   * @param code - the stable code
   * @param details - the OP's error values
   * @param options - `cause`: the underlying error
   */
  constructor(
    code: OAuthResponseErrorCode,
    details: {
      error: string
      errorDescription?: string | undefined
      errorUri?: string | undefined
      status?: number | undefined
      challenges?: readonly WWWAuthenticateChallenge[] | undefined
    },
    options?: OidcRpErrorOptions,
  ) {
    const description = details.errorDescription ? ` (${clip(details.errorDescription)})` : ''
    super(code, `the OP answered with error "${clip(details.error)}"${description}`, options)
    this.error = details.error
    this.errorDescription = details.errorDescription
    this.errorUri = linkable(details.errorUri)
    this.rawErrorUri = details.errorUri
    this.status = details.status
    this.challenges = details.challenges ?? []
  }
}

/**
 * One challenge of a `WWW-Authenticate` response header (RFC 6750 §3).
 * @group Errors
 */
export interface WWWAuthenticateChallenge {
  /** The scheme, lower-cased (e.g. `bearer`). */
  readonly scheme: string
  /** The parameters, names lower-cased (e.g. `error`, `error_description`, `realm`). */
  readonly parameters: Readonly<Record<string, string>>
}

/**
 * One of our checks failed on what the OP or the browser sent.
 *
 * `claim` names the claim or parameter.
 *
 * @group Errors
 */
export class ValidationError extends OidcRpError<ValidationErrorCode> {
  /** The claim, parameter or metadata member that failed the check, if one did. */
  readonly claim: string | undefined
  /** What was expected (never a secret). */
  readonly expected: unknown
  /** What came (never a token or code; long values are cut). */
  readonly actual: unknown

  /**
   * @param code - the stable code
   * @param message - what was expected and what came
   * @param details - the claim, expected and actual values, and the cause
   */
  constructor(
    code: ValidationErrorCode,
    message: string,
    details?: OidcRpErrorOptions & { claim?: string; expected?: unknown; actual?: unknown },
  ) {
    super(code, message, details)
    this.claim = details?.claim
    this.expected = details?.expected
    this.actual = details?.actual
  }
}

/**
 * The exchange with the OP failed below the protocol.
 *
 * Network, timeout, size limit, status or content type.
 *
 * @group Errors
 */
export class TransportError extends OidcRpError<TransportErrorCode> {
  /** The URL requested, without its query or fragment. */
  readonly url: string | undefined
  /** The HTTP status, when a response came. */
  readonly status: number | undefined

  /**
   * @param code - the stable code
   * @param message - what happened
   * @param details - url, status and cause
   */
  constructor(
    code: TransportErrorCode,
    message: string,
    details?: OidcRpErrorOptions & { url?: string | undefined; status?: number | undefined },
  ) {
    super(code, message, details)
    this.url = details?.url
    this.status = details?.status
  }
}

/**
 * The application or its configuration asked for something wrong. `parameter` names what.
 * @group Errors
 */
export class UsageError extends OidcRpError<UsageErrorCode> {
  /** The option, parameter or configuration member at fault, when there is one. */
  readonly parameter: string | undefined

  /**
   * @param code - the stable code
   * @param message - what is wrong and how to fix it
   * @param details - parameter and cause
   */
  constructor(
    code: UsageErrorCode,
    message: string,
    details?: OidcRpErrorOptions & { parameter?: string | undefined },
  ) {
    super(code, message, details)
    this.parameter = details?.parameter
  }
}

/**
 * The union of every concrete error class: `switch (err.code)` narrows it to the right class.
 * @group Errors
 */
export type AnyOidcRpError = OAuthResponseError | ValidationError | TransportError | UsageError

/**
 * Tells whether a value is an error thrown by oidc-rp, narrowing it to {@link AnyOidcRpError}.
 * @param value - anything caught
 * @returns true for every oidc-rp error
 * @group Errors
 */
export function isOidcRpError(value: unknown): value is AnyOidcRpError {
  return value instanceof OidcRpError
}
