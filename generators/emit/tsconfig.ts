/**
 * The tsconfig of every TypeScript project brokerplate generates (the root project and infra/):
 * Node runs their .ts files itself (type stripping, Node >= 22.18), so tsc only checks — erasable
 * syntax and explicit `.ts` import extensions, no emit.
 */
export function nodeTsConfig(include: readonly string[], exclude?: readonly string[]): object {
  return {
    compilerOptions: {
      target: 'ES2023',
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      lib: ['ES2023'],
      types: ['node'],
      strict: true,
      noUncheckedIndexedAccess: true,
      skipLibCheck: true,
      noEmit: true,
      allowImportingTsExtensions: true,
      verbatimModuleSyntax: true,
      erasableSyntaxOnly: true,
    },
    include: [...include],
    ...(exclude && { exclude: [...exclude] }),
  };
}
