import type { Sql } from "../sql";

/**
 * Named consumers are created by their first ack. Bounded, so that a read key cannot grow the
 * workspace's storage without limit by acking under ever new names.
 */
export const MAX_FEED_CONSUMERS = 1000;

/** The version a consumer last acknowledged, or undefined for a consumer never seen. */
export function consumerCursor(sql: Sql, name: string): number | undefined {
  return sql.one<{ cursor: number }>`SELECT cursor FROM feed_consumers WHERE name = ${name}`?.cursor;
}

/**
 * Stores `version` as the consumer's cursor, as the contract says: the client's ack is taken as
 * given, so a client may also move its cursor back. False when a new consumer would pass the cap.
 */
export function saveConsumerCursor(sql: Sql, name: string, version: number, now: number): boolean {
  const updated = sql.run`UPDATE feed_consumers SET cursor = ${version}, updated_at = ${now} WHERE name = ${name}`;
  if (updated > 0) return true;
  const count = sql.one<{ n: number }>`SELECT count(*) AS n FROM feed_consumers`;
  if ((count?.n ?? 0) >= MAX_FEED_CONSUMERS) return false;
  sql`INSERT INTO feed_consumers (name, cursor, updated_at) VALUES (${name}, ${version}, ${now})`;
  return true;
}
