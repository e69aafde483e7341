import type { Migration } from "../schema";

/** The feed's named consumers and the cursor each last acknowledged. */
export const feedMigrations: Migration[] = [
  {
    name: "feed/0001-consumers",
    up: (sql) => {
      sql`CREATE TABLE feed_consumers (
        name TEXT PRIMARY KEY,
        cursor INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      ) WITHOUT ROWID`;
    },
  },
];
