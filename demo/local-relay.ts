import { resolve } from "node:path";

const CONFIG_PATH = resolve(import.meta.dirname, "../wrangler.toml");

export type RunningWorker = { url: string; dispose(): Promise<void> };

/**
 * Starts the relay from the repository's wrangler.toml as `wrangler dev` does (local Durable
 * Objects, queues and storage under `persistDir`), on 127.0.0.1 only, with the inspector off.
 * `vars` override wrangler.toml. Shared by `npm run demo` and the end-to-end tests.
 */
export async function startLocalWorker(options: { persistDir: string; port: number; vars: Record<string, string> }): Promise<RunningWorker> {
  // Set before wrangler reads them: no telemetry, no download of the Request.cf object.
  process.env.WRANGLER_SEND_METRICS = "false";
  process.env.CLOUDFLARE_CF_FETCH_ENABLED = "false";
  // wrangler checks `[secrets] required` against the environment before bindings apply.
  if (options.vars.RELAY_ADMIN_TOKEN) process.env.RELAY_ADMIN_TOKEN ??= options.vars.RELAY_ADMIN_TOKEN;
  const { unstable_startWorker } = await import("wrangler");
  const worker = await unstable_startWorker({
    config: CONFIG_PATH,
    bindings: Object.fromEntries(
      Object.entries(options.vars).map(([name, value]) => [name, { type: "plain_text" as const, value }]),
    ),
    dev: {
      inspector: false,
      persist: options.persistDir,
      watch: false,
      logLevel: "warn",
      server: { hostname: "127.0.0.1", port: options.port },
    },
  });
  await worker.ready;
  return { url: (await worker.url).origin, dispose: () => worker.dispose() };
}
