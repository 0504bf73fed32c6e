/**
 * An OP that echoes what it was sent: every secret of the last request (its `Authorization`
 * credentials, client secret, client assertion, code, PKCE verifier, refresh token, request object),
 * each in every form an OP may quote it in, put into its error's `error`, `error_description`,
 * `error_uri` and `WWW-Authenticate`. Written independently of src/lib/redact.ts, so a test
 * proves the redaction rather than repeating it.
 */
import { inspect } from 'node:util'
import type { HttpFaultEndpoint, MockOP, RecordedRequest } from '../../src/testing/index.js'
import { errorText } from '../portable/assert.js'

/** A client secret with everything encodings disagree on: space, `+ : % & = / ~ ! * ' ( )`, `-._`, non-ASCII. */
export const AWKWARD_SECRET = "Sé-cr3t+:%&= ~!*'()/x_y.z-0123456789"

/** The form parameters whose values the echoing OP quotes. */
const ECHOED_PARAMETERS = [
  'client_secret',
  'client_assertion',
  'code',
  'code_verifier',
  'refresh_token',
  'request',
]

/**
 * A value in the forms an OP may echo it: raw, RFC 3986 percent-encoded (upper- and lower-case
 * hex), WHATWG form-urlencoded, and oauth4webapi's Basic encoding (`-._~!*'()` escaped too).
 * @param value - the secret
 * @returns its forms
 */
export function echoForms(value: string): string[] {
  const percent = encodeURIComponent(value)
  const oauth4webapi = percent
    .replace(/[-_.!~*'()]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replaceAll('%20', '+')
  return [
    value,
    percent,
    percent.replace(/%[0-9A-F]{2}/g, (hex) => hex.toLowerCase()),
    new URLSearchParams({ v: value }).toString().slice(2),
    oauth4webapi,
  ]
}

/**
 * The secrets of a recorded request, each in every echo form: the `Authorization` credentials as
 * sent, the Basic secret decoded and the base64 of `client_id:secret` unencoded, and the secret
 * form parameters.
 * @param request - what the mock OP recorded
 * @returns the forms, longest first
 */
export function sentForms(request: RecordedRequest): string[] {
  const forms: string[] = []
  const authorization = request.headers.authorization
  if (authorization !== undefined) {
    const [scheme, credentials = ''] = authorization.split(' ')
    forms.push(credentials)
    if (scheme?.toLowerCase() === 'basic') {
      const decoded = new TextDecoder().decode(
        Uint8Array.from(atob(credentials), (c) => c.charCodeAt(0)),
      )
      const colon = decoded.indexOf(':')
      const decode = (part: string) => decodeURIComponent(part.replaceAll('+', ' '))
      const id = decode(decoded.slice(0, colon))
      const secret = decode(decoded.slice(colon + 1))
      forms.push(...echoForms(secret))
      forms.push(btoa(String.fromCharCode(...new TextEncoder().encode(`${id}:${secret}`))))
    } else {
      forms.push(...echoForms(credentials))
    }
  }
  for (const name of ECHOED_PARAMETERS) {
    const value = request.params[name]
    if (value !== undefined) forms.push(...echoForms(value))
  }
  return [...new Set(forms)].sort((a, b) => b.length - a.length)
}

/**
 * Makes the next answer of an endpoint an OAuth error quoting every secret of the request it got.
 * @param op - the mock OP
 * @param endpoint - `token` or `par`
 * @param status - the error status
 * @returns the forms it echoed (filled once the request came)
 */
export function echoSecrets(op: MockOP, endpoint: HttpFaultEndpoint, status = 400): string[] {
  const echoed: string[] = []
  op.misbehave({
    respond: {
      endpoint,
      response: () => {
        const request = op.requests.filter((r) => r.endpoint === endpoint).at(-1)
        if (request === undefined) throw new Error(`no ${endpoint} request recorded`)
        echoed.push(...sentForms(request))
        const ascii = echoed.filter((form) => /^[\x20-\x7e]*$/.test(form) && !form.includes('"'))
        return new Response(
          JSON.stringify({
            error: `invalid_grant ${echoed[0]}`,
            error_description: `refused: ${echoed.join(' | ')}`,
            error_uri: `https://op.example.com/errors?sent=${echoed.join('&sent=')}`,
          }),
          {
            status,
            headers: {
              'content-type': 'application/json',
              'www-authenticate': `Basic realm="op", error="invalid_client", error_description="${ascii.join(' ')}"`,
            },
          },
        )
      },
    },
  })
  return echoed
}

/**
 * Everything an error shows: its message, members and cause chain, `util.inspect` at any depth
 * with hidden members, and `JSON.stringify`.
 * @param err - the error
 * @returns the text
 */
export function everythingShown(err: unknown): string {
  return [
    errorText(err),
    inspect(err, { depth: Number.POSITIVE_INFINITY, showHidden: true, getters: true }),
    JSON.stringify(err),
  ].join('\n')
}

/**
 * The forms an error shows.
 * @param err - the error
 * @param forms - the secrets' forms
 * @returns those found
 */
export function leaked(err: unknown, forms: readonly string[]): string[] {
  const text = everythingShown(err)
  return forms.filter((form) => form !== '' && text.includes(form))
}
