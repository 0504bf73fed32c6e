/**
 * Metric 5: bundle size, as a user's bundler ships the sign-in path of a browser application.
 *
 * Each entry (bench/entries/: discovery, the authorization URL with PKCE, the code callback with
 * the ID token's signature verified, UserInfo) is bundled by esbuild `--bundle --minify
 * --format=esm --platform=browser --splitting`, Node built-ins refused. oidc-rp is what a user's
 * bundler meets: the package's published `browser` build (`dist/no-node`, built here as `npm run
 * build` builds it; the entry's imports of src/ are pointed at it). It is split as Vite or webpack
 * would split it: what is imported statically is the page's initial code, each dynamic `import()` a
 * chunk loaded when first used. The path is then run once in a child process
 * (bench/metrics/bundle-child.ts, Node's crypto hidden, a canned `fetch`) to learn which chunks it
 * really loads. Counted: every file the path loads, each gzipped (level 9) as a server sends it.
 * An entry that cannot run outside a browser (oidc-client-ts) is counted whole. The single-file
 * bundle (no splitting) is shown beside it.
 */
import { spawn } from 'node:child_process'
import { mkdir, rm, writeFile } from 'node:fs/promises'
import { basename, join, relative } from 'node:path'
import { gzipSync } from 'node:zlib'
import { type BuildOptions, build, type Metafile, type Plugin } from 'esbuild'
import ts from 'typescript'
import { bundleEntries, NO_NODE_ENTRIES, withoutNodeCrypto } from '../../scripts/build.js'
import { CACHE, ROOT } from '../lib/build.js'
import { prepareChild } from '../lib/op-context.js'

/** One contender's bundle. */
export interface BundleResult {
  readonly name: string
  /** Minified bytes of the files the path loads. */
  readonly minifiedBytes: number
  /** gzip bytes of the files the path loads, each compressed on its own. */
  readonly gzipBytes: number
  /** gzip bytes over the reference's. */
  readonly ratio: number
  /** gzip bytes of the whole entry as one file (no splitting, every lazy part inlined). */
  readonly singleFileGzipBytes: number
  /** Files the path loads, and the lazily loaded ones it does not (with their minified bytes). */
  readonly files: readonly { name: string; bytes: number; gzip: number; loaded: boolean }[]
  /** Whether the loaded files come from running the path (else every file is counted). */
  readonly ran: boolean
  /** Minified bytes by package (`oidc-rp (src)` for ours) in the files the path loads. */
  readonly inputs: Readonly<Record<string, number>>
  /** Minified bytes by source module in the files the path loads, largest first. */
  readonly modules: readonly { module: string; bytes: number }[]
  /** Inputs that must not be there (mock OP, logout, sessions, Redis). */
  readonly forbidden: readonly string[]
  /**
   * gzip bytes of the files the path loads with every string and template text emptied: what
   * the code weighs without a word of its messages (or of any other string).
   */
  readonly textFreeGzipBytes: number
}

export const BUNDLE_REFERENCE = 'openid-client'

/** An entry to bundle: its file, and how the child runs it (`undefined`: counted whole). */
interface BundleContender {
  readonly name: string
  readonly entry: string
  readonly run: 'oidc-rp' | 'openid-client' | undefined
}

const entry = (file: string) => join(ROOT, 'bench', 'entries', file)
const CONTENDERS: readonly BundleContender[] = [
  { name: 'oidc-rp', entry: entry('oidc-rp.ts'), run: 'oidc-rp' },
  { name: BUNDLE_REFERENCE, entry: entry('openid-client.ts'), run: 'openid-client' },
  { name: 'oidc-client-ts', entry: entry('oidc-client-ts.ts'), run: undefined },
]

const noNodeBuiltins: Plugin = {
  name: 'no-node-builtins',
  setup(b) {
    b.onResolve({ filter: /^node:/ }, (args) => ({
      errors: [{ text: `Node built-in "${args.path}" imported by ${args.importer}` }],
    }))
  },
}

/**
 * Points an entry's imports of the SDK's package entries in src/ at the published browser build.
 * @param dist - where the build for pages and workers was written
 * @returns the plugin
 */
