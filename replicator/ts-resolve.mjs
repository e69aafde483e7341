/**
 * A Node module resolve hook (see `node:module` register). The replicator imports the relay's
 * shared TypeScript modules (contract schemas, signing), which import their siblings without
 * an extension, as bundlers allow. Node's own type stripping (Node ≥ 22.18) runs the files;
 * this hook only adds the missing `.ts` when such an import does not resolve as written.
 */
export async function resolve(specifier, context, nextResolve) {
  try {
    return await nextResolve(specifier, context);
  } catch (error) {
    const relative = specifier.startsWith("./") || specifier.startsWith("../");
    const fromTypeScript = context.parentURL?.endsWith(".ts") ?? false;
    if (error?.code === "ERR_MODULE_NOT_FOUND" && relative && fromTypeScript && !/\.[cm]?[jt]s$/.test(specifier)) {
      return nextResolve(`${specifier}.ts`, context);
    }
    throw error;
  }
}
