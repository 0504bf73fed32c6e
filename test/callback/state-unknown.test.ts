/**
 * CALLBACK_STATE_UNKNOWN in a page: the default in-memory store is lost when the page leaves for
 * the OP, and the error says so and names the fix. Outside a page, or with a store the application
 * chose, the message stays the plain one.
 */
import assert from 'node:assert/strict'
import { describe, it, type TestContext } from 'node:test'
import { handleCallback } from '../../src/callback/sign-in.js'
import type { Configuration } from '../../src/config/configuration.js'
import type { ValidationError } from '../../src/errors.js'
import { createMemoryTransactionStore } from '../../src/stores/memory.js'
import { authorized } from '../support/callback.js'
import { expectCode } from '../support/helpers.js'
import { type Fixture, sharedFixture } from '../support/sign-in.js'

const HINT =
  /does not survive the page's redirect.*createWebStorageTransactionStore\(\).*oidc-rp\/browser/

/** Runs the test as in a page: a global `document` exists. */
function inPage(t: TestContext): void {
  assert.equal(typeof (globalThis as { document?: unknown }).document, 'undefined')
  Object.defineProperty(globalThis, 'document', { value: {}, configurable: true })
  t.after(() => {
    delete (globalThis as { document?: unknown }).document
  })
}

/**
 * A sign-in started with one configuration and its callback handled by a fresh one: what a page
 * does when it reloads between the redirect to the OP and the callback.
 */
async function callbackAfterReload(f: Fixture, reloaded: Configuration): Promise<ValidationError> {
  const { response } = await authorized(f)
  return expectCode<ValidationError>(
    handleCallback(reloaded, response.url, { cookie: f.browser.header() }),
    'CALLBACK_STATE_UNKNOWN',
  )
}

describe('CALLBACK_STATE_UNKNOWN with the default memory store in a page', () => {
  it('in a page, the default store lost on reload: the message says it does not survive the redirect and names the fix', async (t) => {
    inPage(t)
    const f = await sharedFixture()
    const err = await callbackAfterReload(f, await f.reconfigure({}))
    assert.match(err.message, /^no pending sign-in has this state/)
    assert.match(err.message, HINT)
  })

  it('the twin: the same callback outside a page (no document) keeps the plain message', async () => {
    const f = await sharedFixture()
    const err = await callbackAfterReload(f, await f.reconfigure({}))
    assert.equal(err.message, 'no pending sign-in has this state: unknown, already used or expired')
  })

  it('the twin: in a page with a store the application gave (even a memory one) the message stays plain', async (t) => {
    inPage(t)
    const f = await sharedFixture()
    const chosen = await f.reconfigure({ store: createMemoryTransactionStore() })
    const err = await callbackAfterReload(f, chosen)
    assert.equal(err.message, 'no pending sign-in has this state: unknown, already used or expired')
  })
})
