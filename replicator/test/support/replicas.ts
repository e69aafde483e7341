import { pathToFileURL } from "node:url";
import type { ReplicaEntity } from "../../adapters/entity-mutation.ts";
import { memoryAdapter } from "../../adapters/memory.ts";
import { postgresAdapter } from "../../adapters/postgres.ts";
import { createPrismaAdapter, type PrismaAdapterOptions } from "../../adapters/prisma.ts";
import { sqliteAdapter } from "../../adapters/sqlite.ts";
import type { OffsetStore, ReplicaAdapter } from "../../src/types.ts";
import { memoryOffsetStore } from "../../storage/memory.ts";
import { sqliteOffsetStore } from "../../storage/sqlite.ts";
import { EXAMPLE_MODELS, exampleEntities, prismaClientModule, type PrismaProvider } from "./prisma-clients.ts";

/**
 * Where a replica lives, as plain data: a test hands it to a child process (the SIGKILL
 * test), which opens the same replica with `openReplica`. Memory replicas live in this
 * process only, under a name.
 */
export type ReplicaSpec =
  | { kind: "memory"; name: string }
  | { kind: "sqlite"; path: string }
  | { kind: "postgres"; url: string; table: string; offsetsTable: string }
  | { kind: "prisma-libsql"; url: string }
  /** `schema`: the Postgres schema holding the example schema's tables (PGlite has one database). */
  | { kind: "prisma-pg"; url: string; schema: string };

/** An open replica: the adapter and offset store a bridge runs with, and its entities read back. */
export type Replica = {
  adapter: ReplicaAdapter;
  offsetStore: OffsetStore;
  entities(): Promise<ReplicaEntity[]>;
  close(): Promise<void>;
};

const memoryReplicas = new Map<string, { adapter: ReturnType<typeof memoryAdapter>; offsets: OffsetStore }>();

/** `prisma`: adapter options to override (the Prisma replicas only). */
export async function openReplica(
  spec: ReplicaSpec,
  overrides: { prisma?: Partial<PrismaAdapterOptions> } = {},
): Promise<Replica> {
  switch (spec.kind) {
    case "memory": {
      let replica = memoryReplicas.get(spec.name);
      if (!replica) memoryReplicas.set(spec.name, (replica = { adapter: memoryAdapter(), offsets: memoryOffsetStore() }));
      const { adapter, offsets } = replica;
      return { adapter, offsetStore: offsets, entities: async () => adapter.entities(), close: async () => undefined };
    }
    case "sqlite": {
      const adapter = sqliteAdapter({ path: spec.path });
      const offsetStore = sqliteOffsetStore({ path: spec.path });
      return {
        adapter,
        offsetStore,
        entities: async () => adapter.entities(),
        close: async () => {
          adapter.close?.();
          offsetStore.close?.();
        },
      };
    }
    case "postgres": {
      const pool = await pgPool(spec.url);
      const adapter = postgresAdapter({ pool, table: spec.table, offsetsTable: spec.offsetsTable });
      return { adapter, offsetStore: adapter.offsetStore, entities: () => adapter.entities(), close: () => pool.end() };
    }
    case "prisma-libsql": {
      const { PrismaLibSql } = await import("@prisma/adapter-libsql");
      return prismaReplica("sqlite", new PrismaLibSql({ url: spec.url }), overrides.prisma);
    }
    case "prisma-pg": {
      const { PrismaPg } = await import("@prisma/adapter-pg");
      return prismaReplica(
        "postgresql",
        new PrismaPg({ connectionString: spec.url, max: 2 }, { schema: spec.schema }),
        overrides.prisma,
      );
    }
  }
}

export async function pgPool(url: string) {
  const { default: pg } = await import("pg");
  return new pg.Pool({ connectionString: url, max: 2 });
}

type GeneratedClient = { $disconnect(): Promise<void> } & PrismaAdapterOptions["prisma"];

/** A client generated from the example schema (see prisma-clients.ts), over a driver adapter. */
async function prismaReplica(
  provider: PrismaProvider,
  driverAdapter: unknown,
  overrides: Partial<PrismaAdapterOptions> = {},
): Promise<Replica> {
  const generated = (await import(pathToFileURL(prismaClientModule(provider)).href)) as {
    PrismaClient: new (options: { adapter: unknown }) => GeneratedClient;
  };
  const prisma = new generated.PrismaClient({ adapter: driverAdapter });
  const adapter = createPrismaAdapter({ prisma, models: EXAMPLE_MODELS, ...overrides });
  return {
    adapter,
    offsetStore: adapter.offsetStore,
    entities: () => exampleEntities(prisma),
    close: () => prisma.$disconnect(),
  };
}
