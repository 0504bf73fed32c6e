/**
 * scripts/build.ts: what importing the published main entry loads. Each ES module costs its
 * resolution, read and link at a cold start (BENCH.md, metric 4), so the core is one chunk and the
 * import reaches neither jose nor oauth4webapi, which load on first use.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, dirname, join, resolve } from 'node:path'
import { after, describe, test } from 'node:test'
import { build, type Plugin } from 'esbuild'
import {
  bundleEntries,
  bundleOptions,
  declaredExports,
  oneCoreChunk,
  PARTIAL_CORE_USERS,
  SERVER_SIGN_IN_PATH,
  withoutNodeCrypto,
} from '../../scripts/build.js'

const STATIC_IMPORT = /(?:^|[;\n])\s*(?:import|export)\s*(?:[^'";]*?from\s*)?["']([^"']+)["']/g

/** The files a static import of `entry` loads, and the packages they import. */
function staticGraph(entry: string): { files: string[]; packages: Set<string> } {
  const files: string[] = []
  const packages = new Set<string>()
  const visit = (file: string) => {
    if (files.includes(file)) return
    files.push(file)
    for (const [, specifier] of readFileSync(file, 'utf8').matchAll(STATIC_IMPORT)) {
      if (specifier?.startsWith('.')) visit(resolve(dirname(file), specifier))
      else if (specifier !== undefined) packages.add(specifier)
    }
  }
  visit(entry)
  return { files, packages }
}

/** Bundles a page's entry as a user's esbuild does: split, each lazily loaded part a chunk. */
async function bundleAsAPage(entry: string, outdir: string): Promise<void> {
  await build({
    entryPoints: [entry],
    bundle: true,
    splitting: true,
    format: 'esm',
    outdir,
    packages: 'external',
  })
}

describe('the published main entry', () => {
  const dir = mkdtempSync(join(tmpdir(), 'oidc-rp-build-'))
  after(() => rmSync(dir, { recursive: true, force: true }))

  for (const withoutNode of [false, true]) {
    test(`loads the core as one chunk, and no jose or oauth4webapi (${withoutNode ? 'pages and workers' : 'Node'})`, async () => {
      const out = join(dir, withoutNode ? 'no-node' : 'node')
      const { files, packages } = staticGraph(await bundleEntries(out, { withoutNode }))
      // the entry, the core, the features, the error classes every entry shares, the install call;
      // for pages also the policy's parameter rules, which the features share with the lazily
      // loaded merge (in Node the merge is static, so they are in the core), the checks the core
      // shares with a page's lean sign-in (oidc-rp/browser), which does not load the core, and the
      // checks of the claims parameter, which that sign-in loads on first use
      const most = withoutNode ? 8 : 5
      assert.ok(files.length <= most, `${files.length} modules: ${files.join(', ')}`)
      assert.deepEqual([...packages], [])
    })
  }

  test("the build for Node loads a server sign-in's cookie binding with the core; pages load it on first use", async () => {
    const text = 'the browser-binding cookie does not belong to this sign-in'
    const loadedAtImport = async (withoutNode: boolean) => {
      const out = join(dir, withoutNode ? 'binding-no-node' : 'binding-node')
      const { files } = staticGraph(await bundleEntries(out, { withoutNode }))
      return files.some((file) => readFileSync(file, 'utf8').includes(text))
    }
    assert.equal(await loadedAtImport(false), true)
    assert.equal(await loadedAtImport(true), false)
  })

  test("the Node build's static import of a server-path module names every value it exports", async () => {
    for (const path of SERVER_SIGN_IN_PATH) {
      const file = join(import.meta.dirname, '..', '..', 'src', path)
      const runtime = Object.keys(await import(file)).sort()
      assert.deepEqual(declaredExports(file).sort(), runtime, path)
    }
    // twin: a re-export the declaration scan cannot see is caught
    const dir2 = mkdtempSync(join(tmpdir(), 'oidc-rp-exports-'))
    const file = join(dir2, 'm.ts')
    writeFileSync(file, 'export function a() {}\nconst b = 1\nexport { b }\n')
    assert.notDeepEqual(declaredExports(file).sort(), Object.keys(await import(file)).sort())
    rmSync(dir2, { recursive: true, force: true })
  })

  test('twin: without the one-core-chunk plugin the core splits by which entry uses what', async () => {
    const out = join(dir, 'split')
    await build({ ...bundleOptions(out), plugins: [] })
    assert.ok(staticGraph(join(out, 'index.js')).files.length > 5)
  })
})

