/**
 * Which exported types of a package's entry points no exported value uses: starting from every
 * exported function, class and constant, follows the names their signatures mention (function
 * bodies excluded) to the exported types, and on through those types' own declarations.
 */
import ts from 'typescript'

/**
 * The exported types that no exported value's signature reaches.
 * @param entries - the entry-point files
 * @returns the unreached type names, each with its entry point
 */
export function unusedPublicTypes(entries: readonly string[]): string[] {
  const program = ts.createProgram([...entries], {
    strict: true,
    noEmit: true,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
  })
  const checker = program.getTypeChecker()
  const exported = new Map<string, { entry: string; isValue: boolean; text: string }>()
  for (const entry of entries) {
    const file = program.getSourceFile(entry)
    const module = file === undefined ? undefined : checker.getSymbolAtLocation(file)
    if (module === undefined) throw new Error(`${entry} is not a module`)
    for (const alias of checker.getExportsOfModule(module)) {
      const symbol = alias.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(alias) : alias
      const text = (symbol.getDeclarations() ?? []).map(signatureText).join('\n')
      const isValue = (symbol.flags & ts.SymbolFlags.Value) !== 0
      // A name two entries export (`discover` of the core and of a page) is one word: both count.
      const same = exported.get(alias.getName())
      exported.set(
        alias.getName(),
        same === undefined
          ? { entry, isValue, text }
          : { entry: same.entry, isValue: same.isValue || isValue, text: `${same.text}\n${text}` },
      )
    }
  }
  const reached = new Set<string>()
  const queue = [...exported].filter(([, e]) => e.isValue).map(([name]) => name)
  for (let name = queue.pop(); name !== undefined; name = queue.pop()) {
    if (reached.has(name)) continue
    reached.add(name)
    const words = new Set(exported.get(name)?.text.match(/[A-Za-z_$][\w$]*/g))
    for (const other of exported.keys())
      if (!reached.has(other) && words.has(other)) queue.push(other)
  }
  return [...exported]
    .filter(([name]) => !reached.has(name))
    .map(([name, e]) => `${e.entry}: ${name}`)
}

/** A declaration's text without its TSDoc and, for a function, without its body. */
function signatureText(node: ts.Declaration): string {
  const text = node.getText()
  if (ts.isFunctionDeclaration(node) && node.body !== undefined) {
    return text.slice(0, node.body.getStart() - node.getStart())
  }
  return text
}
