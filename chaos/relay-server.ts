/**
 * The relay as its own OS process, so that the chaos run can SIGKILL it (and the workerd it
 * spawns, which shares its process group) like a crashed machine, then start it again on the
 * same state and port. It starts the Worker from the repository's wrangler.toml as `wrangler
 * dev` would, with local Durable Objects and queues persisted in CHAOS_PERSIST_DIR, on
 * 127.0.0.1:CHAOS_PORT, and prints one `ready` line on stdout. Vars come as CHAOS_VARS (JSON).
 */
import { resolve } from "node:path";

// Set before wrangler reads them: no telemetry, no download of the Request.cf object.
process.env.WRANGLER_SEND_METRICS = "false";
process.env.CLOUDFLARE_CF_FETCH_ENABLED = "false";

const persist = required("CHAOS_PERSIST_DIR");
const port = Number(required("CHAOS_PORT"));
const vars = JSON.parse(required("CHAOS_VARS")) as Record<string, string>;
// wrangler checks `[secrets] required` against the environment before bindings apply.
process.env.RELAY_ADMIN_TOKEN ??= vars.RELAY_ADMIN_TOKEN;

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

const { unstable_startWorker } = await import("wrangler");
const worker = await unstable_startWorker({
  config: resolve(import.meta.dirname, "../wrangler.toml"),
  bindings: Object.fromEntries(Object.entries(vars).map(([name, value]) => [name, { type: "plain_text" as const, value }])),
  dev: {
    inspector: false,
    persist,
    watch: false,
    logLevel: "warn",
    server: { hostname: "127.0.0.1", port },
  },
});
await worker.ready;
const url = (await worker.url).origin;
process.stdout.write(`${JSON.stringify({ ready: url })}\n`);

// A clean stop is only for the end of a run; the kills under test are SIGKILLs from outside.
process.on("SIGTERM", () => {
  void worker.dispose().finally(() => process.exit(0));
});
