import { defineConfig } from "vitest/config";

/**
 * The Convex component, its client and the example app, under convex-test in Node.
 * Node (not edge-runtime) because the dispatcher's tests run real HTTP servers on 127.0.0.1.
 */
export default defineConfig({
  test: {
    name: "convex",
    environment: "node",
    include: ["**/*.test.ts"],
    // The fresh app is tested from its own folder, against the packed tarball (tests/e2e).
    exclude: ["**/node_modules/**", "dist/**", "package-test/app/**"],
    // convex-test reads `import.meta.glob`, which only exists once Vite has transformed it.
    server: { deps: { inline: ["convex-test"] } },
    // Dispatch tests wait on real timers and sockets; the machine is small and shared.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
