import type { AlertBody, AlertType } from "../../src/contract/alerts";
import type { StoredRow } from "../event-log";
import type { Sql } from "../sql";
import type { Subscriber } from "../delivery/subscriber-store";

/** An outbox row shaped as the dispatcher's batches expect: `seq` plays the version. */
export type AlertRow = StoredRow & { alert_id: string };

/** Alerts stay this long at most; a destination retried past it has long been given up on. */
const ALERT_RETENTION_MS = 7 * 86_400_000;

/** An alert id for `webhook-id`: unique across workspaces, and without a `.`. */
function newAlertId(): string {
  return `alert_${crypto.randomUUID().replaceAll("-", "")}`;
}

/**
 * Writes alerts and reads them back for delivery. `emit` runs inside the transaction of the
 * transition it reports, so an alert exists exactly when its transition was stored.
 */
export class AlertOutbox {
  private latestSeq: number | undefined;

  constructor(
    private readonly sql: Sql,
    private readonly workspaceId: () => string,
  ) {}

  /** The seq of the latest alert (0 when none was ever written): the alert channel's head. */
  head(): number {
    this.latestSeq ??= this.sql.one<{ seq: number }>`SELECT seq FROM sqlite_sequence WHERE name = 'alert_outbox'`?.seq ?? 0;
    return this.latestSeq;
  }

  /** Records one alert. Call inside the transaction that stores the transition. */
  emit(type: AlertType, subscriberId: string, data: Record<string, unknown>, now: number): AlertBody {
    const alert: AlertBody = { id: newAlertId(), type, at: now, workspaceId: this.workspaceId(), subscriberId, data };
    this.sql`INSERT INTO alert_outbox (id, type, at, body) VALUES (${alert.id}, ${type}, ${now}, ${JSON.stringify(alert)})`;
    this.latestSeq = undefined;
    return alert;
  }

  /** The alerts after `after`, up to `upTo`, of the types the destination wants, in order. */
  matching(destination: Pick<Subscriber, "filter">, range: { after: number; upTo: number; limit: number }): AlertRow[] {
    const types = destination.filter?.eventTypes ? JSON.stringify(destination.filter.eventTypes) : null;
    return this.sql<AlertRow>`SELECT seq AS version, at AS received_at, body, id AS alert_id FROM alert_outbox
      WHERE seq > ${range.after} AND seq <= ${range.upTo}
        AND (${types} IS NULL OR type IN (SELECT value FROM json_each(${types})))
      ORDER BY seq LIMIT ${range.limit}`;
  }

  /**
   * Deletes alerts every destination is past, and any older than a week (by then even the
   * default schedule gave up on them). Called by the retention sweep.
   */
  prune(slowestCursor: number, now: number): void {
    this.sql`DELETE FROM alert_outbox WHERE seq <= ${slowestCursor} OR at < ${now - ALERT_RETENTION_MS}`;
  }

  /** Forgets the cached head (after the workspace is erased). */
  forget(): void {
    this.latestSeq = undefined;
  }
}
