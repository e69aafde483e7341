import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

export default defineConfig({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: "../../wrangler.toml" },
      miniflare: {
        bindings: {
          RELAY_ADMIN_TOKEN: "test-admin-token",
          RELAY_ALLOW_INSECURE_DESTINATIONS: "true",
          RELAY_RETRY_SCHEDULE: "1,1,2",
        },
      },
    }),
  ],
  test: { name: "worker", include: ["**/*.test.ts"] },
});
