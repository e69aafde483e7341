import type { BatchContext, OffsetStore, ReplicaAdapter, StoredEvent } from "../src/types.ts";
import { tableName } from "../storage/identifier.ts";
import { byKindAndId, defaultEventMapper, latestChanges, type EventMapper, type ReplicaEntity } from "./entity-mutation.ts";

/**
 * What the adapter needs of a `pg.Pool` (node-postgres): one method. Typed structurally so
 * the adapter does not import `pg`; any pool or client with `query(text, values)` works.
 */
export type PgQueryable = {
  query(text: string, values?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
};

export type PostgresAdapterOptions = {
  /** A `pg.Pool` (or `pg.Client`). The adapter never ends it: it stays the caller's. */
  pool: PgQueryable;
  /** The entity table; created if missing. Default `relay_entities`. */
  table?: string;
  /** The offsets table; created if missing. Default `relay_offsets`. */
  offsetsTable?: string;
  mapEvent?: EventMapper;
};

export type PostgresAdapter = ReplicaAdapter & {
  /**
   * The offsets in the same database. Pass it to `runBridge` as `offsetStore`: every batch
   * saves its offset in the same statement as its entities, so the two never disagree.
   */
  offsetStore: OffsetStore;
  /** The live entities (tombstones left out), ordered by kind and id. */
  entities(): Promise<ReplicaEntity[]>;
};

/**
 * Replicates entities into one Postgres table through node-postgres: a row per entity with
 * the version of the last event applied to it, `data` as `jsonb`, and deletes kept as
 * tombstones (`deleted = true`, data cleared) that remember their version, as the SQLite
 * adapter does.
 *
 * A batch is one SQL statement: the batch, reduced to each entity's newest change, goes in
 * as arrays and is spread back into rows with `unnest`; an `INSERT … ON CONFLICT DO UPDATE …
 * WHERE excluded.version > existing.version` (in a CTE) writes only what is newer; and the
 * statement's main `INSERT` saves the stream's offset. One statement is one transaction in
 * Postgres, so entities and offset commit together, whatever the batch size, in one round trip.
 */
export function postgresAdapter(options: PostgresAdapterOptions): PostgresAdapter {
  const { pool } = options;
  const table = tableName(options.table ?? "relay_entities");
  const offsetsTable = tableName(options.offsetsTable ?? "relay_offsets");
  const mapEvent = options.mapEvent ?? defaultEventMapper;

  let schema: Promise<void> | undefined;
  const ready = () =>
    (schema ??= pool
      .query(
        `CREATE TABLE IF NOT EXISTS ${table} (
          entity_kind text NOT NULL,
          entity_id text NOT NULL,
          version bigint NOT NULL,
          deleted boolean NOT NULL,
          data jsonb,
          updated_at timestamptz NOT NULL,
          PRIMARY KEY (entity_kind, entity_id)
        );
        CREATE TABLE IF NOT EXISTS ${offsetsTable} (
          stream text PRIMARY KEY,
          version bigint NOT NULL,
          updated_at timestamptz NOT NULL
        )`,
      )
      .then(
        () => undefined,
        (error: unknown) => {
          schema = undefined; // a later call tries again
          throw error;
        },
      ));

  const saveOffset = `INSERT INTO ${offsetsTable} (stream, version, updated_at) VALUES ($1, $2, now())
    ON CONFLICT (stream) DO UPDATE SET version = excluded.version, updated_at = excluded.updated_at`;
  // $1..$5 are parallel arrays, one element per entity; $6/$7 the stream and its offset, or
  // null when the caller passed no stream (then the offset insert writes nothing).
  const applyWithOffset = `WITH batch AS (
      SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::boolean[], $5::jsonb[])
        AS b(entity_kind, entity_id, version, deleted, data)
    ), written AS (
      INSERT INTO ${table} AS existing (entity_kind, entity_id, version, deleted, data, updated_at)
      SELECT entity_kind, entity_id, version, deleted, data, now() FROM batch
      ON CONFLICT (entity_kind, entity_id) DO UPDATE SET
        version = excluded.version, deleted = excluded.deleted, data = excluded.data, updated_at = excluded.updated_at
      WHERE excluded.version > existing.version
    )
    INSERT INTO ${offsetsTable} (stream, version, updated_at)
    SELECT $6::text, $7::bigint, now() WHERE $6::text IS NOT NULL
    ON CONFLICT (stream) DO UPDATE SET version = excluded.version, updated_at = excluded.updated_at`;

  /** The offset each stream's last batch saved, so the bridge's own save after it costs nothing. */
  const savedWithBatch = new Map<string, number>();

  return {
    async applyBatch(events: readonly StoredEvent[], batch?: BatchContext) {
      if (events.length === 0) return;
      await ready();
      const changes = latestChanges(events, mapEvent);
      const last = events.at(-1)!.version;
      await pool.query(applyWithOffset, [
        changes.map((c) => c.entityKind),
        changes.map((c) => c.entityId),
        changes.map((c) => c.version),
        changes.map((c) => c.mutation.op === "delete"),
        changes.map((c) => (c.mutation.op === "upsert" ? JSON.stringify(c.mutation.data ?? null) : null)),
        batch?.stream ?? null,
        last,
      ]);
      if (batch) savedWithBatch.set(batch.stream, last);
    },
    offsetStore: {
      async load(stream) {
        await ready();
        const { rows } = await pool.query(`SELECT version FROM ${offsetsTable} WHERE stream = $1`, [stream]);
        return rows[0] ? Number(rows[0].version) : undefined;
      },
      async save(stream, version) {
        if (savedWithBatch.get(stream) === version) return;
        await ready();
        await pool.query(saveOffset, [stream, version]);
      },
    },
    async entities() {
      await ready();
      const { rows } = await pool.query(
        `SELECT entity_kind, entity_id, version, data FROM ${table} WHERE NOT deleted`,
      );
      return rows
        .map((row) => ({
          entityKind: row.entity_kind as string,
          entityId: row.entity_id as string,
          version: Number(row.version),
          data: row.data,
        }))
        .sort(byKindAndId);
    },
  };
}
