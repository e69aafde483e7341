import { execFile } from "node:child_process";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import type { PrismaModelMapping } from "../../adapters/prisma.ts";
import { byKindAndId, type ReplicaEntity } from "../../adapters/entity-mutation.ts";

/**
 * Prisma clients for the tests and benchmarks, generated from the shipped example schema
 * (`replicator/examples/prisma/schema.prisma`) at test setup, never committed: one for
 * Postgres (`@prisma/adapter-pg`) and one for SQLite (`@prisma/adapter-libsql`).
 */
export type PrismaProvider = "postgresql" | "sqlite";

const EXAMPLE_SCHEMA = resolve(import.meta.dirname, "../../examples/prisma/schema.prisma");
const GENERATED_DIR = resolve(import.meta.dirname, "../.generated");

/** The generated client's entry module for a provider (a TypeScript file Node can strip). */
export function prismaClientModule(provider: PrismaProvider): string {
  return join(GENERATED_DIR, `prisma-${provider}`, "client", "client.ts");
}

/**
 * Runs `prisma generate` for both providers, unless the output is already there for the
 * same schema. `prisma generate` fetches the schema engine it does not use for generating;
 * pointing PRISMA_SCHEMA_ENGINE_BINARY at any executable (here: this Node binary) lets it
 * run offline. That is for tests and CI only; users' installs fetch the engine as usual.
 */
export async function generatePrismaClients(): Promise<void> {
  const example = await readFile(EXAMPLE_SCHEMA, "utf8");
  const cli = createRequire(import.meta.url).resolve("prisma/build/index.js");
  for (const provider of ["postgresql", "sqlite"] as const) {
    const dir = join(GENERATED_DIR, `prisma-${provider}`);
    const schemaPath = join(dir, "schema.prisma");
    const schema = example
      .replace(/output\s*=\s*".*"/, 'output = "./client"')
      .replace(/provider\s*=\s*"postgresql"/, `provider = "${provider}"`);
    const previous = await readFile(schemaPath, "utf8").catch(() => undefined);
    const generated = await readFile(prismaClientModule(provider), "utf8").then(
      () => true,
      () => false,
    );
    if (previous === schema && generated) continue;
    await mkdir(dir, { recursive: true });
    await writeFile(schemaPath, schema);
    await promisify(execFile)(process.execPath, [cli, "generate", "--schema", schemaPath], {
      env: {
        ...process.env,
        PRISMA_SCHEMA_ENGINE_BINARY: process.execPath,
        CHECKPOINT_DISABLE: "1",
        PRISMA_HIDE_UPDATE_MESSAGE: "1",
      },
    });
  }
}

/**
 * The example schema's tables, as `prisma migrate` would create them. Tests cannot run
 * migrate: it needs the schema engine, which is not available offline.
 */
export function exampleSchemaDdl(provider: PrismaProvider, schema?: string): string[] {
  const timestamp = provider === "postgresql" ? "TIMESTAMP(3)" : "DATETIME";
  const name = (table: string) => (schema ? `"${schema}"."${table}"` : `"${table}"`);
  return [
    ...(schema ? [`CREATE SCHEMA "${schema}"`] : []),
    `CREATE TABLE ${name("RelayOffset")} ("stream" TEXT NOT NULL PRIMARY KEY, "version" BIGINT NOT NULL, "updatedAt" ${timestamp} NOT NULL)`,
    `CREATE TABLE ${name("User")} ("id" TEXT NOT NULL PRIMARY KEY, "version" BIGINT NOT NULL, "deleted" BOOLEAN NOT NULL DEFAULT false, "name" TEXT, "profile" JSONB)`,
    `CREATE TABLE ${name("Team")} ("id" TEXT NOT NULL PRIMARY KEY, "version" BIGINT NOT NULL, "deleted" BOOLEAN NOT NULL DEFAULT false, "data" JSONB)`,
  ];
}

type Profile = Record<string, unknown> & { name?: string };

/**
 * The models of the example schema: users spread over columns (`name`, and the rest of the
 * entity in `profile`), teams whole in one Json field.
 */
export const EXAMPLE_MODELS: Record<string, string | PrismaModelMapping> = {
  user: {
    model: "user",
    fields: (data) => {
      const { name, ...profile } = (data ?? {}) as Profile;
      return { name: name ?? null, profile };
    },
    tombstone: { name: null, profile: {} },
  },
  team: "team",
};

type Row = { id: string; version: bigint | number; name?: string | null; profile?: Profile; data?: unknown };
type ExampleClient = Record<"user" | "team", { findMany(args: object): Promise<Row[]> }>;

/** The live entities in the example schema's models, read back into the relay's shape. */
export async function exampleEntities(prisma: unknown): Promise<ReplicaEntity[]> {
  const client = prisma as ExampleClient;
  const where = { where: { deleted: false } };
  const users = (await client.user.findMany(where)).map((row) => ({
    entityKind: "user",
    entityId: row.id,
    version: Number(row.version),
    data: { ...row.profile, ...(row.name === null ? {} : { name: row.name }) },
  }));
  const teams = (await client.team.findMany(where)).map((row) => ({
    entityKind: "team",
    entityId: row.id,
    version: Number(row.version),
    data: row.data,
  }));
  return [...teams, ...users].sort(byKindAndId);
}
