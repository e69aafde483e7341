import { defineConfig } from "vitest/config";

/**
 * The replicator's tests, in Node. The end-to-end ones start a real local relay (wrangler's
 * unstable_startWorker), so files run one at a time and timeouts are generous. The global
 * setup generates the Prisma clients the adapter suite uses (they are not committed).
 */
export default defineConfig({
  test: {
    name: "replicator",
    include: ["test/**/*.test.ts"],
    environment: "node",
    fileParallelism: false,
    globalSetup: ["test/support/global-setup.ts"],
    testTimeout: 180_000,
    hookTimeout: 120_000,
  },
});
