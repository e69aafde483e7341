import type { Migration } from "../schema";

/**
 * The alert outbox: operational events waiting to reach the workspace's alert destinations.
 * Destinations themselves are rows of `subscribers` (channel 'alerts'), so each has a cursor
 * into this table and rides the delivery machinery (one batch in flight, queue retries on the
 * delivery schedule, the watchdog) without a second copy of it.
 */
export const alertMigrations: Migration[] = [
  {
    name: "alerts/0001-outbox",
    up: (sql) => {
      // AUTOINCREMENT: a seq is never reused after pruning, so a cursor never points past a
      // later alert.
      sql`CREATE TABLE alert_outbox (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL,
        type TEXT NOT NULL,
        at INTEGER NOT NULL,
        body TEXT NOT NULL
      )`;
      sql`CREATE INDEX alert_outbox_by_time ON alert_outbox (at)`;
    },
  },
];
