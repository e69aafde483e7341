import { execFile, spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { postgresAdapter, type PgQueryable } from "../adapters/postgres.ts";
import { sqliteAdapter } from "../adapters/sqlite.ts";
import { backoffDelay } from "../src/backoff.ts";
import { replicaTargets } from "./support/replica-targets.ts";
import { openReplica, pgPool, type Replica } from "./support/replicas.ts";
import { entityState, storedEvent } from "./support/workload.ts";

/** What one adapter does beyond the shared suite (adapters.test.ts). */

const { targets, stop } = replicaTargets();
const target = (name: string) => targets.find((t) => t.name === name)!;
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups) await cleanup();
  await stop();
});

async function opened(name: string, overrides?: Parameters<typeof openReplica>[1]): Promise<Replica> {
  const replica = await openReplica(await target(name).fresh(), overrides);
  cleanups.push(() => replica.close());
  return replica;
}

const batch = [
  storedEvent(1, "user", "a", "create", { name: "Ada" }),
  storedEvent(2, "user", "b", "create", { name: "Bob" }),
  storedEvent(3, "user", "a", "update", { name: "Ada L." }),
  storedEvent(4, "team", "t", "create", { members: ["a"] }),
];

describe("sqlite adapter", () => {
  it("refuses table names that are not plain identifiers", async () => {
    const dir = await mkdtemp(join(tmpdir(), "replicator-unit-"));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    expect(() => sqliteAdapter({ path: join(dir, "x.sqlite"), table: "x; DROP TABLE y" })).toThrow(/invalid table name/);
  });

  it("starts while another process is reading the file: it waits for the reader instead of failing", async () => {
    const dir = await mkdtemp(join(tmpdir(), "replicator-unit-"));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const path = join(dir, "replica.sqlite");
    // An application holding a read transaction on a replica file not yet in WAL mode, for 300 ms.
    const reader = spawn(
      process.execPath,
      [
        "-e",
        `const { DatabaseSync } = require("node:sqlite");
         const db = new DatabaseSync(process.argv[1]);
         db.exec("CREATE TABLE IF NOT EXISTS t (x); BEGIN; SELECT * FROM t;");
         console.log("reading");
         setTimeout(() => { db.exec("COMMIT"); db.close(); }, 300);`,
        path,
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    await new Promise<void>((resolve) => reader.stdout.once("data", () => resolve()));
    const adapter = sqliteAdapter({ path });
    await adapter.applyBatch(batch);
    expect(adapter.entities()).toEqual(entityState(batch));
    adapter.close?.();
    await new Promise((resolve) => reader.once("exit", resolve));
  });
});

describe("postgres adapter", () => {
  it("writes a batch and its offset in one statement, whatever the batch size", async () => {
    const spec = await target("postgres (PGlite)").fresh();
    if (spec.kind !== "postgres") throw new Error("expected a postgres replica");
    const pool = await pgPool(spec.url);
    cleanups.push(() => pool.end());
    const statements: string[] = [];
    const counting: PgQueryable = {
      query: (text, values) => {
        statements.push(text);
        return pool.query(text, values);
      },
    };
    const adapter = postgresAdapter({ pool: counting, table: spec.table, offsetsTable: spec.offsetsTable });
    await adapter.applyBatch(batch.slice(0, 1)); // creates the tables
    statements.length = 0;
    const many = Array.from({ length: 500 }, (_, i) => storedEvent(10 + i, "user", `u${i % 70}`, "update", { i }));
    await adapter.applyBatch(many, { stream: "ws/replicator" });
    expect(statements).toHaveLength(1);
    // The bridge's own save of the same offset right after costs nothing.
    await adapter.offsetStore.save("ws/replicator", 509);
    expect(statements).toHaveLength(1);
    expect(await adapter.offsetStore.load("ws/replicator")).toBe(509);
    expect((await adapter.entities()).length).toBe(71);
  });

  it("writes nothing, not even the offset, when a batch fails", async () => {
    const replica = await opened("postgres (PGlite)");
    await replica.adapter.applyBatch(batch.slice(0, 2), { stream: "s" });
    // Postgres's jsonb refuses the NUL character, so the statement fails after it started.
    const failing = [storedEvent(5, "user", "c", "create", { name: "Cy" }), storedEvent(6, "user", "d", "create", "\u0000")];
    await expect(replica.adapter.applyBatch(failing, { stream: "s" })).rejects.toThrow();
    expect(await replica.offsetStore.load("s")).toBe(2);
    expect(await replica.entities()).toEqual(entityState(batch.slice(0, 2)));
  });

  it("refuses table names that are not plain identifiers", () => {
    expect(() => postgresAdapter({ pool: { query: async () => ({ rows: [] }) }, table: "a b" })).toThrow(/invalid table name/);
  });
});

describe.each(["prisma + libsql", "prisma + pg (PGlite)"])("%s adapter", (name) => {
  it("stops on an entity kind with no model, and writes nothing of that batch", async () => {
    const replica = await opened(name);
    await replica.adapter.applyBatch(batch.slice(0, 2), { stream: "s" });
    const withUnknownKind = [storedEvent(5, "user", "c", "create", { name: "Cy" }), storedEvent(6, "invoice", "i1", "create", {})];
    await expect(replica.adapter.applyBatch(withUnknownKind, { stream: "s" })).rejects.toThrow(
      /no Prisma model for entity kind "invoice"/,
    );
    expect(await replica.offsetStore.load("s")).toBe(2);
    expect(await replica.entities()).toEqual(entityState(batch.slice(0, 2)));
  });

  it("rolls back the whole batch, offset included, when a write inside the transaction fails", async () => {
    const replica = await opened(name);
    await replica.adapter.applyBatch(batch.slice(0, 2), { stream: "s" });
    // A user whose name is not a string fails in the database (or Prisma's validation) after
    // the team of the same batch was written in the transaction.
    const failing = [storedEvent(5, "team", "t2", "create", { members: [] }), storedEvent(6, "user", "x", "create", { name: 42 })];
    await expect(replica.adapter.applyBatch(failing, { stream: "s" })).rejects.toThrow();
    expect(await replica.offsetStore.load("s")).toBe(2);
    expect(await replica.entities()).toEqual(entityState(batch.slice(0, 2)));
  });
});

describe.each(["prisma + libsql", "prisma + pg (PGlite)"])("%s adapter's offset", (name) => {
  it("commits with the entities or not at all: an offset that cannot be written rolls the batch back", async () => {
    // A model name the client lacks makes the offset write fail, after the entities' writes.
    const replica = await opened(name, { prisma: { offsetModel: "missingOffsetModel" } });
    await expect(replica.adapter.applyBatch(batch, { stream: "s" })).rejects.toThrow(/no model "missingOffsetModel"/);
    expect(await replica.entities()).toEqual([]);
    // Without a stream (an adapter used with another offset store) there is no offset to write.
    await replica.adapter.applyBatch(batch);
    expect(await replica.entities()).toEqual(entityState(batch));
  });
});

describe("prisma adapter types", () => {
  it("accept the clients prisma generate makes, over libsql and over pg", async () => {
    const config = resolve(import.meta.dirname, ".generated/tsconfig.prisma-types.json");
    await writeFile(
      config,
      JSON.stringify({ extends: "../../tsconfig.json", include: ["../fixtures/.types/prisma-client.ts"] }),
    );
    const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
    const result = await promisify(execFile)(process.execPath, [tsc, "-p", config, "--noEmit"]).then(
      () => "",
      (error: { stdout?: string }) => error.stdout ?? String(error),
    );
    expect(result).toBe("");
  });
});

describe("backoff", () => {
  it("grows exponentially up to the cap, with jitter inside each step", () => {
    const policy = { initialMs: 100, maxMs: 2_000 };
    const low = [0, 1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, policy, () => 0));
    const high = [0, 1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, policy, () => 1));
    expect(high).toEqual([100, 200, 400, 800, 1_600, 2_000, 2_000]);
    expect(low).toEqual(high.map((ms) => ms / 2));
  });
});
