// Module resolve hook for scripts/gen-api.mjs: openapi-typescript builds its output with the TypeScript 5 compiler
// API, which TypeScript 7 (the project's compiler, native) no longer has; "typescript" resolves to the typescript5 alias here.
export async function resolve(specifier, context, next) {
  return next(specifier === 'typescript' ? 'typescript5' : specifier, context);
}
