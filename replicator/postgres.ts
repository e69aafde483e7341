/**
 * `@convex-edge-relay/replicator/postgres`: the Postgres adapter, with its offsets in the same
 * database. It is typed structurally and imports nothing from `pg`: pass your own `pg.Pool`.
 */
export { postgresAdapter, type PgQueryable, type PostgresAdapter, type PostgresAdapterOptions } from "./adapters/postgres.ts";
