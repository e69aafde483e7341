import type { Migration } from "../schema";

/** The delivery attempt log (contract §8): one row per attempt that reached an outcome. */
export const attemptLogMigrations: Migration[] = [
  {
    name: "attempts/0001-delivery-attempts",
    up: (sql) => {
      // Keyed by (subscriber, seq): seq counts a subscriber's attempts from 1 without gaps, so
      // a page, the "newest N", and every prune are ranges of this one B-tree. WITHOUT ROWID
      // keeps it a single index: one B-tree insert per attempt.
      sql`CREATE TABLE delivery_attempts (
        subscriber_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        webhook_id TEXT NOT NULL,
        from_version INTEGER NOT NULL,
        to_version INTEGER NOT NULL,
        event_count INTEGER NOT NULL,
        attempt INTEGER NOT NULL,
        trigger TEXT NOT NULL,
        started_at INTEGER NOT NULL,
        duration_ms INTEGER NOT NULL,
        outcome TEXT NOT NULL,
        status INTEGER,
        response_body TEXT,
        error TEXT,
        recorded_at INTEGER NOT NULL,
        PRIMARY KEY (subscriber_id, seq)
      ) WITHOUT ROWID`;
    },
  },
];
