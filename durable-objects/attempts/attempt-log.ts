import type { AttemptOutcomeKind, AttemptQuery, AttemptTrigger, DeliveryAttempt, DeliveryAttemptPage } from "../../src/contract/attempts";
import type { FinishedAttempt } from "../delivery/observer";
import { DAY_MS } from "../event-log";
import type { Sql } from "../sql";

/**
 * Storage bounds of the attempt log, per subscriber (contract §8): keep at least the newest
 * `keepAtLeast` attempts, or every attempt of the last `keepForMs`, whichever is more, and
 * never more than `keepAtMost`.
 */
export const ATTEMPT_LOG_BOUNDS = { keepAtLeast: 1_000, keepForMs: 7 * DAY_MS, keepAtMost: 10_000 } as const;
/** Age-based pruning runs once per this many attempts of a subscriber (it may keep more, never fewer). */
const AGE_PRUNE_EVERY = 100;

/** One finished attempt as the log stores it: the dispatcher's report, its outcome flattened. */
export type AttemptRecord = Omit<FinishedAttempt, "outcome"> & {
  startedAt: number;
  durationMs: number;
  outcome: AttemptOutcomeKind;
  status: number | null;
  responseBody: string | null;
  error: string | null;
};

/** The log's record of an attempt the dispatcher reported. */
export function attemptRecordOf({ outcome, ...attempt }: FinishedAttempt): AttemptRecord {
  return {
    ...attempt,
    startedAt: outcome.startedAt,
    durationMs: Math.max(0, outcome.at - outcome.startedAt),
    outcome: outcome.kind,
    status: outcome.status,
    responseBody: outcome.responseBody,
    error: outcome.kind === "success" ? null : outcome.message,
  };
}

type AttemptRow = {
  seq: number;
  webhook_id: string;
  from_version: number;
  to_version: number;
  event_count: number;
  attempt: number;
  trigger: string;
  started_at: number;
  duration_ms: number;
  outcome: string;
  status: number | null;
  response_body: string | null;
  error: string | null;
};

const attemptId = (seq: number) => `att_${seq}`;
const seqOf = (id: string) => Number(id.slice("att_".length));

function fromRow(row: AttemptRow): DeliveryAttempt {
  return {
    id: attemptId(row.seq),
    webhookId: row.webhook_id,
    fromVersion: row.from_version,
    toVersion: row.to_version,
    eventCount: row.event_count,
    attempt: row.attempt,
    trigger: row.trigger as AttemptTrigger,
    startedAt: row.started_at,
    durationMs: row.duration_ms,
    outcome: row.outcome as AttemptOutcomeKind,
    status: row.status,
    responseBody: row.response_body,
    error: row.error,
  };
}

/**
 * Every delivery attempt that reached an outcome, per subscriber, newest first. `record` is
 * called inside the transaction that applies the outcome, so logging adds statements to a
 * write that happens anyway, never a storage round trip of its own. Nothing is kept in
 * memory: a seq comes from the key's last entry in the same statement that inserts it, so a
 * transaction rolled back leaves nothing to disagree with. Pruning walks the primary key
 * only, and reads about as many rows as it deletes.
 */
export class AttemptLog {
  constructor(private readonly sql: Sql) {}

  /** Appends one attempt and keeps the subscriber within the bounds. Call inside `transactionSync`. */
  record(a: AttemptRecord, now: number): void {
    // max(seq) under an equality on the key's first column is one seek to the key's end.
    const seq = this.sql.one<{ seq: number }>`INSERT INTO delivery_attempts (subscriber_id, seq, webhook_id, from_version,
        to_version, event_count, attempt, trigger, started_at, duration_ms, outcome, status, response_body, error, recorded_at)
      SELECT ${a.subscriberId}, coalesce(max(seq), 0) + 1, ${a.webhookId}, ${a.fromVersion}, ${a.toVersion}, ${a.eventCount},
        ${a.attempt}, ${a.trigger}, ${a.startedAt}, ${a.durationMs}, ${a.outcome}, ${a.status}, ${a.responseBody},
        ${a.error}, ${now}
      FROM delivery_attempts WHERE subscriber_id = ${a.subscriberId}
      RETURNING seq`!.seq;
    // Seqs only grow, so what falls out of the newest keepAtMost is the start of the key range
    // (one row per attempt once a subscriber is full).
    const overflow = seq - ATTEMPT_LOG_BOUNDS.keepAtMost;
    if (overflow > 0) this.sql`DELETE FROM delivery_attempts WHERE subscriber_id = ${a.subscriberId} AND seq <= ${overflow}`;
    if (seq % AGE_PRUNE_EVERY === 0) this.pruneByAge(a.subscriberId, now, seq);
  }

  /**
   * Deletes a subscriber's attempts older than `keepForMs`, except its newest `keepAtLeast`.
   * Seqs follow recording time, so the old rows are a prefix of the key range: the first
   * young row ends it, and the scan reads only the rows it then deletes (plus that one).
   */
  pruneByAge(subscriberId: string, now: number, newestSeq = this.newestSeq(subscriberId)): number {
    // Seqs have no gaps (each is the last one + 1, and deletes only take a key range's start),
    // so the newest keepAtLeast rows start at a known seq.
    const protectedFrom = newestSeq - ATTEMPT_LOG_BOUNDS.keepAtLeast + 1;
    if (protectedFrom <= 1) return 0;
    const cutoff = now - ATTEMPT_LOG_BOUNDS.keepForMs;
    const firstYoung =
      this.sql.one<{ seq: number }>`SELECT seq FROM delivery_attempts
        WHERE subscriber_id = ${subscriberId} AND seq < ${protectedFrom} AND recorded_at >= ${cutoff}
        ORDER BY seq LIMIT 1`?.seq ?? protectedFrom;
    return this.sql.run`DELETE FROM delivery_attempts WHERE subscriber_id = ${subscriberId} AND seq < ${firstYoung}`;
  }

  /** A page, newest first: at most `limit` attempts before the `before` attempt. */
  page(subscriberId: string, query: AttemptQuery): DeliveryAttemptPage {
    const before = query.before ? seqOf(query.before) : Number.MAX_SAFE_INTEGER;
    // One row more than asked says whether an older page exists.
    const rows = this.sql<AttemptRow>`SELECT seq, webhook_id, from_version, to_version, event_count, attempt, trigger,
        started_at, duration_ms, outcome, status, response_body, error
      FROM delivery_attempts WHERE subscriber_id = ${subscriberId} AND seq < ${before}
      ORDER BY seq DESC LIMIT ${query.limit + 1}`;
    const attempts = rows.slice(0, query.limit).map(fromRow);
    return { attempts, nextBefore: rows.length > query.limit ? attempts.at(-1)!.id : null };
  }

  private newestSeq(subscriberId: string): number {
    return this.sql.one<{ seq: number | null }>`SELECT max(seq) AS seq FROM delivery_attempts WHERE subscriber_id = ${subscriberId}`?.seq ?? 0;
  }

  /** Erases a subscriber's attempts (it was deleted). Call inside `transactionSync`. */
  removeSubscriber(subscriberId: string): void {
    this.sql`DELETE FROM delivery_attempts WHERE subscriber_id = ${subscriberId}`;
  }
}
