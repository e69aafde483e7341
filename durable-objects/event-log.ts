import type { EventEnvelope } from "../src/contract/event";
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

/** A validated event and its serialized form, measured once at the edge. */
export type PreparedEvent = { event: EventEnvelope; body: string };

/**
 * Appends events in request order. Versions follow the contract's lamport rule,
 * `max(head, lamport ?? 0) + 1`; an id already known returns its original version.
 * Call inside `transactionSync`, so that a request is stored whole or not at all.
 */
export function appendEvents(
  sql: Sql,
  prepared: readonly PreparedEvent[],
  before: Pick<WorkspaceMeta, "head" | "eventCount" | "lastReceivedAt">,
  now: number,
): AppendResult {
  // receivedAt never goes backwards, so retention can sweep the log in version order.
  const receivedAt = Math.max(now, before.lastReceivedAt);
  let head = before.head;
  let appended = 0;
  const results: AppendResult["results"] = [];
  for (const { event, body } of prepared) {
    const known = sql.one<{ version: number }>`SELECT version FROM event_ids WHERE id = ${event.id}`;
    if (known) {
      results.push({ id: event.id, version: known.version, duplicate: true });
      continue;
    }
    const version = Math.max(head, event.lamport ?? 0) + 1;
    sql`INSERT INTO events (version, id, received_at, entity_kind, event_type, origin, body)
        VALUES (${version}, ${event.id}, ${receivedAt}, ${event.entityKind}, ${event.eventType},
                ${event.source.origin}, ${body})`;
    sql`INSERT INTO event_ids (id, version, received_at) VALUES (${event.id}, ${version}, ${receivedAt})`;
    head = version;
    appended++;
    results.push({ id: event.id, version, duplicate: false });
  }
  return {
    results,
    appended,
    counters: { head, eventCount: before.eventCount + appended, lastReceivedAt: receivedAt },
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
