#!/usr/bin/env node
/**
 * `relay-replicator`: runs the replicator as a long-lived worker. The relay workspace's
 * entities are kept in a SQLite database, with the offset in the same file. Configure it with
 * environment variables:
 *
 *   RELAY_URL               the relay, e.g. https://relay.example.com          (required)
 *   RELAY_WORKSPACE         the workspace id                                   (required)
 *   RELAY_READ_KEY          a read key (rk_…) of that workspace                (required)
 *   REPLICA_DB              SQLite file for entities and offsets   (default replica.sqlite)
 *   RELAY_CONSUMER          feed consumer name                     (default replicator)
 *   RELAY_EVENTS_PER_BATCH  events per adapter transaction, 1..1000 (default 100)
 *   RELAY_TRANSPORT         auto | websocket | poll                 (default auto)
 *   RELAY_ONCE              "true": catch up, then exit (cron / serverless jobs)
 *
 * SIGINT / SIGTERM stop it cleanly. Exit code 1 means an error retrying cannot fix (a revoked
 * key, a deleted workspace, a failing database): fix it, and the next start resumes. Exit code
 * 2 means a setting is missing or invalid.
 */
import { runBridge, type BridgeOptions } from "./index.ts";
import { sqliteAdapter, sqliteOffsetStore } from "./sqlite.ts";

function setting(name: string, fallback?: string): string {
  const value = process.env[name] ?? fallback;
  if (value === undefined || value === "") {
    console.error(`relay-replicator: set ${name}`);
    process.exit(2);
  }
  return value;
}

const TRANSPORTS = ["auto", "websocket", "poll"] as const;
function transportSetting(): NonNullable<BridgeOptions["transport"]> {
  const value = setting("RELAY_TRANSPORT", "auto");
  const known = TRANSPORTS.find((transport) => transport === value);
  if (!known) {
    console.error(`relay-replicator: RELAY_TRANSPORT must be one of ${TRANSPORTS.join(", ")}, not ${value}`);
    process.exit(2);
  }
  return known;
}

const database = setting("REPLICA_DB", "replica.sqlite");
const workspaceId = setting("RELAY_WORKSPACE");
const options = {
  relayUrl: setting("RELAY_URL"),
  workspaceId,
  readKey: setting("RELAY_READ_KEY"),
  consumer: setting("RELAY_CONSUMER", "replicator"),
  eventsPerBatch: Number(setting("RELAY_EVENTS_PER_BATCH", "100")),
  transport: transportSetting(),
};
const once = setting("RELAY_ONCE", "false") === "true";

const log = (message: string) => console.log(`${new Date().toISOString()} replicator[${workspaceId}] ${message}`);
const adapter = sqliteAdapter({ path: database });
const offsetStore = sqliteOffsetStore({ path: database });
const controller = new AbortController();
for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => controller.abort());

try {
  const exit = await runBridge({
    ...options,
    adapter,
    offsetStore,
    waitFn: once ? () => false : undefined,
    signal: controller.signal,
    onBatchProcessed: ({ events, offset, head, transport }) =>
      log(`applied ${events.length} events through version ${offset} (head ${head}, ${transport})`),
    onRetry: ({ error, failures, delayMs }) =>
      log(`retrying in ${(delayMs / 1000).toFixed(1)} s after ${failures} failure(s): ${error.message}`),
    onExit: (result) =>
      log(`stopped: ${result.reason} at version ${result.offset}${"error" in result ? ` — ${result.error.message}` : ""}`),
  });
  process.exitCode = exit.reason === "fatal" ? 1 : 0;
} catch (error) {
  // runBridge rejects only on invalid options.
  console.error(`relay-replicator: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 2;
} finally {
  adapter.close?.();
  offsetStore.close?.();
}
