/**
 * The layering rule of src/, bottom up: each layer imports only itself and the layers below it.
 * Read by test/architecture.test.ts (and, in its twin tests, applied to made-up trees).
 */

/** The layers, bottom up, with the files each holds (paths relative to src/). */
export const LAYERS: readonly {
  readonly name: string
  readonly holds: (path: string) => boolean
}[] = [
  {
    name: 'errors',
    holds: (p) => p === 'errors.ts' || p === 'error-codes.ts' || p === 'lib/json.ts',
  },
  { name: 'lib', holds: (p) => p.startsWith('lib/') },
  { name: 'storage', holds: (p) => p === 'storage.ts' || p.startsWith('stores/') },
  { name: 'config', holds: (p) => p.startsWith('config/') },
  {
    name: 'protocol',
    holds: (p) =>
      !p.startsWith('testing/') &&
      !p.startsWith('web/') &&
      !p.startsWith('browser/') &&
      !p.startsWith('registry/') &&
      !p.startsWith('features/') &&
      p !== 'core.ts' &&
      p !== 'index.ts',
  },
  { name: 'registry', holds: (p) => p.startsWith('registry/') },
  {
    name: 'entry',
    holds: (p) => p === 'index.ts' || p === 'core.ts' || p.startsWith('features/'),
  },
  { name: 'web', holds: (p) => p.startsWith('web/') },
  { name: 'browser', holds: (p) => p.startsWith('browser/') },
]

/** The index of a file's layer in {@link LAYERS}, or -1 for the mock OP (src/testing/). */
export function layerOf(path: string): number {
  if (path.startsWith('testing/')) return -1
  return LAYERS.findIndex((layer) => layer.holds(path))
}

/** The relative module specifiers a TypeScript source imports or re-exports (types included). */
export function importsOf(source: string): string[] {
  const found: string[] = []
  const pattern = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)'(\.{1,2}\/[^']+)'/g
  for (const match of source.matchAll(pattern)) found.push(match[1] as string)
  return found
}

/** Resolves a specifier found in `from` (both relative to src/) to the imported .ts path. */
export function resolveImport(from: string, specifier: string): string {
  const parts = from.split('/').slice(0, -1)
  for (const segment of specifier.split('/')) {
    if (segment === '..') parts.pop()
    else if (segment !== '.') parts.push(segment)
  }
  return parts.join('/').replace(/\.js$/, '.ts')
}

/** The code of a source without its comments (a TSDoc `@group Configuration` tag is not a use). */
function withoutComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '')
}

/**
 * Every breach of the layering rule in a tree of sources: an import of a higher layer, a `lib/`
 * file naming `Configuration`, the mock OP importing the SDK or the SDK importing the mock OP.
 * @param sources - file path relative to src/ → its text
 * @returns one line per breach, empty when the tree keeps the rule
 */
export function layerBreaches(sources: ReadonlyMap<string, string>): string[] {
  const breaches: string[] = []
  for (const [path, source] of sources) {
    const own = layerOf(path)
    if (path.startsWith('lib/') && /\bConfiguration\b/.test(withoutComments(source))) {
      breaches.push(`${path} mentions Configuration (lib/ takes plain values)`)
    }
    for (const specifier of importsOf(source)) {
      const target = resolveImport(path, specifier)
      const theirs = layerOf(target)
      if (own === -1 || theirs === -1) {
        if (own !== theirs)
          breaches.push(`${path} imports ${target} (testing/ and the SDK stay apart)`)
      } else if (theirs > own) {
        breaches.push(
          `${path} (${LAYERS[own]?.name}) imports ${target} (${LAYERS[theirs]?.name}, a higher layer)`,
        )
      } else if (
        own === 0 &&
        path !== target &&
        !(path === 'errors.ts' && (target === 'lib/json.ts' || target === 'error-codes.ts'))
      ) {
        breaches.push(`${path} imports ${target} (the bottom layer imports nothing)`)
      }
    }
  }
  return breaches
}
