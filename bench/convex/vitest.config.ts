import { defineConfig } from "vitest/config";

/** Runs the Convex outbox measurement (convex-test needs Vite); see `benchmark.ts`. */
export default defineConfig({
  test: {
    name: "convex-bench",
    root: new URL("../..", import.meta.url).pathname,
    include: ["convex/testing/outbox-throughput.measure.ts"],
    environment: "node",
    server: { deps: { inline: ["convex-test"] } },
    testTimeout: 600_000,
  },
});
