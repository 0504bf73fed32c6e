/**
 * The lean entry `oidc-rp/core`: every function of the main entry with no optional feature
 * installed. Its sign-in path bundles none of them; each member that needs one is refused with
 * `FEATURE_NOT_INSTALLED` naming the export that installs it, and works once it is installed.
 * The program runs in a process of its own (test/support/core-program.ts), since the other tests
 * install every feature (test/support/helpers.ts).
 */
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const ROOT = fileURLToPath(new URL('..', import.meta.url))

/** The feature modules the sign-in path reaches only through `oidc-rp/features`. */
const FEATURE_MODULES = [
  'src/authorization/par.ts',
  'src/authorization/request-object.ts',
  'src/authorization/request-uri.ts',
  'src/callback/jarm.ts',
  'src/client-assertion.ts',
  'src/config/acr-mapping.ts',
  'src/config/attribute-lookup.ts',
  'src/config/claim-sources.ts',
  'src/config/issuance-criteria.ts',
  'src/config/policy-validation.ts',
  'src/config/security-profile.ts',
  'src/config/tenants.ts',
  'src/config/token-parameters.ts',
  'src/lib/jwe-decrypt.ts',
]

/** The source modules with code in a browser bundle of the sign-in path from `entry`. */
async function bundledModules(entry: string): Promise<string[]> {
  const result = await build({
    stdin: {
      contents: `import { discover, createAuthorizationRequest, handleCallback, fetchUserInfo } from '${entry}'
        export async function run(issuer, client, url) {
          const config = await discover(issuer, client)
          await createAuthorizationRequest(config)
          const result = await handleCallback(config, url)
          return fetchUserInfo(config, result.accessToken.value)
        }`,
      resolveDir: ROOT,
    },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    write: false,
    metafile: true,
    external: ['node:*'],
  })
  const [output] = Object.values(result.metafile.outputs)
  return Object.entries(output?.inputs ?? {})
    .filter(([, input]) => input.bytesInOutput > 0)
    .map(([path]) => path)
}

describe('oidc-rp/core, the lean entry', () => {
  test('its sign-in path bundles no optional feature; the twin, the main entry, bundles them all', async () => {
    const lean = await bundledModules('./src/core.ts')
    assert.ok(lean.includes('src/callback/sign-in.ts'), 'the sign-in itself is there')
    assert.deepEqual(
      FEATURE_MODULES.filter((path) => lean.includes(path)),
      [],
    )
    const full = await bundledModules('./src/index.ts')
    assert.deepEqual(
      FEATURE_MODULES.filter((path) => !full.includes(path)),
      [],
    )
  })

  test('each feature-bound member is FEATURE_NOT_INSTALLED naming its export; installed, it works', () => {
    const printed = execFileSync(
      process.execPath,
      ['--import', 'tsx', 'test/support/core-program.ts'],
      {
        cwd: ROOT,
        encoding: 'utf8',
      },
    )
    const seen = JSON.parse(printed) as {
      restored: string
      sub: string
      without: Record<string, { code: string; message: string }>
      withFeature: Record<string, string>
      jarmWithout: { code: string }
      jarmWith: { code: string }
    }
    assert.equal(seen.sub, 'alice', 'a plain code-flow sign-in needs no feature')
    assert.equal(seen.restored, 'made', 'a saved configuration without a policy restores')
    assert.equal(Object.keys(seen.without).length, 13)
    for (const [name, { code, message }] of Object.entries(seen.without)) {
      assert.equal(code, 'FEATURE_NOT_INSTALLED', name)
      assert.match(message, new RegExp(`installFeatures\\(${name}\\) from 'oidc-rp/features'`))
    }
    for (const [name, code] of Object.entries(seen.withFeature)) {
      // the security profile, installed, checks the connection (the mock OP's client is not FAPI)
      assert.equal(code, name === 'securityProfiles' ? 'SECURITY_PROFILE_VIOLATION' : 'made', name)
    }
    assert.equal(seen.jarmWithout.code, 'JARM_RESPONSE_UNEXPECTED', 'no sign-in asked for JARM')
    assert.equal(seen.jarmWith.code, 'JWT_MALFORMED', 'the twin: the JARM feature reads it')
  })
})
