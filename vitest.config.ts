import { defineConfig } from "vitest/config";

/**
 * Each part of the project owns a Vitest project with its own config:
 * - tests/worker: inside workerd through the Cloudflare plugin (Worker, Durable Object, queues);
 * - tests/node: in Node (signing interop, end-to-end against a real local relay);
 * - convex: the Convex component under convex-test;
 * - replicator: the Node replicator;
 * - tests/browser: the operator console in headless Chromium against a real local relay.
 */
export default defineConfig({
  test: {
    projects: ["tests/*/vitest.config.ts", "{convex,replicator}/vitest.config.ts"],
  },
});
