import type { Sql } from "./sql";

/**
 * Schema migrations of the workspace Durable Object. `PRAGMA user_version` is refused in
 * Durable Objects, so applied migrations are recorded in a table of their own. Each feature
 * module (log, delivery, feed, …) owns its migrations; names are unique and never change,
 * and a migration runs once, inside the caller's transaction.
 */
export type Migration = { name: string; up: (sql: Sql) => void };

function tableExists(sql: Sql, name: string): boolean {
  return sql.one`SELECT 1 AS found FROM sqlite_master WHERE type = 'table' AND name = ${name}` !== undefined;
}

/** True when this Durable Object holds a workspace (its schema was ever created). */
export function hasSchema(sql: Sql): boolean {
  return tableExists(sql, "schema_migrations");
}

/** Applies every migration not yet recorded, in list order. Call inside `transactionSync`. */
export function migrate(sql: Sql, migrations: readonly Migration[]): void {
  if (!hasSchema(sql)) {
    sql`CREATE TABLE schema_migrations (name TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)`;
  }
  const applied = new Set(sql<{ name: string }>`SELECT name FROM schema_migrations`.map((row) => row.name));
  for (const migration of migrations) {
    if (applied.has(migration.name)) continue;
    migration.up(sql);
    sql`INSERT INTO schema_migrations (name, applied_at) VALUES (${migration.name}, ${Date.now()})`;
  }
}
