/**
 * The portable behavioural suite of oidc-rp, written once and run on Node, Deno, Bun, Chromium and
 * workerd. The library is an argument, never an import, so every runtime hands over its own build
 * (TypeScript through tsx on Node, an esbuild bundle elsewhere), and the suite may use nothing but
 * the public API and Web APIs.
 */
import { authorizationCases } from './cases/authorization.js'
import { codeFlowCases } from './cases/code-flow.js'
import { discoveryCases } from './cases/discovery.js'
import { dpopCases } from './cases/dpop.js'
import { httpCases } from './cases/http.js'
import { idTokenCases } from './cases/id-token.js'
import { implicitCases } from './cases/implicit.js'
import { jarmCases } from './cases/jarm.js'
import { opKeyCases } from './cases/op-keys.js'
import { requestObjectCases } from './cases/request-objects.js'
import { storeCases } from './cases/stores.js'
import { userinfoCases } from './cases/userinfo.js'
import { createEnv, type Lib, type Testing } from './fixtures.js'
import type { Case } from './harness.js'

export type { Lib, Testing } from './fixtures.js'
export type { Case } from './harness.js'

/**
 * Every case of the suite, bound to one build of the library.
 * @param lib - what `import * as lib from 'oidc-rp'` gives
 * @param testing - what `import * as testing from 'oidc-rp/testing'` gives
 * @returns the cases, in the order they run
 */
export function cases(lib: Lib, testing: Testing): Case[] {
  const env = createEnv(lib, testing)
  return [
    ...discoveryCases(env),
    ...httpCases(env),
    ...storeCases(env),
    ...authorizationCases(env),
    ...requestObjectCases(env),
    ...codeFlowCases(env),
    ...implicitCases(env),
    ...idTokenCases(env),
    ...opKeyCases(env),
    ...userinfoCases(env),
    ...dpopCases(env),
    ...jarmCases(env),
  ]
}