function publishedBuild(dist: string): Plugin {
  const entries = new Map<string, string>(
    NO_NODE_ENTRIES.map((entry) => [join(ROOT, 'src', entry), entry.replace(/\.ts$/, '.js')]),
  )
  return {
    name: 'published-build',
    setup(b) {
      b.onResolve({ filter: /\/src\// }, (args) => {
        const entry = entries.get(join(args.resolveDir, args.path).replace(/\.js$/, '.ts'))
        return entry === undefined ? undefined : { path: join(dist, entry) }
      })
    },
  }
}

const FORBIDDEN = /src\/(testing|logout|sessions)|src\/stores\/redis/
/** The line each chunk gets for the child's run: records that it was evaluated. */
const RECORD = 'globalThis.__bundleLoaded?.push(import.meta.url);\n'

const gzip = (code: Uint8Array | string) => gzipSync(code, { level: 9 }).byteLength

/**
 * The code with the text of every string literal and template emptied, expressions kept.
 * @param code - minified JavaScript
 * @returns the same code without its text
 */
export function withoutText(code: string): string {
  const source = ts.createSourceFile('x.js', code, ts.ScriptTarget.Latest, false, ts.ScriptKind.JS)
  const edits: { start: number; end: number; text: string }[] = []
  const visit = (node: ts.Node): void => {
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) {
      edits.push({ start: node.getStart(source), end: node.end, text: '""' })
      return
    }
    if (ts.isTemplateExpression(node)) {
      const spans = node.templateSpans.map((span) => `\${${span.expression.getText(source)}}`)
      edits.push({ start: node.getStart(source), end: node.end, text: `\`${spans.join('')}\`` })
      return
    }
    ts.forEachChild(node, visit)
  }
  visit(source)
  let out = ''
  let at = 0
  for (const edit of edits) {
    out += code.slice(at, edit.start) + edit.text
    at = edit.end
  }
  return out + code.slice(at)
}

/** A source path as the tables show it: `jose/…`, `oauth4webapi`, or `src/…`. */
function moduleName(path: string): string {
  return path
    .replace(/^node_modules\/jose\/dist\/webapi\//, 'jose/')
    .replace(/^node_modules\/([^/]+)\/.*$/, '$1')
    .replace(/^node_modules\/(@[^/]+\/[^/]+)\/.*$/, '$1')
}

/** Runs the path in a child; resolves the names of the files it evaluated. */
function runPath(script: string, kind: string, entry: string, context: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [script, kind, entry, context], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    let err = ''
    proc.stdout.on('data', (d: Buffer) => {
      out += d
    })
    proc.stderr.on('data', (d: Buffer) => {
      err += d
    })
    proc.once('error', reject)
    proc.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`bundle path of ${kind} failed: ${err.slice(-2000)}`))
      resolve((JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as { loaded: string[] }).loaded)
    })
  })
}

/** What a user's bundler does for a page: minified ESM, the package's `browser` build. */
const FOR_A_PAGE = {
  bundle: true,
  minify: true,
  format: 'esm',
  platform: 'browser',
  write: false,
  logLevel: 'warning',
  plugins: [noNodeBuiltins, withoutNodeCrypto],
} satisfies BuildOptions

async function singleFileGzip(entry: string, sdk: Plugin | undefined): Promise<number> {
  const plugins = sdk === undefined ? FOR_A_PAGE.plugins : [sdk, ...FOR_A_PAGE.plugins]
  const out = await build({ ...FOR_A_PAGE, plugins, entryPoints: [entry] })
  return gzip(out.outputFiles[0]!.contents)
}

