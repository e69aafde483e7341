import type { PreparedEvent } from "../src/ingest/prepare";
import type { Sql } from "./sql";
import type { WorkspaceMeta } from "./workspace-meta";

export const DAY_MS = 86_400_000;
/** Ids stay deduplicated at least this long, even when events are kept for less. */
export const MIN_DEDUPE_WINDOW_MS = 7 * DAY_MS;

export type AppendResult = {
  results: { id: string; version: number; duplicate: boolean }[];
  counters: Pick<WorkspaceMeta, "head" | "eventCount" | "lastReceivedAt">;
  appended: number;
};


/**
 * Appends events in request order. Versions follow the contract's lamport rule,
 * `max(head, lamport ?? 0) + 1`; an id already known returns its original version.
 * Call inside `transactionSync`, so that a request is stored whole or not at all.
 *
 * Each SQL statement has a fixed cost that dwarfs the per-row work, so a request takes three
 * statements whatever its size: one id lookup and one insert into each table, each over a
 * JSON array (Durable Object SQLite binds at most 100 parameters per statement). Ids are
 * unique within a request (the ingest schema refuses repeats), so one lookup up front is exact.
 */
export function appendEvents(
  sql: Sql,
  prepared: readonly PreparedEvent[],
  before: Pick<WorkspaceMeta, "head" | "eventCount" | "lastReceivedAt">,
  now: number,
): AppendResult {
  // receivedAt never goes backwards, so retention can sweep the log in version order.
  const receivedAt = Math.max(now, before.lastReceivedAt);
  const ids = JSON.stringify(prepared.map((p) => p.id));
  const known = new Map(
    sql<{ id: string; version: number }>`SELECT id, version FROM event_ids
      WHERE id IN (SELECT value FROM json_each(${ids}))`.map((row) => [row.id, row.version]),
  );
  let head = before.head;
  const rows: [version: number, id: string, kind: string, type: string, origin: string, body: string][] = [];
  const results = prepared.map((event) => {
    const original = known.get(event.id);
    if (original !== undefined) return { id: event.id, version: original, duplicate: true };
    const version = Math.max(head, event.lamport ?? 0) + 1;
    head = version;
    rows.push([version, event.id, event.entityKind, event.eventType, event.origin, event.body]);
    return { id: event.id, version, duplicate: false };
  });
  if (rows.length > 0) {
    const json = JSON.stringify(rows);
    sql`INSERT INTO events (version, id, received_at, entity_kind, event_type, origin, body)
        SELECT value->>0, value->>1, ${receivedAt}, value->>2, value->>3, value->>4, value->>5
        FROM json_each(${json})`;
    sql`INSERT INTO event_ids (id, version, received_at)
        SELECT value->>1, value->>0, ${receivedAt} FROM json_each(${json})`;
  }
  return {
    results,
    appended: rows.length,
    counters: { head, eventCount: before.eventCount + rows.length, lastReceivedAt: receivedAt },
  };
}

export type StoredRow = { version: number; received_at: number; body: string };

/** The stored-event JSON of a row: the relay's fields spliced in front of the source's. */
export function storedEventJson(workspaceId: string, row: StoredRow): string {
  return `{"workspaceId":${JSON.stringify(workspaceId)},"version":${row.version},"receivedAt":${row.received_at},${row.body.slice(1)}`;
}

/** One page of the log after `after`, reading one row past `limit` to learn `hasMore`. */
export function readPage(sql: Sql, after: number, limit: number): { rows: StoredRow[]; hasMore: boolean } {
  const rows = sql<StoredRow>`SELECT version, received_at, body FROM events
                              WHERE version > ${after} ORDER BY version LIMIT ${limit + 1}`;
  const hasMore = rows.length > limit;
  if (hasMore) rows.pop();
  return { rows, hasMore };
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
