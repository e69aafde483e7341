import { readdirSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import type { Plugin } from "esbuild";
import { defineConfig, type Options } from "tsup";

/**
 * Builds `dist/` for `npm pack` (see README, "How the package is built"):
 *
 * - One JS file per source module, in the source layout. A Convex component's function paths
 *   are its module paths, so `dist/component/` must hold `outbox.js`, `lib/send.js`… exactly
 *   as `component/` holds them. Imports between the package's own modules stay imports (with
 *   `.js` added, as Node's ESM loader needs); only code from outside the package (the relay's
 *   contract schemas and signing code in `../src`) is bundled in, so nothing is copied by
 *   hand and no import leaves the package. `convex` and `zod` stay external: they are peer
 *   dependencies, resolved from the app, so the app has one copy of each.
 * - `.d.ts` for the entry points an app imports (the client, `convex.config`,
 *   `_generated/component` and `test`), with the shared contract types inlined.
 * - `test.js` without Vite: the `import.meta.glob` of the component's sources becomes a
 *   static map of `dist/component` modules, so convex-test can load them from node_modules.
 */

const root = dirname(fileURLToPath(import.meta.url));
const external = ["convex", "zod", "convex-test"];

function sourceFiles(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts") && !entry.name.endsWith(".d.ts"))
    .map((entry) => relative(root, join(entry.parentPath, entry.name)).split(sep).join("/"))
    .sort();
}

const componentModules = sourceFiles("component");
const moduleFiles = [...componentModules, ...sourceFiles("client"), ...sourceFiles("shared")];

const isInsidePackage = (path: string) => {
  const fromRoot = relative(root, path);
  return !fromRoot.startsWith("..") && !fromRoot.startsWith(`node_modules${sep}`) && !fromRoot.startsWith(`dist${sep}`);
};

/** Keeps imports between the package's modules as imports; lets esbuild bundle the rest. */
const keepPackageImports: Plugin = {
  name: "keep-package-imports",
  setup(build) {
    build.onResolve({ filter: /^\.\.?\// }, (args) => {
      const target = resolve(args.resolveDir, args.path);
      if (args.kind === "entry-point" || !isInsidePackage(args.importer) || !isInsidePackage(target)) return undefined;
      return { path: args.path.endsWith(".js") ? args.path : `${args.path}.js`, external: true };
    });
  },
};

/** `import.meta.glob([...component sources])` in test.ts → the built component modules. */
const staticTestModules: Plugin = {
  name: "static-test-modules",
  setup(build) {
    build.onLoad({ filter: /[\\/]convex[\\/]test\.ts$/ }, async (args) => {
      const { readFile } = await import("node:fs/promises");
      const source = await readFile(args.path, "utf8");
      const entries = componentModules
        .map((file) => `  "./${file.replace(/\.ts$/, ".js")}": () => import("./${file.replace(/\.ts$/, ".js")}"),`)
        .join("\n");
      const replaced = source.replace(/import\.meta\.glob\(\[[^\]]*\]\)/, `{\n${entries}\n}`);
      if (replaced === source) throw new Error("test.ts: the import.meta.glob of the component was not found");
      return { contents: replaced, loader: "ts" };
    });
  },
};

const common: Options = {
  format: "esm",
  target: "es2022",
  platform: "neutral",
  outDir: "dist",
  external,
  splitting: false,
  sourcemap: false,
  silent: true,
  tsconfig: "tsconfig.build.json",
};

export default defineConfig([
  {
    ...common,
    entry: [...moduleFiles, "test.ts"],
    bundle: true,
    clean: true,
    esbuildPlugins: [staticTestModules, keepPackageImports],
  },
  {
    ...common,
    entry: ["client/index.ts", "component/convex.config.ts", "component/_generated/component.ts", "test.ts"],
    dts: { only: true },
  },
]);
