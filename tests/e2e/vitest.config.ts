import { defineConfig } from "vitest/config";

/**
 * End-to-end tests in Node against a real local relay (wrangler's unstable_startWorker) and
 * real HTTP receivers on 127.0.0.1. Files run one at a time: each starts its own workerd.
 */
export default defineConfig({
  test: {
    name: "e2e",
    include: ["**/*.test.ts"],
    environment: "node",
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 120_000,
    // The Convex end-to-end test runs the example app under convex-test, which reads
    // `import.meta.glob`: only there once Vite has transformed it.
    server: { deps: { inline: ["convex-test"] } },
  },
});
