import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sqliteAdapter } from "../adapters/sqlite.ts";
import { sqliteOffsetStore } from "../storage/sqlite.ts";
import { createTestWorkspace, startRelay, type LocalRelay, type TestWorkspace } from "./support/local-relay.ts";
import { entityState, generateWorkload } from "./support/workload.ts";

/** `runner.mjs`, the replicator as a process (the adapters themselves: adapters.test.ts). */

let relay: LocalRelay;
let dir: string;

beforeAll(async () => {
  relay = await startRelay();
  dir = await mkdtemp(join(tmpdir(), "replicator-runner-"));
});

afterAll(async () => {
  await relay?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Runs runner.mjs once (RELAY_ONCE) and returns its exit code and output. */
async function runOnce(ws: TestWorkspace, path: string): Promise<{ code: number | null; output: string }> {
  const runner = spawn(process.execPath, [resolve(import.meta.dirname, "../runner.mjs")], {
    env: {
      ...process.env,
      RELAY_URL: relay.url,
      RELAY_WORKSPACE: ws.workspaceId,
      RELAY_READ_KEY: ws.readKey,
      REPLICA_DB: path,
      RELAY_EVENTS_PER_BATCH: "50",
      RELAY_ONCE: "true",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  runner.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  runner.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((done) => runner.on("exit", done));
  return { code, output };
}

describe("runner.mjs", () => {
  it("catches up into one SQLite file, resumes from its offset on the next start, and never logs the key", async () => {
    const ws = await createTestWorkspace(relay);
    const workload = generateWorkload({ seed: 5, count: 300, entities: 20, prefix: "runner" });
    await ws.ingest(workload.slice(0, 200));
    const path = join(dir, "runner.sqlite");

    const first = await runOnce(ws, path);
    const firstLog = await ws.readAll();
    expect(first).toMatchObject({ code: 0 });
    expect(first.output).toContain(`stopped: caught_up at version ${firstLog.at(-1)!.version}`);
    expect(first.output.match(/applied \d+ events/g)).toHaveLength(4);

    await ws.ingest(workload.slice(200));
    const second = await runOnce(ws, path);
    const log = await ws.readAll();
    expect(second).toMatchObject({ code: 0 });
    // Only the 100 new events: two batches of 50, starting after the saved offset.
    expect(second.output.match(/applied \d+ events/g)).toEqual(["applied 50 events", "applied 50 events"]);
    expect(second.output).toContain(`stopped: caught_up at version ${log.at(-1)!.version}`);
    expect(first.output + second.output).not.toContain(ws.readKey);

    const replica = sqliteAdapter({ path });
    const offsets = sqliteOffsetStore({ path });
    expect(replica.entities()).toEqual(entityState(log));
    expect(offsets.load(`${ws.workspaceId}/replicator`)).toBe(log.at(-1)!.version);
    replica.close?.();
    offsets.close?.();
  });
});
