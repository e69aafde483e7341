import type { EventFilters, ReadQuery } from "../src/contract/event";
import { storedEventJson, type StoredRow } from "./event-log";
import type { Sql, SqlValue } from "./sql";

/**
 * Event search over the log (contract §3 and §8): exact filters, both orders, paged by
 * version. Each filter column has its own index (`log/0003-search-indexes`), keyed
 * (column, version), so one filter reads only its matching rows from the cursor on.
 */

/**
 * Filter fields and their columns, in the order that picks the index a combined search walks:
 * the first filter given drives the index and the others are checked on its rows. Entity ids
 * are the narrowest (one entity), so they lead; kinds, types and origins have few values each.
 */
const FILTER_COLUMNS = [
  ["entityId", "entity_id"],
  ["entityKind", "entity_kind"],
  ["eventType", "event_type"],
  ["origin", "origin"],
] as const satisfies readonly (readonly [keyof EventFilters, string])[];

/** A page request: the cursor is exclusive, `after` for ascending reads, `before` for descending. */
export type SearchRequest = EventFilters & { order: "asc" | "desc"; cursor: number; limit: number };

export type SearchPage = { rows: StoredRow[]; hasMore: boolean; rowsRead: number };

/** The search a validated query asks for, with the contract's default cursors. */
export function searchRequest(query: ReadQuery, head: number): SearchRequest {
  const cursor = query.order === "desc" ? (query.before ?? head + 1) : (query.after ?? 0);
  return { ...pickFilters(query), order: query.order, cursor, limit: query.limit };
}

function pickFilters(query: EventFilters): EventFilters {
  const filters: EventFilters = {};
  for (const [field] of FILTER_COLUMNS) if (query[field] !== undefined) filters[field] = query[field];
  return filters;
}

/**
 * One page of matching events, reading one row past `limit` to learn `hasMore`. The columns
 * after the driving one are written `+column`, which keeps SQLite from choosing their index:
 * the plan is fixed, so the cost is the driving filter's matches from the cursor, never the log.
 */
export function searchEvents(sql: Sql, request: SearchRequest): SearchPage {
  const terms: string[] = [];
  const values: SqlValue[] = [];
  for (const [field, column] of FILTER_COLUMNS) {
    const value = request[field];
    if (value === undefined) continue;
    terms.push(`${terms.length === 0 ? "" : "+"}${column} = ?`);
    values.push(value);
  }
  const ascending = request.order === "asc";
  terms.push(ascending ? "version > ?" : "version < ?");
  values.push(request.cursor, request.limit + 1);
  const { rows, rowsRead } = sql.composed<StoredRow>(
    `SELECT version, received_at, body FROM events WHERE ${terms.join(" AND ")}
     ORDER BY version ${ascending ? "ASC" : "DESC"} LIMIT ?`,
    values,
  );
  const hasMore = rows.length > request.limit;
  if (hasMore) rows.pop();
  return { rows, hasMore, rowsRead };
}

/** The read response's JSON: `nextAfter` for ascending pages, `nextBefore` for descending ones. */
export function searchResponseJson(workspaceId: string, head: number, request: SearchRequest, page: SearchPage): string {
  const events = page.rows.map((row) => storedEventJson(workspaceId, row));
  const next = page.rows.at(-1)?.version ?? request.cursor;
  const nextField = request.order === "asc" ? "nextAfter" : "nextBefore";
  return `{"events":[${events.join(",")}],"head":${head},"${nextField}":${next},"hasMore":${page.hasMore}}`;
}

/** One stored event's JSON by version, or undefined when the log does not hold it. */
export function eventJsonAt(sql: Sql, workspaceId: string, version: number): string | undefined {
  const row = sql.one<StoredRow>`SELECT version, received_at, body FROM events WHERE version = ${version}`;
  return row && storedEventJson(workspaceId, row);
}