describe("a page's bundle of the published browser build", () => {
  const dir = mkdtempSync(join(tmpdir(), 'oidc-rp-page-'))
  after(() => rmSync(dir, { recursive: true, force: true }))
  /** Text only each of them has: the cookie binding, the merge, error reading, redaction. */
  const LAZY = {
    'cookie binding': 'the browser-binding cookie does not belong to this sign-in',
    'parameter merge': 'is not a parameter the policy names',
    'OAuth error reading': 'insufficient_scope',
    redaction: "[-_.!~*'()]|%20",
  }

  test('leaves the cookie binding, the merge, error reading and redaction to chunks loaded on first use', async () => {
    const dist = join(dir, 'dist')
    await bundleEntries(dist, { withoutNode: true })
    const entry = join(dir, 'page.js')
    writeFileSync(
      entry,
      `import { discover, createAuthorizationRequest, handleCallback } from ${JSON.stringify(join(dist, 'core.js'))}
import { createWebStorageTransactionStore } from ${JSON.stringify(join(dist, 'browser', 'index.js'))}
export const page = [discover, createAuthorizationRequest, handleCallback, createWebStorageTransactionStore]
`,
    )
    const out = join(dir, 'page')
    await bundleAsAPage(entry, out)
    const initial = staticGraph(join(out, 'page.js')).files.map((f) => readFileSync(f, 'utf8'))
    // the page, the core, the checks the core shares with oidc-rp/browser's own sign-in, and the
    // claims parameter's, which that sign-in loads on first use
    assert.ok(initial.length <= 4, `${initial.length} files at load: the core was split`)
    for (const [part, text] of Object.entries(LAZY)) {
      assert.ok(!initial.some((code) => code.includes(text)), `${part} is loaded with the page`)
    }
    // twin: both are in the bundle, in the chunks the page loads when it needs them
    const all = readdirSync(out, { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.js'))
      .map((f) => readFileSync(join(out, f), 'utf8'))
    for (const [part, text] of Object.entries(LAZY)) {
      assert.ok(
        all.some((code) => code.includes(text)),
        `${part} is not in the bundle`,
      )
    }
  })
})

describe("a page's bundle of its own sign-in (oidc-rp/browser)", () => {
  const dir = mkdtempSync(join(tmpdir(), 'oidc-rp-lean-'))
  after(() => rmSync(dir, { recursive: true, force: true }))

  /** Bundles a page importing `names` from the published browser build, as a user's esbuild does. */
  async function pageBundle(name: string, names: string, plugins?: Plugin[]) {
    const dist = join(dir, `dist-${name}`)
    const options = bundleOptions(dist, { withoutNode: true })
    await build(plugins === undefined ? options : { ...options, plugins })
    const entry = join(dir, `${name}.js`)
    const browser = JSON.stringify(join(dist, 'browser', 'index.js'))
    writeFileSync(entry, `import { ${names} } from ${browser}\nexport const page = [${names}]\n`)
    const out = join(dir, `out-${name}`)
    await bundleAsAPage(entry, out)
    return staticGraph(join(out, `${name}.js`)).files
  }

  const SIGN_IN = 'discover, createAuthorizationRequest, handleCallback, fetchUserInfo'

  test('is one file: no module the page loads is shared with a lazily loaded one', async () => {
    // esbuild splits out, as a chunk of its own, whatever a page shares with a lazily loaded
    // module it could load: a file more to fetch, and gzip's overhead twice
    const files = await pageBundle(
      'lean',
      `${SIGN_IN}, createBrowserSession, createEndSessionRequest`,
    )
    assert.deepEqual(
      files.map((f) => basename(f)),
      ['lean.js'],
    )
  })

  test('twin: with the bare import of the core in the lazily loaded modules that import nothing, it splits', async () => {
    const users = [...PARTIAL_CORE_USERS, 'lib/redact.ts', 'lib/error-response.ts']
    const files = await pageBundle('split', SIGN_IN, [oneCoreChunk(users), withoutNodeCrypto])
    assert.ok(files.length > 1, `${files.length} file`)
  })
})
