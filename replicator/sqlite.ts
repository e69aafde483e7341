/**
 * `@convex-edge-relay/replicator/sqlite`: the SQLite adapter and offset store, on Node's
 * built-in `node:sqlite` (Node ≥ 22.13). A separate entry so that applications using another
 * database never load `node:sqlite`.
 */
export { sqliteAdapter, type SqliteAdapter } from "./adapters/sqlite.ts";
export { sqliteOffsetStore } from "./storage/sqlite.ts";
export type { SqliteTarget } from "./storage/database.ts";
