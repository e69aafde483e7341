import type { Migration } from "../schema";

/** Subscribers, their cursors and in-flight batches, and dead letters (secrets live in `secrets`). */
export const deliveryMigrations: Migration[] = [
  {
    name: "delivery/0001-subscribers-dead-letters",
    up: (sql) => {
      // One row per subscriber. The in-flight columns describe the single batch being
      // delivered (at most one per subscriber, which is what keeps delivery in order).
      // inflight_phase is 'sending' while an attempt runs and 'waiting' while a retry is
      // scheduled; inflight_lease_until is when the watchdog takes over if no outcome came.
      sql`CREATE TABLE subscribers (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        url TEXT NOT NULL,
        filter_json TEXT,
        exclude_origins_json TEXT NOT NULL,
        max_batch_size INTEGER NOT NULL,
        on_exhausted TEXT NOT NULL,
        state TEXT NOT NULL,
        cursor INTEGER NOT NULL,
        inflight_id TEXT,
        inflight_from INTEGER,
        inflight_to INTEGER,
        inflight_prev INTEGER,
        inflight_attempt INTEGER,
        inflight_phase TEXT,
        inflight_next_attempt_at INTEGER,
        inflight_lease_until INTEGER,
        inflight_first_failed_at INTEGER,
        last_success_at INTEGER,
        last_error_json TEXT,
        consecutive_failures INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL
      ) WITHOUT ROWID`;
      sql`CREATE TABLE dead_letters (
        id TEXT PRIMARY KEY,
        subscriber_id TEXT NOT NULL,
        from_version INTEGER NOT NULL,
        to_version INTEGER NOT NULL,
        prev_version INTEGER NOT NULL,
        attempts INTEGER NOT NULL,
        last_error_json TEXT,
        created_at INTEGER NOT NULL
      ) WITHOUT ROWID`;
      sql`CREATE INDEX dead_letters_by_subscriber ON dead_letters (subscriber_id, created_at)`;
    },
  },
  {
    name: "delivery/0002-protection",
    up: (sql) => {
      // Contract §9: rate limit, auto-disable and why a subscriber is disabled. `channel`
      // tells event subscribers from alert destinations, which ride the same machinery.
      // failing_since is when the failures since the last success began (auto-disable);
      // failing_alerted whether subscriber.failing went out (so recovered follows it once).
      sql`ALTER TABLE subscribers ADD COLUMN channel TEXT NOT NULL DEFAULT 'events'`;
      sql`ALTER TABLE subscribers ADD COLUMN rate_limit_eps REAL`;
      sql`ALTER TABLE subscribers ADD COLUMN disable_after_failing_hours REAL NOT NULL DEFAULT 120`;
      sql`ALTER TABLE subscribers ADD COLUMN disabled_reason TEXT`;
      sql`ALTER TABLE subscribers ADD COLUMN failing_since INTEGER`;
      sql`ALTER TABLE subscribers ADD COLUMN failing_alerted INTEGER NOT NULL DEFAULT 0`;
      // Before this migration only a 410 or the admin disabled a subscriber.
      sql`UPDATE subscribers SET disabled_reason =
            CASE WHEN json_extract(last_error_json, '$.status') = 410 THEN 'gone' ELSE 'manual' END
          WHERE state = 'disabled'`;
      sql`UPDATE subscribers SET failing_since = inflight_first_failed_at WHERE consecutive_failures > 0`;
    },
  },
];
