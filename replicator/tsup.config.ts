import { defineConfig } from "tsup";

/**
 * Builds the published package into `dist/`: ES modules for Node plus bundled `.d.ts`.
 *
 * - One entry per public subpath (see `exports` in package.json). Each adapter that needs a
 *   database driver is its own entry, so importing one never loads another's driver.
 * - The relay's shared modules (`../src/contract`, `../src/signing`) are bundled in at build
 *   time; `dependencies` and `peerDependencies` (zod, the drivers) stay external, as tsup does
 *   for everything package.json lists.
 * - Code shared by several entries goes into chunks (`splitting`), so the package has one copy
 *   of the bridge however many subpaths an application imports.
 */
export const entries = {
  index: "index.ts",
  sqlite: "sqlite.ts",
  postgres: "postgres.ts",
  prisma: "prisma.ts",
  runner: "runner.ts",
};

export default defineConfig({
  entry: entries,
  format: ["esm"],
  platform: "node",
  target: "node22",
  outDir: "dist",
  clean: true,
  splitting: true,
  sourcemap: true,
  dts: { entry: { index: entries.index, sqlite: entries.sqlite, postgres: entries.postgres, prisma: entries.prisma } },
  tsconfig: "tsconfig.build.json",
  // tsup would turn "node:sqlite" into "sqlite", which Node resolves only with the prefix.
  removeNodeProtocol: false,
});
