import type { Migration } from "./schema";

/** The workspace, its ingress secrets and its event log. */
export const logMigrations: Migration[] = [
  {
    name: "log/0001-workspace-secrets-events",
    up: (sql) => {
      sql`CREATE TABLE workspace (
        singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
        workspace_id TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        retention_days INTEGER NOT NULL,
        head INTEGER NOT NULL DEFAULT 0,
        event_count INTEGER NOT NULL DEFAULT 0,
        last_received_at INTEGER NOT NULL DEFAULT 0
      )`;
      // Signing secrets of the workspace (owner 'ingress') and of each subscriber
      // ('subscriber:<id>'). A secret without expiry is current; rotation gives the others
      // an expiry at the end of the grace period.
      sql`CREATE TABLE secrets (
        owner TEXT NOT NULL,
        secret TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        expires_at INTEGER,
        PRIMARY KEY (owner, secret)
      ) WITHOUT ROWID`;
      // The log, keyed by version. \`body\` is the stored event's JSON without the fields the
      // relay adds (workspaceId, version, receivedAt), so reads splice them in without
      // parsing. The filter columns let delivery select matching events in SQL.
      sql`CREATE TABLE events (
        version INTEGER PRIMARY KEY,
        id TEXT NOT NULL,
        received_at INTEGER NOT NULL,
        entity_kind TEXT NOT NULL,
        event_type TEXT NOT NULL,
        origin TEXT NOT NULL,
        body TEXT NOT NULL
      )`;
      // Dedupe index. Separate from the log so that ids outlive their events for the
      // minimum dedupe window even when retention is shorter.
      sql`CREATE TABLE event_ids (
        id TEXT PRIMARY KEY,
        version INTEGER NOT NULL,
        received_at INTEGER NOT NULL
      ) WITHOUT ROWID`;
    },
  },
  {
    // The dedupe index follows the log inside the statement that appends, so the two can never
    // disagree, and an append costs one statement rather than two (statements, not rows, are
    // what an append pays for). Pruning deletes events only; ids expire on their own clock.
    name: "log/0002-event-ids-follow-appends",
    up: (sql) => {
      sql`CREATE TRIGGER event_ids_follow_appends AFTER INSERT ON events BEGIN
        INSERT INTO event_ids (id, version, received_at) VALUES (NEW.id, NEW.version, NEW.received_at);
      END`;
    },
  },
  {
    // Event search (contract §8): one index per filter column, so a filtered page reads the
    // matching rows only. Each index is keyed (column, rowid) and `version` is the rowid, so
    // it also yields a filter's events in version order, both ways, from any cursor.
    // entity_id is new: existing rows are filled from their body once, here.
    name: "log/0003-search-indexes",
    up: (sql) => {
      sql`ALTER TABLE events ADD COLUMN entity_id TEXT`;
      sql`UPDATE events SET entity_id = body->>'entityId'`;
      sql`CREATE INDEX events_by_entity_id ON events (entity_id)`;
      sql`CREATE INDEX events_by_entity_kind ON events (entity_kind)`;
      sql`CREATE INDEX events_by_event_type ON events (event_type)`;
      sql`CREATE INDEX events_by_origin ON events (origin)`;
    },
  },
];
