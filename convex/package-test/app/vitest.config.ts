import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    environment: "node",
    // convex-test reads `import.meta.glob`, which only exists once Vite has transformed it.
    server: { deps: { inline: ["convex-test"] } },
    testTimeout: 120_000,
    hookTimeout: 60_000,
  },
});
