/**
 * The channel between the tabs of one browser session: what they tell each other.
 *
 * Same-origin only (a `BroadcastChannel`), so tokens never leave the origin's tabs.
 *
 * @module
 */
import { isPlainObject } from '../lib/json.js'
import { isCounter, readSessionTokens, type SessionTokens } from './tokens.js'

/**
 * What a browser session needs of a `BroadcastChannel`: the real one fits.
 * @group Browser
 */
export interface BrowserSessionChannel {
  /** Sends a message to the other tabs (structured clone). */
  postMessage(message: unknown): void
  /** Listens to the other tabs' messages. */
  addEventListener(type: 'message', listener: (event: { readonly data: unknown }) => void): void
  /** Stops listening, for good. */
  close(): void
}

/**
 * A message between tabs.
 *
 * - `tokens`: new tokens (`change` says whether a sign-in or a refresh made them), or the answer to
 * an `ask`;
 * - `signed-out`: the session ended (`change`: signed out by the application, or the OP refused
 * the refresh);
 * - `ask`: a new tab asks the open ones for the current tokens.
 *
 * @internal
 */
export type TabMessage =
  | {
      readonly kind: 'tokens'
      readonly generation: number
      readonly change: 'signed-in' | 'refreshed'
      readonly tokens: SessionTokens
    }
  | {
      readonly kind: 'signed-out'
      readonly generation: number
      readonly change: 'signed-out' | 'ended'
    }
  | { readonly kind: 'ask' }

/**
 * Opens the channel of a session, or none where the browser has no `BroadcastChannel`.
 * @param open - the application's factory, or `undefined` for `new BroadcastChannel(name)`
 * @param name - the channel's name
 * @returns the channel, or `undefined`
 * @internal
 */
export function openChannel(
  open: ((name: string) => BrowserSessionChannel) | undefined,
  name: string,
): BrowserSessionChannel | undefined {
  if (open !== undefined) return open(name)
  if (typeof BroadcastChannel !== 'function') return undefined
  return new BroadcastChannel(name)
}

/**
 * Reads a message another tab posted, ignoring anything of another shape.
 * @param data - the message's data
 * @returns the message, or `undefined`
 * @internal
 */
export function readTabMessage(data: unknown): TabMessage | undefined {
  if (!isPlainObject(data)) return undefined
  if (data.kind === 'ask') return { kind: 'ask' }
  if (!isCounter(data.generation)) return undefined
  const generation = data.generation
  if (data.kind === 'signed-out' && (data.change === 'signed-out' || data.change === 'ended')) {
    return { kind: 'signed-out', generation, change: data.change }
  }
  if (data.kind === 'tokens' && (data.change === 'signed-in' || data.change === 'refreshed')) {
    const tokens = readSessionTokens(data.tokens)
    if (tokens !== undefined) return { kind: 'tokens', generation, change: data.change, tokens }
  }
  return undefined
}
