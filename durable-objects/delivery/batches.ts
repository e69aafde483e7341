import { DELIVERY_HEADERS } from "../../src/contract/delivery";
import type { DeliveryRequest } from "../../src/contract/delivery-messages";
import { signedHeaders } from "../../src/signing/standard-webhooks";
import { storedEventJson, type StoredRow } from "../event-log";
import type { Sql, SqlValue } from "../sql";
import type { InFlight, Subscriber } from "./subscriber-store";

type Filtered = Pick<Subscriber, "filter" | "excludeOrigins">;

/**
 * The events of a version range that a subscriber's filter matches, as one SQL condition
 * shared by every query that asks (`matchesFilter` says the same for a row in memory). Its
 * values bind the range, then the filter's lists as JSON, matched with json_each.
 */
const MATCHING_IN_RANGE = `version > ? AND version <= ?
  AND (? IS NULL OR entity_kind IN (SELECT value FROM json_each(?)))
  AND (? IS NULL OR event_type IN (SELECT value FROM json_each(?)))
  AND origin NOT IN (SELECT value FROM json_each(?))`;

function matchingValues(s: Filtered, range: { after: number; upTo: number }): SqlValue[] {
  const kinds = s.filter?.entityKinds ? JSON.stringify(s.filter.entityKinds) : null;
  const types = s.filter?.eventTypes ? JSON.stringify(s.filter.eventTypes) : null;
  return [range.after, range.upTo, kinds, kinds, types, types, JSON.stringify(s.excludeOrigins)];
}

/** Events after `after` and up to `upTo` that the subscriber's filter matches, in version order. */
export function matchingEvents(sql: Sql, s: Filtered, range: { after: number; upTo: number; limit: number }): StoredRow[] {
  return sql.composed<StoredRow>(
    `SELECT version, received_at, body FROM events WHERE ${MATCHING_IN_RANGE} ORDER BY version LIMIT ?`,
    [...matchingValues(s, range), range.limit],
  ).rows;
}

/** A stored row with the columns filters look at, for matching in memory (`RecentEvents`). */
export type FilterableRow = StoredRow & { entity_kind: string; event_type: string; origin: string };

/** The filter of `matchingEvents`, for one row in memory: the two must say the same. */
export function matchesFilter(s: Filtered, row: FilterableRow): boolean {
  return (
    (!s.filter?.entityKinds || s.filter.entityKinds.includes(row.entity_kind)) &&
    (!s.filter?.eventTypes || s.filter.eventTypes.includes(row.event_type)) &&
    !s.excludeOrigins.includes(row.origin)
  );
}

/** How many events after `after` the subscriber's filter matches (its lag). */
export function countMatching(sql: Sql, s: Filtered, after: number): number {
  const range = { after, upTo: Number.MAX_SAFE_INTEGER };
  return sql.composed<{ n: number }>(`SELECT count(*) AS n FROM events WHERE ${MATCHING_IN_RANGE}`, matchingValues(s, range))
    .rows[0]!.n;
}

/** The last event after `after` and up to `upTo` that the subscriber's filter matches, if any. */
export function lastMatching(sql: Sql, s: Filtered, range: { after: number; upTo: number }): number | undefined {
  const { rows } = sql.composed<{ version: number | null }>(
    `SELECT max(version) AS version FROM events WHERE ${MATCHING_IN_RANGE}`,
    matchingValues(s, range),
  );
  return rows[0]?.version ?? undefined;
}

/** A new batch id for `webhook-id`: unique, stable across the batch's retries, and without a `.`. */
export function newDeliveryId(): string {
  return `msg_${crypto.randomUUID().replaceAll("-", "")}`;
}

/** The signed request of one attempt at a batch (contract §5). */
export async function buildDeliveryRequest(input: {
  workspaceId: string;
  subscriber: Pick<Subscriber, "id" | "url">;
  batch: Pick<InFlight, "id" | "prevVersion" | "attempt">;
  rows: readonly StoredRow[];
  secrets: readonly string[];
  now: number;
}): Promise<DeliveryRequest> {
  const { workspaceId, subscriber, batch, rows } = input;
  const events = rows.map((row) => storedEventJson(workspaceId, row)).join(",");
  const body = `{"workspaceId":${JSON.stringify(workspaceId)},"subscriberId":${JSON.stringify(subscriber.id)},"prevVersion":${batch.prevVersion},"events":[${events}]}`;
  const signature = await signedHeaders({
    id: batch.id,
    timestampSeconds: Math.floor(input.now / 1000),
    body,
    secrets: input.secrets,
  });
  return {
    url: subscriber.url,
    body,
    headers: {
      "content-type": "application/json",
      ...signature,
      [DELIVERY_HEADERS.workspace]: workspaceId,
      [DELIVERY_HEADERS.subscriber]: subscriber.id,
      [DELIVERY_HEADERS.firstVersion]: String(rows[0]!.version),
      [DELIVERY_HEADERS.lastVersion]: String(rows.at(-1)!.version),
      [DELIVERY_HEADERS.prevVersion]: String(batch.prevVersion),
      [DELIVERY_HEADERS.attempt]: String(batch.attempt),
    },
  };
}
