import type { EventFilters, ReadQuery } from "../src/contract/event";
import { storedEventJson, type StoredRow } from "./event-log";
import type { Sql, SqlValue } from "./sql";

/**
 * Event search over the log (contract §3 and §8): exact filters, both orders, paged by
 * version. Each filter column has its own index (`log/0003-search-indexes`), keyed
 * (column, version), so one filter reads only its matching rows from the cursor on, and
 * several leapfrog through their indexes to the versions they all match.
 */

/**
 * Filter fields, their columns and the index of each (`log/0003-search-indexes`), in the order a
 * combined search seeks them: entity ids are the narrowest (one entity), so they lead; kinds,
 * types and origins have few values each.
 */
const FILTER_COLUMNS = [
  ["entityId", "entity_id", "events_by_entity_id"],
  ["entityKind", "entity_kind", "events_by_entity_kind"],
  ["eventType", "event_type", "events_by_event_type"],
  ["origin", "origin", "events_by_origin"],
] as const satisfies readonly (readonly [keyof EventFilters, string, string])[];

/** A page request: the cursor is exclusive, `after` for ascending reads, `before` for descending ones. */
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

type GivenFilter = { column: string; index: string; value: string };

/**
 * One page of matching events, reading one row past `limit` to learn `hasMore`. No filter or
 * one filter is one range of one index. Several are an intersection of their indexes
 * (`intersectionQuery`): reading the rows of any one of them would cost as many rows as that
 * filter matches from the cursor, however few of them match the others.
 */
export function searchEvents(sql: Sql, request: SearchRequest): SearchPage {
  const filters: GivenFilter[] = [];
  for (const [field, column, index] of FILTER_COLUMNS) {
    const value = request[field];
    if (value !== undefined) filters.push({ column, index, value });
  }
  const { text, values } = filters.length > 1 ? intersectionQuery(filters, request) : rangeQuery(filters[0], request);
  const { rows, rowsRead } = sql.composed<StoredRow>(text, values);
  const hasMore = rows.length > request.limit;
  if (hasMore) rows.pop();
  return { rows, hasMore, rowsRead };
}

type Query = { text: string; values: SqlValue[] };

/** The log, or one filter's index, read from the cursor on. */
function rangeQuery(filter: GivenFilter | undefined, request: SearchRequest): Query {
  const ascending = request.order === "asc";
  const terms = filter ? [`${filter.column} = ?`] : [];
  terms.push(ascending ? "version > ?" : "version < ?");
  return {
    text: `SELECT version, received_at, body FROM events WHERE ${terms.join(" AND ")}
      ORDER BY version ${ascending ? "ASC" : "DESC"} LIMIT ?`,
    values: [...(filter ? [filter.value] : []), request.cursor, request.limit + 1],
  };
}

/**
 * Several filters as a leapfrog intersection of their indexes, in one recursive statement. From
 * a version `v`, the first filter's index gives its next match `a`; each next index gives its
 * next match at or past the previous one's, ending at `z`. When `z = a`, every filter matches
 * `a`, a hit; otherwise no version before `z` can match them all, so the walk jumps there. Each
 * step is one seek per index, and every step either finds a hit or jumps past a stretch where
 * some filter has no match: a common value combined with a rare one costs a few seeks per hit,
 * not a read of every row of the common value (two common values that rarely meet cost at most
 * a step per match of the rarer one).
 *
 * SQLite allows the recursive table only in the step's own FROM, not in a subquery there, so a
 * step cannot name its `a` once and reuse it: it carries `a` and `z` for the next step to decide
 * from, and seeks the first index twice (for `a`, and to start the chain).
 */
function intersectionQuery(filters: readonly GivenFilter[], request: SearchRequest): Query {
  const ascending = request.order === "asc";
  const values: SqlValue[] = [];
  const param = (value: SqlValue) => {
    values.push(value);
    return `?${values.length}`;
  };
  const filterParams = filters.map((f) => param(f.value));
  // The filter's next match at or past `from` (at or before, descending), by its own index:
  // INDEXED BY keeps SQLite from walking the primary key's range instead.
  const seek = (i: number, from: string) =>
    `(SELECT version FROM events INDEXED BY ${filters[i]!.index} WHERE ${filters[i]!.column} = ${filterParams[i]} ` +
    `AND version ${ascending ? ">=" : "<="} ${from} ORDER BY version ${ascending ? "ASC" : "DESC"} LIMIT 1)`;
  const chain = (from: string) => filters.slice(1).reduce((at, _, i) => seek(i + 1, at), from);
  const step = ascending ? "+ 1" : "- 1";
  const start = param(ascending ? request.cursor + 1 : request.cursor - 1);
  const wanted = param(request.limit + 1);
  const next = `CASE WHEN walk.z = walk.a THEN walk.a ${step} ELSE walk.z END`;
  // CROSS JOIN keeps the walk the outer loop: to order by the log's version, SQLite would
  // rather scan the whole log and look each row up in the walk.
  return {
    text: `WITH RECURSIVE walk(a, z, hits) AS (
        SELECT ${seek(0, start)}, ${chain(seek(0, start))}, 0
        UNION ALL
        SELECT ${seek(0, next)}, ${chain(seek(0, next))}, walk.hits + (walk.z = walk.a)
        FROM walk WHERE walk.z IS NOT NULL AND walk.hits + (walk.z = walk.a) < ${wanted}
      )
      SELECT events.version, events.received_at, events.body FROM walk CROSS JOIN events ON events.version = walk.a
      WHERE walk.z = walk.a ORDER BY walk.a ${ascending ? "ASC" : "DESC"}`,
    values,
  };
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
