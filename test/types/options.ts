/**
 * Type-level tests of the option types an application writes most: checked by the compiler
 * (test/types.test.ts); a line marked `@ts-expect-error` must fail to compile.
 */
import type {
  CallbackOptions,
  Configuration,
  IdTokenExpectations,
  MemoryTransactionStoreOptions,
} from '../../src/index.js'
import { createMemoryTransactionStore, handleCallback } from '../../src/index.js'

declare const config: Configuration

/** The UserInfo mode is one of three words; a typo does not compile. */
export async function userinfoModes(): Promise<void> {
  await handleCallback(config, 'https://rp.example/cb?code=x&state=y', { userinfo: 'required' })
  // @ts-expect-error 'sometimes' is not a UserInfo mode
  await handleCallback(config, 'https://rp.example/cb', { userinfo: 'sometimes' })
  const placement: CallbackOptions = { userinfoPlacement: 'header' }
  // @ts-expect-error the access token goes in the header or the body, nowhere else
  const wrong: CallbackOptions = { userinfoPlacement: 'query' }
  void placement
  void wrong
}

/** Durations say their unit in their name: the old unit-less names do not compile. */
export function unitsInNames(): void {
  const expectations: IdTokenExpectations = { source: 'token', maxAgeInSeconds: 300 }
  // @ts-expect-error maxAge was renamed maxAgeInSeconds
  const old: IdTokenExpectations = { source: 'token', maxAge: 300 }
  void expectations
  void old
}

/** Every clock is `() => number` in milliseconds: a Date-returning clock does not compile. */
export function clocksAreNumbers(): void {
  const options: MemoryTransactionStoreOptions = { now: () => Date.now() }
  createMemoryTransactionStore(options)
  // @ts-expect-error a clock returns milliseconds, not a Date
  createMemoryTransactionStore({ now: () => new Date() })
}

/** The ID token's source is one of three words. */
export function sources(): void {
  // @ts-expect-error 'front-channel' is not a source; the authorization endpoint is 'authorization'
  const wrong: IdTokenExpectations = { source: 'front-channel' }
  void wrong
}
