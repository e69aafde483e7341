import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { exampleSchemaDdl } from "./prisma-clients.ts";
import { pgPool, type ReplicaSpec } from "./replicas.ts";

/**
 * The adapters the shared suite runs against, each able to make an empty replica. Postgres
 * is real Postgres: PGlite (Postgres compiled to WASM) in this process, served to `pg` over
 * TCP on 127.0.0.1 by pglite-socket, so child processes can use it too.
 */
export type ReplicaTarget = {
  name: string;
  /** The replica outlives the process that wrote it, so a child can write it and be killed. */
  durable: boolean;
  /** The adapter saves the offset in the batch's own transaction (its `offsetStore`). */
  offsetsWithBatch: boolean;
  /** A new, empty replica. */
  fresh(): Promise<ReplicaSpec>;
};

export type ReplicaTargets = { targets: readonly ReplicaTarget[]; stop(): Promise<void> };

export function replicaTargets(): ReplicaTargets {
  let counter = 0;
  const next = () => `${process.pid}_${counter++}`;
  let dir: Promise<string> | undefined;
  const tempDir = () => (dir ??= mkdtemp(join(tmpdir(), "replicator-targets-")));
  let postgres: Promise<LocalPostgres> | undefined;
  const pgServer = () => (postgres ??= startLocalPostgres());

  const targets: ReplicaTarget[] = [
    { name: "memory", durable: false, offsetsWithBatch: false, fresh: async () => ({ kind: "memory", name: next() }) },
    {
      name: "sqlite",
      durable: true,
      offsetsWithBatch: false,
      fresh: async () => ({ kind: "sqlite", path: join(await tempDir(), `replica-${next()}.sqlite`) }),
    },
    {
      name: "postgres (PGlite)",
      durable: true,
      offsetsWithBatch: true,
      fresh: async () => {
        const id = next();
        return { kind: "postgres", url: (await pgServer()).url, table: `entities_${id}`, offsetsTable: `offsets_${id}` };
      },
    },
    {
      name: "prisma + libsql",
      durable: true,
      offsetsWithBatch: true,
      fresh: async () => {
        const url = `file:${join(await tempDir(), `prisma-${next()}.sqlite`)}`;
        const { createClient } = await import("@libsql/client");
        const client = createClient({ url });
        await client.batch(exampleSchemaDdl("sqlite"), "write");
        client.close();
        return { kind: "prisma-libsql", url };
      },
    },
    {
      name: "prisma + pg (PGlite)",
      durable: true,
      offsetsWithBatch: true,
      fresh: async () => {
        // The example schema's table names are fixed, so each replica gets its own Postgres schema.
        const { url } = await pgServer();
        const schema = `prisma_${next()}`;
        const pool = await pgPool(url);
        try {
          for (const statement of exampleSchemaDdl("postgresql", schema)) await pool.query(statement);
        } finally {
          await pool.end();
        }
        return { kind: "prisma-pg", url, schema };
      },
    },
  ];

  return {
    targets,
    async stop() {
      if (postgres) await (await postgres).stop();
      if (dir) await rm(await dir, { recursive: true, force: true });
    },
  };
}

type LocalPostgres = { url: string; stop(): Promise<void> };

async function startLocalPostgres(): Promise<LocalPostgres> {
  const { PGlite } = await import("@electric-sql/pglite");
  const { PGLiteSocketServer } = await import("@electric-sql/pglite-socket");
  const db = await PGlite.create();
  // Several connections (the test's pool and a child replicator's) share PGlite's one
  // session: pglite-socket queues their queries and keeps each transaction to its connection.
  const server = new PGLiteSocketServer({ db, host: "127.0.0.1", port: 0, maxConnections: 32 });
  await server.start();
  return {
    url: `postgresql://postgres:postgres@${server.getServerConn()}/postgres`,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}
