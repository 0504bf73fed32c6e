/** Helpers of the callback tests: a sign-in authorized at the mock OP, a tampered redirect, a form POST. */
import assert from 'node:assert/strict'
import type { SignInResult } from '../../src/callback/result.js'
import { type Fixture, REDIRECT_URI, type StartOptions } from './sign-in.js'

/** Starts a sign-in and authorizes it as alice; returns the OP's answer, unsent. */
export async function authorized(f: Fixture, options?: StartOptions) {
  const started = await f.start(options)
  const response = await f.authorize(started)
  return { started, response }
}

/** The redirect URL with its query or fragment parameters changed. */
export function tamper(url: string, change: (params: URLSearchParams) => void): string {
  const parsed = new URL(url)
  if (parsed.hash.length > 1) {
    const params = new URLSearchParams(parsed.hash.slice(1))
    change(params)
    parsed.hash = params.toString()
  } else {
    change(parsed.searchParams)
  }
  return parsed.href
}

export function formPost(body: string, headers: Record<string, string> = {}): Request {
  return new Request(REDIRECT_URI, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body,
  })
}

export function assertSignedIn(result: SignInResult): void {
  assert.equal(result.idTokenClaims.sub, 'alice')
  assert.equal(result.claims.sub, 'alice')
}