async function bundle(
  contender: BundleContender,
  child: { script: string; context: string },
  sdk?: Plugin,
): Promise<Omit<BundleResult, 'ratio'>> {
  const { entry } = contender
  const outdir = join(CACHE, 'bundle', `${contender.name}${sdk === undefined ? '' : '-published'}`)
  await rm(outdir, { recursive: true, force: true })
  const out = await build({
    ...FOR_A_PAGE,
    plugins: sdk === undefined ? FOR_A_PAGE.plugins : [sdk, ...FOR_A_PAGE.plugins],
    entryPoints: [entry],
    splitting: true,
    outdir,
    metafile: true,
  })
  const outputs: Metafile['outputs'] = out.metafile.outputs
  // the run copy: each chunk records its evaluation
  await mkdir(outdir, { recursive: true })
  for (const file of out.outputFiles) {
    await writeFile(file.path, RECORD + Buffer.from(file.contents).toString('utf8'))
  }
  const entryFile = out.outputFiles.find((f) => basename(f.path) === basename(entry, '.ts') + '.js')
  const loaded = contender.run
    ? new Set(await runPath(child.script, contender.run, entryFile!.path, child.context))
    : undefined
  const files: { name: string; bytes: number; gzip: number; loaded: boolean }[] = []
  const inputs: Record<string, number> = {}
  const modules: Record<string, number> = {}
  const forbidden: string[] = []
  for (const file of out.outputFiles) {
    const name = basename(file.path)
    const isLoaded = loaded === undefined || loaded.has(name)
    files.push({
      name,
      bytes: file.contents.byteLength,
      gzip: gzip(file.contents),
      loaded: isLoaded,
    })
    if (!isLoaded) continue
    const meta = Object.entries(outputs).find(([path]) => basename(path) === name)?.[1]
    for (const [path, { bytesInOutput }] of Object.entries(meta?.inputs ?? {})) {
      const source = relative(ROOT, join(ROOT, path))
      const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(source)?.[1] ?? source
      const group = pkg.startsWith('src/') ? 'oidc-rp (src)' : pkg
      inputs[group] = (inputs[group] ?? 0) + bytesInOutput
      const module = moduleName(source)
      modules[module] = (modules[module] ?? 0) + bytesInOutput
      if (FORBIDDEN.test(source) && bytesInOutput > 0) forbidden.push(source)
    }
  }
  const shipped = files.filter((f) => f.loaded)
  return {
    name: contender.name,
    minifiedBytes: shipped.reduce((sum, f) => sum + f.bytes, 0),
    gzipBytes: shipped.reduce((sum, f) => sum + f.gzip, 0),
    textFreeGzipBytes: out.outputFiles
      .filter((f) => loaded === undefined || loaded.has(basename(f.path)))
      .reduce((sum, f) => sum + gzip(withoutText(f.text)), 0),
    singleFileGzipBytes: await singleFileGzip(entry, sdk),
    files: files.sort((a, b) => Number(b.loaded) - Number(a.loaded) || b.bytes - a.bytes),
    ran: loaded !== undefined,
    inputs,
    modules: Object.entries(modules)
      .map(([module, bytes]) => ({ module, bytes }))
      .filter((m) => m.bytes > 0)
      .sort((a, b) => b.bytes - a.bytes),
    forbidden,
  }
}

/**
 * Bundles every entry and measures what its path loads.
 * @returns the SDK's, openid-client's and oidc-client-ts's bundle sizes
 */
export async function runBundles(): Promise<BundleResult[]> {
  const child = await prepareChild('bundle')
  const published = await publishBrowserBuild()
  const results: Omit<BundleResult, 'ratio'>[] = []
  for (const contender of CONTENDERS) {
    if (contender.name !== 'oidc-rp') {
      results.push(await bundle(contender, child))
      continue
    }
    // What a page ships comes from the published build; where its bytes go, from the same path
    // bundled from src/ (the published chunks do not name their source modules).
    const shipped = await bundle(contender, child, publishedBuild(published))
    const sources = await bundle(contender, child)
    results.push({
      ...shipped,
      inputs: sources.inputs,
      modules: sources.modules,
      forbidden: sources.forbidden,
    })
  }
  const reference = results.find((r) => r.name === BUNDLE_REFERENCE)!
  return results.map((r) => ({ ...r, ratio: r.gzipBytes / reference.gzipBytes }))
}

/** Builds the package's browser build (`dist/no-node`) as `npm run build` does, into the cache. */
async function publishBrowserBuild(): Promise<string> {
  const published = join(CACHE, 'published-browser')
  await rm(published, { recursive: true, force: true })
  await bundleEntries(published, { withoutNode: true })
  return published
}

/**
 * Measures a page's entry of oidc-rp's as {@link runBundles} measures the bench's: bundled from the
 * published browser build, its path run to learn which files it loads.
 * @param name - its name in the result
 * @param file - the entry, with the exports of bench/entries/oidc-rp.ts
 * @returns its bundle (no ratio, no module table)
 */
export async function measurePageEntry(
  name: string,
  file: string,
): Promise<Omit<BundleResult, 'ratio'>> {
  const child = await prepareChild('bundle')
  const published = await publishBrowserBuild()
  return bundle({ name, entry: file, run: 'oidc-rp' }, child, publishedBuild(published))
}
