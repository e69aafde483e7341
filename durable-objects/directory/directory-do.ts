import { DurableObject } from "cloudflare:workers";
import { migrate } from "../schema";
import { createSql, type Sql } from "../sql";
import { DirectoryEntries, directoryMigrations, type EntryRow, type WorkspaceTruth } from "./entries";

/**
 * How long an intent may stay open before a check settles it for good. A PUT or DELETE
 * settles its own intent within one request; past this age, an open intent belongs to an
 * operation that crashed, and the workspace's state no longer moves under the check.
 */
export const INTENT_LEASE_MS = 5 * 60 * 1000;
/** Tombstones outlive any late settlement of the operation that made them. */
const TOMBSTONE_TTL_MS = 24 * 60 * 60 * 1000;

/** The name of the one directory object. */
export const DIRECTORY_NAME = "directory";

export type DirectoryListing = { entries: { workspaceId: string; createdAt: number }[]; nextCursor: string | null };

/**
 * The workspace directory (contract §8): Durable Objects cannot be enumerated, so this single
 * object keeps the sorted list of workspaces. Every PUT and DELETE records an intent here
 * before it writes the workspace, and settles it after (`src/directory/registry.ts`). An
 * intent left open by a crash is checked against the workspace itself: on every list that
 * would show it, and by this object's alarm. Why, and what it costs: docs/operator-api-design.md.
 */
export class WorkspaceDirectory extends DurableObject<Env> {
  private readonly sql: Sql;
  private readonly entries: DirectoryEntries;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = createSql(ctx.storage.sql);
    this.entries = new DirectoryEntries(this.sql);
    ctx.storage.transactionSync(() => migrate(this.sql, directoryMigrations));
  }

  /** Opens an intent before a workspace write; returns the sequence number to settle it with. */
  async intend(workspaceId: string): Promise<number> {
    const now = Date.now();
    const seq = this.ctx.storage.transactionSync(() => this.entries.intend(workspaceId, now));
    await this.armNoLaterThan(now + INTENT_LEASE_MS);
    return seq;
  }

  /** Settles an intent with what the workspace said right after its write. */
  async settle(workspaceId: string, seq: number, truth: WorkspaceTruth): Promise<void> {
    this.entries.apply(workspaceId, seq, truth, Date.now(), { stillPending: false, onlyIfPending: false });
  }

  /**
   * A page of listed workspaces after `cursor`. Open intents within the page's range are
   * checked against their workspace first, so the page is exact even after a crash.
   */
  async list(cursor: string | undefined, limit: number): Promise<DirectoryListing> {
    const after = cursor ?? "";
    const checked = new Set<string>();
    for (;;) {
      const rows = this.entries.listed(after, limit + 1);
      const upTo = rows.length > limit ? rows[limit]!.workspace_id : null;
      const open = this.entries.pendingBetween(after, upTo).filter((row) => !checked.has(row.workspace_id));
      if (open.length === 0) {
        const page = rows.slice(0, limit);
        return {
          entries: page.map((row) => ({ workspaceId: row.workspace_id, createdAt: row.created_at! })),
          nextCursor: rows.length > limit ? page.at(-1)!.workspace_id : null,
        };
      }
      await Promise.all(open.map((row) => this.check(row)));
      for (const row of open) checked.add(row.workspace_id);
    }
  }

  /** Settles the intents left open past their lease, and forgets old tombstones. */
  override async alarm(): Promise<void> {
    const now = Date.now();
    await Promise.all(this.entries.pendingSinceBefore(now - INTENT_LEASE_MS).map((row) => this.check(row)));
    this.entries.pruneTombstones(now - TOMBSTONE_TTL_MS);
    const oldest = this.entries.oldestPending();
    if (oldest !== null) await this.ctx.storage.setAlarm(Math.max(oldest + INTENT_LEASE_MS, now + 1000));
  }

  /**
   * Asks the workspace whether it exists and applies the answer, unless a newer intent or a
   * settlement came meanwhile. An intent younger than its lease stays open: its operation may
   * still be running and will settle it, or a later check will.
   */
  private async check(row: EntryRow): Promise<void> {
    const truth = await this.truthOf(row.workspace_id);
    const now = Date.now();
    const stillPending = row.pending_since !== null && now - row.pending_since < INTENT_LEASE_MS;
    this.entries.apply(row.workspace_id, row.last_seq, truth, now, { stillPending, onlyIfPending: true });
  }

  private async truthOf(workspaceId: string): Promise<WorkspaceTruth> {
    const info = await this.env.WORKSPACE.get(this.env.WORKSPACE.idFromName(workspaceId)).info();
    return info.ok ? { exists: true, createdAt: info.body.createdAt } : { exists: false };
  }

  private async armNoLaterThan(at: number): Promise<void> {
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > at) await this.ctx.storage.setAlarm(at);
  }
}
