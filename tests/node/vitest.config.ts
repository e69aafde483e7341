import { defineConfig } from "vitest/config";

/** Tests that run in Node: signing interop with independent Standard Webhooks libraries, and the CLI. */
export default defineConfig({
  test: {
    name: "node",
    environment: "node",
    include: ["**/*.test.ts"],
  },
});
