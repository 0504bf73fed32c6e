/**
 * Arbitraries for JWTs re-signed after mutation, shared by the ID token and logout token
 * properties: header edits (`alg`, `kid`, `crit`, `typ`, `jku`, `x5u`, `jwk`…), claim edits
 * (removed, retyped, duplicated JSON keys, padded), payloads that are no claims set, and the
 * signature half of the acceptance model.
 */
import fc from 'fast-check'
import { ATTACKER_JWK, ISSUER, NOW, SIGNER_ALG, SIGNER_KID, type Signer } from './op.js'

/** Parses JSON, or `undefined` when it is not JSON. */
export function parse(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

/** A non-null, non-array object. */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** A finite number. */
export function isNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value)
}

/** A value in about one case of ten, `undefined` in the others. */
export function rarely<T>(arbitrary: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> {
  return fc.oneof({ weight: 9, arbitrary: fc.constant(undefined) }, arbitrary)
}

/** Marks a header member to delete. */
export const DELETE = '<delete>'

/** Values of the wrong type or shape for any claim. */
export const oddValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(
    null,
    true,
    false,
    0,
    -1,
    1.5,
    1e308,
    '',
    ' ',
    String(NOW + 600),
    [],
    {},
    ['alice'],
    [ISSUER],
    { sub: 'alice' },
    'x'.repeat(2000),
  ),
  fc.string(),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.array(fc.string(), { maxLength: 3 }),
)

/** One edit of a claims set. */
export type ClaimEdit =
  | { op: 'remove'; claim: string }
  | { op: 'set'; claim: string; value: unknown }
  | { op: 'duplicate'; claim: string; value: unknown; first: boolean }
  | { op: 'pad'; length: number }

/**
 * Claim edits over the claims of a table, each set to one of its interesting values or an odd one.
 * @param values - per claim, the values worth trying (boundaries, near misses)
 * @returns the arbitrary
 */
export function claimEdit(
  values: Readonly<Record<string, readonly unknown[]>>,
): fc.Arbitrary<ClaimEdit> {
  const claims = Object.keys(values)
  const value = (claim: string) =>
    fc.oneof({ weight: 2, arbitrary: fc.constantFrom(...values[claim]!) }, oddValue)
  return fc.oneof(
    fc.record({ op: fc.constant('remove' as const), claim: fc.constantFrom(...claims) }),
    fc.constantFrom(...claims).chain((claim) =>
      fc.record({
        op: fc.constant('set' as const),
        claim: fc.constant(claim),
        value: value(claim),
      }),
    ),
    fc.constantFrom(...claims).chain((claim) =>
      fc.record({
        op: fc.constant('duplicate' as const),
        claim: fc.constant(claim),
        value: value(claim),
        first: fc.boolean(),
      }),
    ),
    fc.record({
      op: fc.constant('pad' as const),
      length: fc.constantFrom(100, 11_000, 12_100, 20_000),
    }),
  )
}

/** Payload texts that are not a claims set at all. */
export const RAW_PAYLOADS = [
  '[]',
  '"claims"',
  '1',
  'null',
  '{',
  '',
  '\ufeff{}',
  `${'{"a":'.repeat(3000)}1${'}'.repeat(3000)}`,
  `${'['.repeat(5000)}${']'.repeat(5000)}`,
]

/**
 * The claims set text after edits: members set with `defineProperty` (so `__proto__` is an own
 * member), duplicates written as repeated JSON keys before or after the others.
 * @param base - the valid claims
 * @param edits - the edits
 * @returns the JSON text
 */
export function payloadText(base: Record<string, unknown>, edits: readonly ClaimEdit[]): string {
  const claims: Record<string, unknown> = { ...base }
  const before: string[] = []
  const after: string[] = []
  for (const edit of edits) {
    if (edit.op === 'remove') delete claims[edit.claim]
    else if (edit.op === 'set') {
      Object.defineProperty(claims, edit.claim, {
        value: edit.value,
        enumerable: true,
        configurable: true,
        writable: true,
      })
    } else if (edit.op === 'pad') claims.pad = 'p'.repeat(edit.length)
    else {
      const member = `${JSON.stringify(edit.claim)}:${JSON.stringify(edit.value) ?? 'null'}`
      ;(edit.first ? before : after).push(member)
    }
  }
  const members = [...before, JSON.stringify(claims).slice(1, -1), ...after].filter((m) => m !== '')
  return `{${members.join(',')}}`
}

