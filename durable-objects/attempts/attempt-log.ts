import type { AttemptOutcomeKind, AttemptQuery, AttemptTrigger, DeliveryAttempt, DeliveryAttemptPage } from "../../src/contract/attempts";
import type { FinishedAttempt } from "../delivery/observer";
import { DAY_MS } from "../event-log";
import type { DeferredWrites } from "../deferred-writes";
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

/** The columns of an attempt's row, in the order `write` puts each row's values (seq is worked out in SQL). */
const INSERTED_COLUMNS = [
  "subscriber_id",
  "seq",
  "webhook_id",
  "from_version",
  "to_version",
  "event_count",
  "attempt",
  "trigger",
  "started_at",
  "duration_ms",
  "outcome",
  "status",
  "response_body",
  "error",
  "recorded_at",
] as const;

/**
 * Every held attempt in one statement, as one JSON parameter (a Durable Object's statement takes
 * at most 100 bound parameters). Each row carries its 1-based place among the same subscriber's
 * rows in this statement; its seq is that place past the subscriber's newest stored seq (one seek
 * to the key's end). SQLite runs the whole SELECT before inserting, since it reads the table it
 * inserts into, so every row sees the seqs as they were before the statement.
 */
const INSERT_HELD = `INSERT INTO delivery_attempts (${INSERTED_COLUMNS.join(", ")})
  SELECT p.value ->> 0,
    (SELECT coalesce(max(seq), 0) FROM delivery_attempts WHERE subscriber_id = p.value ->> 0) + (p.value ->> 1),
    ${INSERTED_COLUMNS.slice(2).map((_, i) => `p.value ->> ${i + 2}`).join(", ")}
  FROM json_each(?) AS p
  RETURNING subscriber_id, seq`;

/**
 * Rows per insert: each carries at most 1 KiB of the receiver's answer and a short error, so
 * the JSON parameter stays far below the 2 MB a Durable Object's SQLite takes in one value.
 */
const ROWS_PER_INSERT = 500;

type Held = { attempt: AttemptRecord; now: number };

/**
 * Every delivery attempt that reached an outcome, per subscriber, newest first. The dispatcher
 * reports attempts inside the transaction that applies their outcomes (a fan-out's outcomes
 * share one: OutcomeBatcher), so `hold` keeps them until that transaction's `flush`, which
 * writes them all in one statement: logging adds one statement to a write that happens anyway,
 * not one per attempt, and never a storage round trip of its own. Nothing outlives the
 * transaction in memory: seqs come from the key's last entry in the statement that inserts
 * them, so a transaction rolled back leaves nothing to disagree with. Pruning walks the primary
 * key only, and reads about as many rows as it deletes.
 */
export class AttemptLog implements DeferredWrites {
  private held: Held[] = [];

  constructor(private readonly sql: Sql) {}

  /** Holds an attempt until `flush`, inside the transaction that applies its outcome. */
  hold(attempt: AttemptRecord, now: number): void {
    this.held.push({ attempt, now });
  }

  mark(): number {
    return this.held.length;
  }

  rollBackTo(mark: number): void {
    this.held.length = Math.min(mark, this.held.length);
  }

  /**
   * Writes the held attempts and keeps their subscribers within the bounds. Never throws: an
   * attempt row a failing write could not keep is logged and dropped, rather than undoing the
   * outcomes it records (the stats do the same).
   */
  flush(): void {
    const held = this.held;
    this.held = [];
    if (held.length === 0) return;
    try {
      this.write(held);
    } catch (err) {
      console.error("could not write the delivery attempt log", err instanceof Error ? err.message : String(err));
    }
  }

  private write(held: readonly Held[]): void {
    // Per subscriber: its newest seq, how many rows this write gave it, and the time of the last.
    const written = new Map<string, { newest: number; count: number; now: number }>();
    for (let i = 0; i < held.length; i += ROWS_PER_INSERT) {
      const placeInInsert = new Map<string, number>();
      const rows = held.slice(i, i + ROWS_PER_INSERT).map(({ attempt: a, now }) => {
        const place = (placeInInsert.get(a.subscriberId) ?? 0) + 1;
        placeInInsert.set(a.subscriberId, place);
        const before = written.get(a.subscriberId);
        written.set(a.subscriberId, { newest: before?.newest ?? 0, count: (before?.count ?? 0) + 1, now });
        return [a.subscriberId, place, a.webhookId, a.fromVersion, a.toVersion, a.eventCount, a.attempt, a.trigger,
          a.startedAt, a.durationMs, a.outcome, a.status, a.responseBody, a.error, now];
      });
      const inserted = this.sql.composed<{ subscriber_id: string; seq: number }>(INSERT_HELD, [JSON.stringify(rows)]).rows;
      for (const { subscriber_id, seq } of inserted) {
        const entry = written.get(subscriber_id)!;
        entry.newest = Math.max(entry.newest, seq);
      }
    }
    for (const [subscriberId, { newest, count, now }] of written) {
      // Seqs only grow, so what falls out of the newest keepAtMost is the start of the key range
      // (one row per attempt once a subscriber is full).
      const overflow = newest - ATTEMPT_LOG_BOUNDS.keepAtMost;
      if (overflow > 0) this.sql`DELETE FROM delivery_attempts WHERE subscriber_id = ${subscriberId} AND seq <= ${overflow}`;
      // Once per AGE_PRUNE_EVERY attempts: when this write's seqs passed a multiple of it.
      if (Math.floor(newest / AGE_PRUNE_EVERY) > Math.floor((newest - count) / AGE_PRUNE_EVERY)) this.pruneByAge(subscriberId, now, newest);
    }
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
