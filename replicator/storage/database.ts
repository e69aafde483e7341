import { DatabaseSync } from "node:sqlite";

/** Where a SQLite-backed part keeps its data: a file path, or a database the caller opened. */
export type SqliteTarget = { path: string; database?: undefined } | { database: DatabaseSync; path?: undefined };

/**
 * Opens the target. A database opened here is owned (and closed) by the caller of this
 * function; one passed in stays the caller's. WAL lets a reader (the application) look at the
 * replica while the bridge writes. The busy timeout comes first: switching a file to WAL needs
 * a moment alone with it, and a reader that got there first would otherwise fail the start.
 */
export function openDatabase(target: SqliteTarget): { db: DatabaseSync; owned: boolean } {
  if (target.database) return { db: target.database, owned: false };
  const db = new DatabaseSync(target.path);
  db.exec("PRAGMA busy_timeout = 5000");
  if (target.path !== ":memory:") db.exec("PRAGMA journal_mode = WAL");
  return { db, owned: true };
}

export { tableName } from "./identifier.ts";

/** Runs `work` in one transaction. */
export function inTransaction<T>(db: DatabaseSync, work: () => T): T {
  db.exec("BEGIN IMMEDIATE");
  try {
    const result = work();
    db.exec("COMMIT");
    return result;
  } catch (error) {
    db.exec("ROLLBACK");
    throw error;
  }
}
