import { DELIVERY_HEADERS } from "../../src/contract/delivery";
import type { DeliveryRequest } from "../../src/contract/delivery-messages";
import { signedHeaders } from "../../src/signing/standard-webhooks";
import { storedEventJson, type StoredRow } from "../event-log";
import type { Sql } from "../sql";
import type { InFlight, Subscriber } from "./subscriber-store";

/** The SQL parameters of a subscriber's filter: JSON lists, matched with json_each. */
function filterParams(s: Pick<Subscriber, "filter" | "excludeOrigins">) {
  return {
    kinds: s.filter?.entityKinds ? JSON.stringify(s.filter.entityKinds) : null,
    types: s.filter?.eventTypes ? JSON.stringify(s.filter.eventTypes) : null,
    excluded: JSON.stringify(s.excludeOrigins),
  };
}

/** Events after `after` and up to `upTo` that the subscriber's filter matches, in version order. */
export function matchingEvents(
  sql: Sql,
  s: Pick<Subscriber, "filter" | "excludeOrigins">,
  range: { after: number; upTo: number; limit: number },
): StoredRow[] {
  const f = filterParams(s);
  return sql<StoredRow>`SELECT version, received_at, body FROM events
    WHERE version > ${range.after} AND version <= ${range.upTo}
      AND (${f.kinds} IS NULL OR entity_kind IN (SELECT value FROM json_each(${f.kinds})))
      AND (${f.types} IS NULL OR event_type IN (SELECT value FROM json_each(${f.types})))
      AND origin NOT IN (SELECT value FROM json_each(${f.excluded}))
    ORDER BY version LIMIT ${range.limit}`;
}

/** A stored row with the columns filters look at, for matching in memory (`RecentEvents`). */
export type FilterableRow = StoredRow & { entity_kind: string; event_type: string; origin: string };

/** The filter of `matchingEvents`, for one row in memory: the two must say the same. */
export function matchesFilter(s: Pick<Subscriber, "filter" | "excludeOrigins">, row: FilterableRow): boolean {
  return (
    (!s.filter?.entityKinds || s.filter.entityKinds.includes(row.entity_kind)) &&
    (!s.filter?.eventTypes || s.filter.eventTypes.includes(row.event_type)) &&
    !s.excludeOrigins.includes(row.origin)
  );
}

/** How many events after `after` the subscriber's filter matches (its lag). */
export function countMatching(sql: Sql, s: Pick<Subscriber, "filter" | "excludeOrigins">, after: number): number {
  const f = filterParams(s);
  return (
    sql.one<{ n: number }>`SELECT count(*) AS n FROM events
      WHERE version > ${after}
        AND (${f.kinds} IS NULL OR entity_kind IN (SELECT value FROM json_each(${f.kinds})))
        AND (${f.types} IS NULL OR event_type IN (SELECT value FROM json_each(${f.types})))
        AND origin NOT IN (SELECT value FROM json_each(${f.excluded}))`?.n ?? 0
  );
}

/** The last event after `after` and up to `upTo` that the subscriber's filter matches, if any. */
export function lastMatching(
  sql: Sql,
  s: Pick<Subscriber, "filter" | "excludeOrigins">,
  range: { after: number; upTo: number },
): number | undefined {
  const f = filterParams(s);
  const row = sql.one<{ version: number | null }>`SELECT max(version) AS version FROM events
    WHERE version > ${range.after} AND version <= ${range.upTo}
      AND (${f.kinds} IS NULL OR entity_kind IN (SELECT value FROM json_each(${f.kinds})))
      AND (${f.types} IS NULL OR event_type IN (SELECT value FROM json_each(${f.types})))
      AND origin NOT IN (SELECT value FROM json_each(${f.excluded}))`;
  return row?.version ?? undefined;
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
