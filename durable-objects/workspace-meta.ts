import type { Sql } from "./sql";

/** The workspace's settings and counters: the single row of the `workspace` table. */
export type WorkspaceMeta = {
  workspaceId: string;
  createdAt: number;
  retentionDays: number;
  head: number;
  eventCount: number;
  lastReceivedAt: number;
};

type MetaRow = {
  workspace_id: string;
  created_at: number;
  retention_days: number;
  head: number;
  event_count: number;
  last_received_at: number;
};

export function readMeta(sql: Sql): WorkspaceMeta | undefined {
  const row = sql.one<MetaRow>`SELECT * FROM workspace WHERE singleton = 1`;
  if (!row) return undefined;
  return {
    workspaceId: row.workspace_id,
    createdAt: row.created_at,
    retentionDays: row.retention_days,
    head: row.head,
    eventCount: row.event_count,
    lastReceivedAt: row.last_received_at,
  };
}

export function insertMeta(sql: Sql, meta: Pick<WorkspaceMeta, "workspaceId" | "createdAt" | "retentionDays">): void {
  sql`INSERT INTO workspace (singleton, workspace_id, created_at, retention_days)
      VALUES (1, ${meta.workspaceId}, ${meta.createdAt}, ${meta.retentionDays})`;
}

export function writeRetentionDays(sql: Sql, retentionDays: number): void {
  sql`UPDATE workspace SET retention_days = ${retentionDays} WHERE singleton = 1`;
}

export function writeLogCounters(sql: Sql, meta: Pick<WorkspaceMeta, "head" | "eventCount" | "lastReceivedAt">): void {
  sql`UPDATE workspace SET head = ${meta.head}, event_count = ${meta.eventCount},
      last_received_at = ${meta.lastReceivedAt} WHERE singleton = 1`;
}
