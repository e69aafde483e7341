import type { PreparedBatch } from "../src/ingest/prepare";
import type { Sql } from "./sql";
import type { WorkspaceMeta } from "./workspace-meta";

export const DAY_MS = 86_400_000;
/** Ids stay deduplicated at least this long, even when events are kept for less. */
export const MIN_DEDUPE_WINDOW_MS = 7 * DAY_MS;

export type AppendResult = {
  results: { id: string; version: number; duplicate: boolean }[];
  counters: Counters;
  appended: number;
};

type Counters = Pick<WorkspaceMeta, "head" | "eventCount" | "lastReceivedAt">;

/**
 * Appends a prepared batch in request order. Versions follow the contract's lamport rule,
 * `max(head, lamport ?? 0) + 1`; an id already known returns its original version.
 * Call inside `transactionSync`, so that a request is stored whole or not at all.
 *
 * Each SQL statement has a fixed cost that dwarfs the per-row work, so the usual request
 * takes one statement whatever its size: an `INSERT … SELECT` over the batch's JSON rows
 * (Durable Object SQLite binds at most 100 parameters per statement), whose trigger fills
 * the dedupe index (`log-schema.ts`). It is optimistic: ids are nearly always new, and the
 * index's primary key already checks each one while inserting it, so a lookup first would
 * probe the same keys twice. A known id fails the statement, which SQLite undoes whole; only
 * then are the known ids looked up and the rest appended. Ids are unique within a request
 * (the ingest schema refuses repeats), so that one lookup is exact.
 */
export function appendEvents(sql: Sql, batch: PreparedBatch, before: Counters, now: number): AppendResult {
  // receivedAt never goes backwards, so retention can sweep the log in version order.
  const receivedAt = Math.max(now, before.lastReceivedAt);
  const allNew = assignVersions(batch, before, receivedAt, new Map());
  try {
    insertRows(sql, batch.rows, allNew.versions, receivedAt);
    return allNew.result;
  } catch (error) {
    if (!isKnownIdConflict(error)) throw error;
  }
  const known = new Map(
    sql<{ id: string; version: number }>`SELECT id, version FROM event_ids
      WHERE id IN (SELECT value FROM json_each(${JSON.stringify(batch.ids)}))`.map((row) => [row.id, row.version]),
  );
  const assigned = assignVersions(batch, before, receivedAt, known);
  if (assigned.result.appended > 0) insertRows(sql, batch.rows, assigned.versions, receivedAt);
  return assigned.result;
}

/** The lamport rule over the batch, skipping `known` ids, which keep their version. */
function assignVersions(
  batch: PreparedBatch,
  before: Counters,
  receivedAt: number,
  known: ReadonlyMap<string, number>,
): { result: AppendResult; versions: (number | null)[] } {
  let head = before.head;
  let appended = 0;
  // Aligned with the batch's rows: the new version, or null for a known id (not inserted).
  const versions: (number | null)[] = [];
  const results = batch.ids.map((id, index) => {
    const original = known.get(id);
    if (original !== undefined) {
      versions.push(null);
      return { id, version: original, duplicate: true };
    }
    const version = Math.max(head, batch.lamports[index] ?? 0) + 1;
    head = version;
    appended++;
    versions.push(version);
    return { id, version, duplicate: false };
  });
  return {
    versions,
    result: { results, appended, counters: { head, eventCount: before.eventCount + appended, lastReceivedAt: receivedAt } },
  };
}

/** Inserts the rows (`PreparedRow`s as JSON) whose version is not null. */
function insertRows(sql: Sql, rows: string, versions: (number | null)[], receivedAt: number): void {
  sql`INSERT INTO events (version, id, received_at, entity_kind, event_type, origin, body, entity_id)
      SELECT version, value->>0, ${receivedAt}, value->>1, value->>2, value->>3, value->>4, value->>5
      FROM (SELECT ${JSON.stringify(versions)}->>key AS version, value FROM json_each(${rows}))
      WHERE version IS NOT NULL`;
}

/** The dedupe index's primary key refused an id: the batch holds an id already stored. */
function isKnownIdConflict(error: unknown): boolean {
  return error instanceof Error && error.message.includes("UNIQUE constraint failed: event_ids.id");
}

export type StoredRow = { version: number; received_at: number; body: string };

/** The stored-event JSON of a row: the relay's fields spliced in front of the source's. */
export function storedEventJson(workspaceId: string, row: StoredRow): string {
  return `{"workspaceId":${JSON.stringify(workspaceId)},"version":${row.version},"receivedAt":${row.received_at},${row.body.slice(1)}`;
}

/** A row with the size of its body in UTF-8 bytes (what a WebSocket message's size counts). */
export type SizedRow = StoredRow & { body_bytes: number };

/** Up to `limit` rows after `after`, in version order, each with its body's size in bytes. */
export function readSizedRows(sql: Sql, after: number, limit: number): SizedRow[] {
  return sql<SizedRow>`SELECT version, received_at, body, octet_length(body) AS body_bytes FROM events
                       WHERE version > ${after} ORDER BY version LIMIT ${limit}`;
}

/**
 * The highest version received before `cutoff`, or undefined when none is. `received_at` never
 * decreases with the version, so it is the version before the first one received since: the
 * query reads the expired rows and one more, never the whole log.
 */
export function lastReceivedBefore(sql: Sql, cutoff: number, head: number): number | undefined {
  const firstKept = sql.one<{ version: number }>`SELECT version FROM events
    WHERE received_at >= ${cutoff} ORDER BY version LIMIT 1`;
  const through = firstKept ? firstKept.version - 1 : head;
  const oldest = sql.one<{ version: number | null }>`SELECT min(version) AS version FROM events`;
  return oldest?.version != null && oldest.version <= through ? through : undefined;
}

const PRUNE_CHUNK = 2000;

/**
 * Deletes events received before `cutoff`, oldest first, but never one at or above
 * `keepFromVersion`. Ids outlive their events for at least the dedupe window. Returns how
 * many events were deleted. Call inside `transactionSync`.
 */
export function pruneEvents(
  sql: Sql,
  opts: { cutoff: number; keepFromVersion: number; idCutoff: number },
): number {
  let deleted = 0;
  for (;;) {
    // received_at is non-decreasing in version, so the expired events are a prefix.
    const last = sql.one<{ version: number | null }>`
      SELECT max(version) AS version FROM (
        SELECT version FROM events
        WHERE received_at < ${opts.cutoff} AND version < ${opts.keepFromVersion}
        ORDER BY version LIMIT ${PRUNE_CHUNK})`;
    if (last?.version == null) break;
    deleted += sql.run`DELETE FROM events WHERE version <= ${last.version}`;
  }
  const oldestKept = sql.one<{ version: number | null }>`SELECT min(version) AS version FROM events`;
  const keepIdsFrom = oldestKept?.version ?? Number.MAX_SAFE_INTEGER;
  sql`DELETE FROM event_ids WHERE received_at < ${opts.idCutoff} AND version < ${keepIdsFrom}`;
  return deleted;
}
