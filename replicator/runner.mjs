#!/usr/bin/env node
/**
 * Runs the replicator as a long-lived worker: the relay workspace's entities are kept in a
 * SQLite database, with the offset in the same file. Configure with environment variables:
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
 * key, a deleted workspace, a failing database): fix it, and the next start resumes.
 */
import { register } from "node:module";

register("./ts-resolve.mjs", import.meta.url);
const { runBridge, sqliteAdapter, sqliteOffsetStore } = await import("./index.ts");

function setting(name, fallback) {
  const value = process.env[name] ?? fallback;
  if (value === undefined || value === "") {
    console.error(`replicator: set ${name}`);
    process.exit(2);
  }
  return value;
}

const database = setting("REPLICA_DB", "replica.sqlite");
const workspaceId = setting("RELAY_WORKSPACE");
const adapter = sqliteAdapter({ path: database });
const offsetStore = sqliteOffsetStore({ path: database });
const controller = new AbortController();
for (const signal of ["SIGINT", "SIGTERM"]) process.once(signal, () => controller.abort());

const log = (message) => console.log(`${new Date().toISOString()} replicator[${workspaceId}] ${message}`);

const exit = await runBridge({
  relayUrl: setting("RELAY_URL"),
  workspaceId,
  readKey: setting("RELAY_READ_KEY"),
  adapter,
  offsetStore,
  consumer: setting("RELAY_CONSUMER", "replicator"),
  eventsPerBatch: Number(setting("RELAY_EVENTS_PER_BATCH", "100")),
  transport: setting("RELAY_TRANSPORT", "auto"),
  waitFn: process.env.RELAY_ONCE === "true" ? () => false : undefined,
  signal: controller.signal,
  onBatchProcessed: ({ events, offset, head, transport }) =>
    log(`applied ${events.length} events through version ${offset} (head ${head}, ${transport})`),
  onExit: (result) =>
    log(`stopped: ${result.reason} at version ${result.offset}${result.error ? ` — ${result.error.message}` : ""}`),
});
adapter.close();
offsetStore.close();
process.exitCode = exit.reason === "fatal" ? 1 : 0;
