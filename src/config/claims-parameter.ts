/**
 * The claims request parameter (OIDC Core §5.5), as an application or a policy gives it.
 *
 * Its JSON checked (a claims request, no member repeated) and written the one way it is sent, and
 * what its `id_token` member asks of the ID token (an essential `acr`, an essential `auth_time`).
 *
 * It imports nothing at run time. A page (`oidc-rp/browser`) loads it with the first sign-in that
 * asks for claims, and the page's bundler keeps every module the page imports in one file: esbuild
 * splits out whatever a page and a lazily loaded module share.
 *
 * @module
 */

/**
 * The `claims` parameter's text, checked.
 *
 * A claims request (an object whose `id_token` and `userinfo` map claim names to `null` or
 * objects), no member repeated: `JSON.parse` keeps a repeated member's last copy while the OP may
 * keep the first, so the text would mean two things. The text sent is the one checked.
 *
 * @param raw - the application's value: JSON text or the claims request itself
 * @returns the JSON text to send, or `undefined` when `raw` is no such claims request
 * @internal
 */
export function claimsParameterText(raw: unknown): string | undefined {
  try {
    const text = typeof raw === 'string' ? raw : JSON.stringify(raw)
    const parsed: unknown = JSON.parse(text)
    return isClaimsRequest(parsed) && !hasRepeatedMembers(text) ? JSON.stringify(parsed) : undefined
  } catch {
    return undefined
  }
}

/**
 * What a claims request obliges the ID token to carry.
 * @internal
 */
export interface ClaimsRequirements {
  /** Values of an essential `acr` in `id_token`, when some were named. */
  readonly acr: readonly string[] | undefined
  /** `auth_time` was asked as essential in `id_token`. */
  readonly authTime: boolean
  /** `acr` is asked for in any manner (ID token or UserInfo). */
  readonly mentionsAcr: boolean
}

/**
 * Reads a parsed claims request: essential `acr` values and `auth_time`.
 * @param claims - the parsed `claims` parameter
 * @returns what the ID token must carry
 * @internal
 */
export function claimsRequirements(claims: unknown): ClaimsRequirements {
  if (!isObject(claims)) return { acr: undefined, authTime: false, mentionsAcr: false }
  const idToken = isObject(claims.id_token) ? claims.id_token : {}
  const userinfo = isObject(claims.userinfo) ? claims.userinfo : {}
  const acr = idToken.acr
  let acrValues: string[] | undefined
  if (isObject(acr) && acr.essential === true) {
    const list = Array.isArray(acr.values) ? acr.values : acr.value === undefined ? [] : [acr.value]
    const strings = list.filter((v): v is string => typeof v === 'string')
    if (strings.length > 0) acrValues = strings
  }
  const authTime = idToken.auth_time
  return {
    acr: acrValues,
    authTime: isObject(authTime) && authTime.essential === true,
    mentionsAcr: Object.hasOwn(idToken, 'acr') || Object.hasOwn(userinfo, 'acr'),
  }
}

/**
 * Checks the shape of an application's claims request.
 *
 * A JSON object whose `id_token` and `userinfo` members, when present, map claim names to `null` or
 * objects.
 *
 * @param value - the parsed value
 * @returns true when the shape is valid
 * @internal
 */
export function isClaimsRequest(value: unknown): boolean {
  if (!isObject(value)) return false
  for (const part of ['id_token', 'userinfo'] as const) {
    const members = value[part]
    if (members === undefined) continue
    if (!isObject(members)) return false
    for (const entry of Object.values(members)) {
      if (entry !== null && !isObject(entry)) return false
    }
  }
  return true
}

/**
 * Whether a JSON text repeats a member name in one of its objects.
 *
 * `JSON.parse` keeps the last copy, while another reader (the OP) may keep the first: a text with a
 * repeated member means two things. Call on text that parses.
 * @param text - JSON text
 * @returns true when an object has the same member name twice
 * @internal
 */
export function hasRepeatedMembers(text: string): boolean {
  const objects: (Set<string> | undefined)[] = []
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (c === '{') objects.push(new Set())
    else if (c === '[') objects.push(undefined)
    else if (c === '}' || c === ']') objects.pop()
    else if (c === '"') {
      let end = i + 1
      while (text[end] !== '"') end += text[end] === '\\' ? 2 : 1
      const members = objects.at(-1)
      let next = end + 1
      while (next < text.length && /\s/.test(text[next]!)) next++
      if (members !== undefined && text[next] === ':') {
        const name = JSON.parse(text.slice(i, end + 1)) as string
        if (members.has(name)) return true
        members.add(name)
      }
      i = end
    }
  }
  return false
}

/** A JSON object (as lib/json.ts's `isPlainObject`, which this module must not import). */
function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
