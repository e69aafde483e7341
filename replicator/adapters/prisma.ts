import { DbNull } from "@prisma/client/runtime/client";
import type { BatchContext, OffsetStore, ReplicaAdapter, StoredEvent } from "../src/types.ts";
import { defaultEventMapper, latestChanges, type EntityChange, type EventMapper } from "./entity-mutation.ts";

/**
 * How one entity kind lands in a Prisma model. The model needs `id String @id`,
 * `version BigInt` (or `Int`) and `deleted Boolean`, and every other field optional or with
 * a default, since a delete can arrive for an entity the replica never saw.
 */
export type PrismaModelMapping = {
  /** The model's delegate name on the client: `"user"` for `prisma.user`. */
  model: string;
  /** The fields an upsert writes, from the event's data. Default: `{ data }`, a `Json?` field. */
  fields?: (data: unknown, event: EntityChange) => Record<string, unknown>;
  /**
   * The fields a delete writes, so a tombstone keeps no personal data. Default with the
   * default `fields`: `{ data: DbNull }`; otherwise `{}` — list your data fields here.
   */
  tombstone?: Record<string, unknown>;
};

/** The parts of a model delegate the adapter calls (Prisma's generated delegates have them). */
type ModelDelegate = {
  findMany(args: object): Promise<{ id: string; version: number | bigint }[]>;
  createMany(args: object): Promise<unknown>;
  updateMany(args: object): Promise<{ count: number }>;
  upsert(args: object): Promise<unknown>;
  findUnique(args: object): Promise<{ version: number | bigint } | null>;
};

/**
 * What the adapter needs of a `PrismaClient`: interactive transactions. Typed structurally,
 * so the adapter works with whatever client `prisma generate` made for your schema.
 */
export type PrismaClientLike = {
  $transaction(work: (tx: unknown) => Promise<unknown>, options?: { maxWait?: number; timeout?: number }): Promise<unknown>;
};

export type PrismaAdapterOptions = {
  /** Your client, with its driver adapter. The adapter never disconnects it. */
  prisma: PrismaClientLike;
  /**
   * Entity kind → model. A kind not listed stops the bridge with an error (nothing is
   * skipped silently); to leave kinds out on purpose, return `{ op: "skip" }` from `mapEvent`.
   */
  models: Record<string, string | PrismaModelMapping>;
  /** The model that keeps offsets: `stream String @id`, `version BigInt`. Default `relayOffset`. */
  offsetModel?: string;
  mapEvent?: EventMapper;
  /** Prisma's interactive transaction limits. Default: 10 s to start, 60 s to finish. */
  transaction?: { maxWait?: number; timeout?: number };
};

export type PrismaAdapter = ReplicaAdapter & {
  /**
   * The offsets in the same database (the `offsetModel`). Pass it to `runBridge` as
   * `offsetStore`: every batch saves its offset in the same transaction as its entities.
   */
  offsetStore: OffsetStore;
};

type ResolvedMapping = Required<PrismaModelMapping>;

/**
 * Replicates entities into your Prisma models. A batch is one interactive transaction: per
 * model, one `findMany` reads the stored versions of the batch's entities, one `createMany`
 * inserts the new ones, and an `updateMany` guarded by `version < event.version` writes each
 * entity that changed — then the offset is upserted. Replays and duplicates change nothing,
 * and deletes leave tombstones (`deleted: true`) that remember their version.
 */
export function createPrismaAdapter(options: PrismaAdapterOptions): PrismaAdapter {
  const { prisma } = options;
  const offsetModel = options.offsetModel ?? "relayOffset";
  const mapEvent = options.mapEvent ?? defaultEventMapper;
  const transaction = { maxWait: 10_000, timeout: 60_000, ...options.transaction };
  const mappings = new Map(Object.entries(options.models).map(([kind, mapping]) => [kind, resolve(mapping)]));
  const delegate = (client: unknown, model: string): ModelDelegate => {
    const found = (client as Record<string, ModelDelegate | undefined>)[model];
    if (!found || typeof found.findMany !== "function") {
      throw new TypeError(`the Prisma client has no model "${model}"; check the adapter's model names`);
    }
    return found;
  };
  /** The offset each stream's last batch saved, so the bridge's own save after it costs nothing. */
  const savedWithBatch = new Map<string, number>();

  const run = (work: (tx: unknown) => Promise<void>): Promise<unknown> => prisma.$transaction(work, transaction);

  return {
    async applyBatch(events: readonly StoredEvent[], batch?: BatchContext) {
      if (events.length === 0) return;
      const byModel = new Map<ResolvedMapping, EntityChange[]>();
      for (const change of latestChanges(events, mapEvent)) {
        const mapping = mappings.get(change.entityKind);
        if (!mapping) {
          throw new Error(
            `no Prisma model for entity kind "${change.entityKind}": add it to the adapter's models, or skip it in mapEvent`,
          );
        }
        const changes = byModel.get(mapping) ?? [];
        changes.push(change);
        byModel.set(mapping, changes);
      }
      const last = events.at(-1)!.version;
      await run(async (tx) => {
        for (const [mapping, changes] of byModel) await writeChanges(delegate(tx, mapping.model), mapping, changes);
        if (batch) await saveOffset(delegate(tx, offsetModel), batch.stream, last);
      });
      if (batch) savedWithBatch.set(batch.stream, last);
    },
    offsetStore: {
      async load(stream) {
        const row = await delegate(prisma, offsetModel).findUnique({ where: { stream } });
        return row ? Number(row.version) : undefined;
      },
      async save(stream, version) {
        if (savedWithBatch.get(stream) === version) return;
        await saveOffset(delegate(prisma, offsetModel), stream, version);
      },
    },
  };
}

function resolve(mapping: string | PrismaModelMapping): ResolvedMapping {
  const { model, fields, tombstone } = typeof mapping === "string" ? { model: mapping } : mapping;
  return {
    model,
    fields: fields ?? ((data) => ({ data: data ?? DbNull })),
    tombstone: tombstone ?? (fields ? {} : { data: DbNull }),
  };
}

/** One model's share of a batch: a read of the stored versions, one insert, guarded updates. */
async function writeChanges(model: ModelDelegate, mapping: ResolvedMapping, changes: readonly EntityChange[]) {
  const fieldsOf = (change: EntityChange) =>
    change.mutation.op === "upsert"
      ? { ...mapping.fields(change.mutation.data, change), deleted: false, version: change.version }
      : { ...mapping.tombstone, deleted: true, version: change.version };
  const stored = await model.findMany({
    where: { id: { in: changes.map((c) => c.entityId) } },
    select: { id: true, version: true },
  });
  const storedVersions = new Map(stored.map((row) => [row.id, Number(row.version)]));
  const fresh = changes.filter((c) => !storedVersions.has(c.entityId));
  if (fresh.length > 0) await model.createMany({ data: fresh.map((c) => ({ id: c.entityId, ...fieldsOf(c) })) });
  for (const change of changes) {
    const version = storedVersions.get(change.entityId);
    if (version === undefined || version >= change.version) continue;
    // The guard repeats the version check in the database, so a concurrent writer that got
    // there first with a newer version is never overwritten.
    await model.updateMany({ where: { id: change.entityId, version: { lt: change.version } }, data: fieldsOf(change) });
  }
}

function saveOffset(model: ModelDelegate, stream: string, version: number) {
  return model.upsert({ where: { stream }, create: { stream, version }, update: { version } });
}
