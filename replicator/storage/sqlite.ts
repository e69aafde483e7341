import type { OffsetStore } from "../src/types.ts";
import { openDatabase, tableName, type SqliteTarget } from "./database.ts";

/**
 * The default offset store: one row per stream in a SQLite table (`node:sqlite`, Node ≥ 22.13).
 * Give it the replica's own database to keep offsets next to the data.
 */
export function sqliteOffsetStore(options: SqliteTarget & { table?: string }): OffsetStore {
  const { db, owned } = openDatabase(options);
  const table = tableName(options.table ?? "relay_offsets");
  db.exec(`CREATE TABLE IF NOT EXISTS ${table} (
    stream TEXT PRIMARY KEY,
    version INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  ) WITHOUT ROWID`);
  const load = db.prepare(`SELECT version FROM ${table} WHERE stream = ?`);
  const save = db.prepare(`INSERT INTO ${table} (stream, version, updated_at) VALUES (?, ?, ?)
    ON CONFLICT (stream) DO UPDATE SET version = excluded.version, updated_at = excluded.updated_at`);
  return {
    load(stream) {
      const row = load.get(stream) as { version: number } | undefined;
      return row?.version;
    },
    save(stream, version) {
      save.run(stream, version, Date.now());
    },
    close() {
      if (owned) db.close();
    },
  };
}