const HEADER_VALUES = {
  alg: fc.constantFrom<unknown>(
    DELETE,
    'RS256',
    'ES256',
    'HS256',
    'none',
    'None',
    'PS256',
    'RS512',
    'EdDSA',
    'HS512',
    'ES512',
    'rs256',
    '',
    123,
    null,
    ['RS256'],
  ),
  kid: fc.constantFrom<unknown>(DELETE, 'rs-1', 'es-1', 'unknown', '', 42, ['rs-1'], null),
  typ: fc.constantFrom<unknown>(
    DELETE,
    'JWT',
    'at+jwt',
    'logout+jwt',
    'Logout+JWT',
    'application/logout+jwt',
    'application/jwt',
    'secevent+jwt',
    '',
    7,
  ),
  crit: fc.constantFrom<unknown>(['exp'], [], 'exp', ['b64'], null),
  jku: fc.constantFrom('https://attacker.example/jwks', `${ISSUER}/jwks`),
  x5u: fc.constantFrom('https://attacker.example/cert.pem'),
  jwk: fc.constantFrom<unknown>(ATTACKER_JWK, { kty: 'oct', k: 'AAAA' }),
  x5c: fc.constantFrom<unknown>(['MIIBIjANBgkqhkiG9w0BAQEFAAOC'], 'x'),
  b64: fc.constantFrom<unknown>(false, true),
  cty: fc.constantFrom<unknown>('JWT', 'json'),
  enc: fc.constantFrom<unknown>('A128GCM'),
  zip: fc.constantFrom<unknown>('DEF'),
}

/** Header edits: any subset of the members, each set to a value worth trying or deleted. */
export const headerEdits: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  { weight: 2, arbitrary: fc.constant({}) },
  fc.record(HEADER_VALUES, { requiredKeys: [] }),
)

/**
 * The header text: the signer's alg and kid and a `typ`, edited, maybe with a repeated `alg`.
 * @param signer - who signs (its real alg and kid are the starting point)
 * @param edits - the edits
 * @param duplicateAlg - a second `alg` member written after the others, or `undefined`
 * @param typ - the starting `typ`
 * @returns the JSON text
 */
export function headerText(
  signer: Signer,
  edits: Record<string, unknown>,
  duplicateAlg: unknown,
  typ: string,
): string {
  const header: Record<string, unknown> = { alg: SIGNER_ALG[signer], typ }
  const kid = SIGNER_KID[signer]
  if (kid !== undefined) header.kid = kid
  for (const [name, value] of Object.entries(edits)) {
    if (value === DELETE) delete header[name]
    else header[name] = value
  }
  const text = JSON.stringify(header)
  return duplicateAlg === undefined
    ? text
    : `${text.slice(0, -1)},"alg":${JSON.stringify(duplicateAlg)}}`
}

/** Every signer, the OP's own keys and the client secret first. */
export const SIGNERS: readonly Signer[] = [
  'op-rs',
  'op-es',
  'secret',
  'attacker-rs',
  'wrong-secret',
  'public-key-as-secret',
  'none',
  'garbage',
]

/** A second `alg` member, now and then. */
export const duplicateAlg: fc.Arbitrary<unknown> = rarely(
  fc.constantFrom<unknown>('RS256', 'none', 'HS256'),
)

/**
 * The signature half of the model: a JWS is verifiable only when it fits the length limit, its
 * header is a JSON object with a string `alg` (and string `kid`, if any) and no `crit`, it was
 * signed by the OP's key or the client secret with exactly the alg its header names, and its
 * `kid`, if any, is the one that key is published under (the client secret has none to match).
 * `jku`, `x5u`, `jwk` and `x5c` never matter: keys come from the `jwks_uri` only.
 * @param signer - who signed
 * @param headerText - the header text
 * @param token - the compact JWS
 * @param maxLength - the longest JWT accepted
 * @returns whether the RP must accept the signature
 */
export function signatureAccepted(
  signer: Signer,
  headerText: string,
  token: string,
  maxLength: number,
): boolean {
  if (token.length > maxLength) return false
  const header = parse(headerText)
  if (!isObject(header) || typeof header.alg !== 'string') return false
  if (header.kid !== undefined && typeof header.kid !== 'string') return false
  if (header.crit !== undefined) return false
  if (signer !== 'op-rs' && signer !== 'op-es' && signer !== 'secret') return false
  if (header.alg !== SIGNER_ALG[signer]) return false
  return signer === 'secret' || header.kid === undefined || header.kid === SIGNER_KID[signer]
}
