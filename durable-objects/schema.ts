import type { Sql } from "./sql";

/**
 * Schema migrations of the workspace Durable Object. `PRAGMA user_version` is refused in
 * Durable Objects, so the applied version is kept in a table of its own. Migrations only ever
 * append to this list; each runs once, inside the caller's transaction.
 */
const MIGRATIONS: ReadonlyArray<(sql: Sql) => void> = [
  // 1: the workspace, its ingress secrets and its event log.
  (sql) => {
    sql`CREATE TABLE workspace (
      singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
      workspace_id TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      retention_days INTEGER NOT NULL,
      head INTEGER NOT NULL DEFAULT 0,
      event_count INTEGER NOT NULL DEFAULT 0,
      last_received_at INTEGER NOT NULL DEFAULT 0
    )`;
    sql`CREATE TABLE ingress_secrets (
      secret TEXT PRIMARY KEY,
      created_at INTEGER NOT NULL,
      expires_at INTEGER
    ) WITHOUT ROWID`;
    // The log, keyed by version. `body` is the stored event's JSON without the fields the
    // relay adds (workspaceId, version, receivedAt), so reads splice them in without parsing.
    // The filter columns let delivery select matching events in SQL.
    sql`CREATE TABLE events (
      version INTEGER PRIMARY KEY,
      id TEXT NOT NULL,
      received_at INTEGER NOT NULL,
      entity_kind TEXT NOT NULL,
      event_type TEXT NOT NULL,
      origin TEXT NOT NULL,
      body TEXT NOT NULL
    )`;
    // Dedupe index. Separate from the log so that ids outlive their events for the minimum
    // dedupe window even when retention is shorter.
    sql`CREATE TABLE event_ids (
      id TEXT PRIMARY KEY,
      version INTEGER NOT NULL,
      received_at INTEGER NOT NULL
    ) WITHOUT ROWID`;
  },
];

export const SCHEMA_VERSION = MIGRATIONS.length;

function tableExists(sql: Sql, name: string): boolean {
  return sql.one`SELECT 1 AS found FROM sqlite_master WHERE type = 'table' AND name = ${name}` !== undefined;
}

/** True when this Durable Object holds a workspace (its schema was ever created). */
export function hasSchema(sql: Sql): boolean {
  return tableExists(sql, "schema_version");
}

/** Brings the schema up to date. Call inside `transactionSync`. */
export function migrate(sql: Sql): void {
  if (!hasSchema(sql)) {
    sql`CREATE TABLE schema_version (version INTEGER NOT NULL)`;
    sql`INSERT INTO schema_version (version) VALUES (0)`;
  }
  const current = sql.one<{ version: number }>`SELECT version FROM schema_version`?.version ?? 0;
  for (let version = current; version < MIGRATIONS.length; version++) MIGRATIONS[version]!(sql);
  if (current < MIGRATIONS.length) sql`UPDATE schema_version SET version = ${MIGRATIONS.length}`;
}
