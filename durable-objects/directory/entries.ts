import type { Migration } from "../schema";
import type { Sql } from "../sql";

/**
 * The directory's table: one row per workspace it has ever heard of. A row is listed when the
 * workspace exists as far as the directory knows; `pending_since` marks an intent (a PUT or
 * DELETE in flight, or one that crashed) whose outcome is not settled yet. `last_seq` is the
 * sequence number of the latest intent, so an older operation or check never overwrites what
 * a newer one settled. Rows of deleted workspaces stay as unlisted tombstones for a day, so a
 * late settlement still finds its sequence number to compare against.
 */
export const directoryMigrations: Migration[] = [
  {
    name: "directory/0001-entries",
    up: (sql) => {
      sql`CREATE TABLE directory_entries (
        workspace_id TEXT PRIMARY KEY,
        listed INTEGER NOT NULL,
        created_at INTEGER,
        last_seq INTEGER NOT NULL,
        pending_since INTEGER,
        updated_at INTEGER NOT NULL
      ) WITHOUT ROWID`;
      sql`CREATE INDEX directory_pending ON directory_entries (pending_since) WHERE pending_since IS NOT NULL`;
      sql`CREATE TABLE directory_sequence (singleton INTEGER PRIMARY KEY CHECK (singleton = 1), seq INTEGER NOT NULL)`;
      sql`INSERT INTO directory_sequence (singleton, seq) VALUES (1, 0)`;
    },
  },
];

export type EntryRow = {
  workspace_id: string;
  listed: number;
  created_at: number | null;
  last_seq: number;
  pending_since: number | null;
};

/** What the workspace's own Durable Object says: the truth the directory follows. */
export type WorkspaceTruth = { exists: true; createdAt: number } | { exists: false };

export class DirectoryEntries {
  constructor(private readonly sql: Sql) {}

  /** Records an intent on a workspace and returns its sequence number. Call inside `transactionSync`. */
  intend(workspaceId: string, now: number): number {
    const seq = this.sql.one<{ seq: number }>`UPDATE directory_sequence SET seq = seq + 1 WHERE singleton = 1 RETURNING seq`!.seq;
    this.sql`INSERT INTO directory_entries (workspace_id, listed, created_at, last_seq, pending_since, updated_at)
             VALUES (${workspaceId}, 0, NULL, ${seq}, ${now}, ${now})
             ON CONFLICT (workspace_id) DO UPDATE SET last_seq = excluded.last_seq,
               pending_since = excluded.pending_since, updated_at = excluded.updated_at`;
    return seq;
  }

  /**
   * Applies a workspace's truth if no newer intent came since `seq`. `stillPending` keeps the
   * intent open (its operation may still be running); otherwise the row is settled.
   * `onlyIfPending` is for checks: a settlement that already happened must not be undone.
   */
  apply(
    workspaceId: string,
    seq: number,
    truth: WorkspaceTruth,
    now: number,
    opts: { stillPending: boolean; onlyIfPending: boolean },
  ): void {
    const listed = truth.exists ? 1 : 0;
    const createdAt = truth.exists ? truth.createdAt : null;
    this.sql`UPDATE directory_entries SET listed = ${listed}, created_at = ${createdAt},
               pending_since = CASE WHEN ${opts.stillPending ? 1 : 0} = 1 THEN pending_since END,
               updated_at = ${now}
             WHERE workspace_id = ${workspaceId} AND last_seq = ${seq}
               AND (${opts.onlyIfPending ? 1 : 0} = 0 OR pending_since IS NOT NULL)`;
  }

  /** Up to `limit` listed rows after `cursor`, in workspaceId order. */
  listed(cursor: string, limit: number): EntryRow[] {
    return this.sql<EntryRow>`SELECT * FROM directory_entries
      WHERE workspace_id > ${cursor} AND listed = 1 ORDER BY workspace_id LIMIT ${limit}`;
  }

  /** Rows with an open intent after `cursor`, up to `upTo` inclusive when given. */
  pendingBetween(cursor: string, upTo: string | null): EntryRow[] {
    return upTo === null
      ? this.sql<EntryRow>`SELECT * FROM directory_entries
          WHERE workspace_id > ${cursor} AND pending_since IS NOT NULL ORDER BY workspace_id`
      : this.sql<EntryRow>`SELECT * FROM directory_entries
          WHERE workspace_id > ${cursor} AND workspace_id <= ${upTo} AND pending_since IS NOT NULL
          ORDER BY workspace_id`;
  }

  /** Rows whose intent has been open since before `before`. */
  pendingSinceBefore(before: number): EntryRow[] {
    return this.sql<EntryRow>`SELECT * FROM directory_entries
      WHERE pending_since IS NOT NULL AND pending_since < ${before}`;
  }

  oldestPending(): number | null {
    return this.sql.one<{ at: number | null }>`SELECT min(pending_since) AS at FROM directory_entries
      WHERE pending_since IS NOT NULL`?.at ?? null;
  }

  /** Deletes tombstones settled before `before`. */
  pruneTombstones(before: number): number {
    return this.sql.run`DELETE FROM directory_entries
      WHERE listed = 0 AND pending_since IS NULL AND updated_at < ${before}`;
  }
}
