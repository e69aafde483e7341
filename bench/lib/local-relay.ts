import { join } from "node:path";
import { startLocalWorker, type LocalWorker } from "./local-worker.ts";
import { relayAdmin, type RelayAdmin } from "./relay-admin.ts";

const ROOT = join(import.meta.dirname, "..", "..");
const ADMIN_TOKEN = "bench-admin-token";

export type LocalRelay = { worker: LocalWorker; admin: RelayAdmin };

/**
 * The relay itself, from the repository's wrangler.toml, with a known admin token. Benchmarks
 * that make the relay call out (webhook subscribers on 127.0.0.1) allow insecure destinations,
 * as local development does; the ingest benchmark leaves the production setting.
 * `entrypoint` runs a variant module of the relay instead, with the relay's own wrangler.toml
 * (the fan-out benchmark's relays without the attempt log and without rate limiting), so a
 * variant can never drift from the relay's settings and bindings.
 */
export async function startLocalRelay(
  options: { allowInsecureDestinations?: boolean; name?: string; entrypoint?: string } = {},
): Promise<LocalRelay> {
  const worker = await startLocalWorker({
    name: options.name ?? "relay",
    configPath: join(ROOT, "wrangler.toml"),
    entrypoint: options.entrypoint,
    vars: {
      RELAY_ADMIN_TOKEN: ADMIN_TOKEN,
      ...(options.allowInsecureDestinations ? { RELAY_ALLOW_INSECURE_DESTINATIONS: "true" } : {}),
    },
  });
  return { worker, admin: relayAdmin(worker.url, ADMIN_TOKEN) };
}
