import { defineConfig } from "vitest/config";

/**
 * The operator console in a real headless Chromium (Debian's `chromium`, driven by
 * playwright-core) against a real local relay and real receivers. One file at a time: each
 * starts its own workerd and browser.
 */
export default defineConfig({
  test: {
    name: "browser",
    include: ["**/*.test.ts"],
    environment: "node",
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 180_000,
  },
});
