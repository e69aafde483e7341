import type {
  DeliveryError,
  DisabledReason,
  OnExhausted,
  RateLimit,
  SubscriberFilter,
  SubscriberKind,
  SubscriberState,
} from "../../src/contract/subscriber";
import type { Sql, SqlValue } from "../sql";

/**
 * What a subscriber is delivered: the workspace's events, or (for an alert destination, which
 * rides the same batches, retries and watchdog) the workspace's operational alerts.
 */
export type Channel = "events" | "alerts";

/** A subscriber as the dispatcher works with it. */
export type Subscriber = {
  id: string;
  channel: Channel;
  kind: SubscriberKind;
  url: string;
  /** For an alert destination, `eventTypes` holds the alert types it wants. */
  filter: SubscriberFilter | null;
  excludeOrigins: string[];
  maxBatchSize: number;
  onExhausted: OnExhausted;
  rateLimit: RateLimit | null;
  disableAfterFailingHours: number;
  state: SubscriberState;
  disabledReason: DisabledReason | null;
  cursor: number;
  inFlight: InFlight | null;
  lastSuccessAt: number | null;
  lastError: DeliveryError | null;
  consecutiveFailures: number;
  /** When the failures since the last success began; null while the last attempt succeeded. */
  failingSince: number | null;
  /** True once `subscriber.failing` went out, until `subscriber.recovered` does. */
  failingAlerted: boolean;
  createdAt: number;
};

/** A subscriber's delivery record before its first attempt: nothing sent, nothing failed. */
export const NO_DELIVERIES_YET = {
  inFlight: null,
  lastSuccessAt: null,
  lastError: null,
  consecutiveFailures: 0,
  failingSince: null,
  failingAlerted: false,
} as const satisfies Partial<Subscriber>;

export type InFlight = {
  id: string;
  fromVersion: number;
  toVersion: number;
  prevVersion: number;
  attempt: number;
  phase: "sending" | "waiting";
  nextAttemptAt: number;
  leaseUntil: number;
  firstFailedAt: number | null;
};

type SubscriberRow = {
  id: string;
  channel: string;
  rate_limit_eps: number | null;
  disable_after_failing_hours: number;
  disabled_reason: string | null;
  failing_since: number | null;
  failing_alerted: number;
  kind: string;
  url: string;
  filter_json: string | null;
  exclude_origins_json: string;
  max_batch_size: number;
  on_exhausted: string;
  state: string;
  cursor: number;
  inflight_id: string | null;
  inflight_from: number | null;
  inflight_to: number | null;
  inflight_prev: number | null;
  inflight_attempt: number | null;
  inflight_phase: string | null;
  inflight_next_attempt_at: number | null;
  inflight_lease_until: number | null;
  inflight_first_failed_at: number | null;
  last_success_at: number | null;
  last_error_json: string | null;
  consecutive_failures: number;
  created_at: number;
};

function fromRow(row: SubscriberRow): Subscriber {
  return {
    id: row.id,
    channel: row.channel as Channel,
    kind: row.kind as SubscriberKind,
    url: row.url,
    filter: row.filter_json ? (JSON.parse(row.filter_json) as SubscriberFilter) : null,
    excludeOrigins: JSON.parse(row.exclude_origins_json) as string[],
    maxBatchSize: row.max_batch_size,
    onExhausted: row.on_exhausted as OnExhausted,
    rateLimit: row.rate_limit_eps === null ? null : { eventsPerSecond: row.rate_limit_eps },
    disableAfterFailingHours: row.disable_after_failing_hours,
    state: row.state as SubscriberState,
    disabledReason: row.disabled_reason as DisabledReason | null,
    cursor: row.cursor,
    inFlight:
      row.inflight_id === null
        ? null
        : {
            id: row.inflight_id,
            fromVersion: row.inflight_from!,
            toVersion: row.inflight_to!,
            prevVersion: row.inflight_prev!,
            attempt: row.inflight_attempt!,
            phase: row.inflight_phase as InFlight["phase"],
            nextAttemptAt: row.inflight_next_attempt_at!,
            leaseUntil: row.inflight_lease_until!,
            firstFailedAt: row.inflight_first_failed_at,
          },
    lastSuccessAt: row.last_success_at,
    lastError: row.last_error_json ? (JSON.parse(row.last_error_json) as DeliveryError) : null,
    consecutiveFailures: row.consecutive_failures,
    failingSince: row.failing_since,
    failingAlerted: row.failing_alerted === 1,
    createdAt: row.created_at,
  };
}

/** The columns a delivery step changes, in the order `progressValues` gives their values. */
const PROGRESS_COLUMNS = [
  "state",
  "disabled_reason",
  "cursor",
  "inflight_id",
  "inflight_from",
  "inflight_to",
  "inflight_prev",
  "inflight_attempt",
  "inflight_phase",
  "inflight_next_attempt_at",
  "inflight_lease_until",
  "inflight_first_failed_at",
  "last_success_at",
  "last_error_json",
  "consecutive_failures",
  "failing_since",
  "failing_alerted",
] as const;

function progressValues(s: Subscriber): SqlValue[] {
  const f = s.inFlight;
  return [
    s.state,
    s.disabledReason,
    s.cursor,
    f?.id ?? null,
    f?.fromVersion ?? null,
    f?.toVersion ?? null,
    f?.prevVersion ?? null,
    f?.attempt ?? null,
    f?.phase ?? null,
    f?.nextAttemptAt ?? null,
    f?.leaseUntil ?? null,
    f?.firstFailedAt ?? null,
    s.lastSuccessAt,
    s.lastError ? JSON.stringify(s.lastError) : null,
    s.consecutiveFailures,
    s.failingSince,
    s.failingAlerted ? 1 : 0,
  ];
}

const UPDATE_ONE = `UPDATE subscribers SET ${PROGRESS_COLUMNS.map((column) => `${column} = ?`).join(", ")} WHERE id = ?`;
/**
 * Many subscribers in one statement: their values travel as one JSON parameter, a row
 * `[id, ...progressValues]` each, since a Durable Object's statement takes at most 100 bound
 * parameters (five subscribers' worth). `->>` gives JSON numbers, strings and nulls back as
 * SQL integers, reals, text and NULL, as binding them would.
 */
const UPDATE_MANY = `UPDATE subscribers SET ${PROGRESS_COLUMNS.map((column, i) => `${column} = p.value ->> ${i + 1}`).join(", ")}
  FROM json_each(?) AS p WHERE subscribers.id = p.value ->> 0`;
/** Keeps each statement's JSON parameter far below SQLite's 2 MB value limit in a Durable Object. */
const ROWS_PER_UPDATE = 1_000;

/**
 * Subscriber rows in SQLite with an in-memory copy: the Durable Object is their only writer,
 * and the dispatcher reads them on every commit.
 */
export class SubscriberStore {
  private cache: Map<string, Subscriber> | undefined;

  constructor(private readonly sql: Sql) {}

  private all(): Map<string, Subscriber> {
    this.cache ??= new Map(
      this.sql<SubscriberRow>`SELECT * FROM subscribers ORDER BY id`.map((row) => [row.id, fromRow(row)]),
    );
    return this.cache;
  }

  get(id: string): Subscriber | undefined {
    return this.all().get(id);
  }

  /** Every subscriber of both channels: what the dispatcher moves along. */
  list(): Subscriber[] {
    return [...this.all().values()];
  }

  /** The subscribers of one channel, in id order. */
  listOf(channel: Channel): Subscriber[] {
    return this.list().filter((s) => s.channel === channel);
  }

  /** How many event subscribers the workspace has (alert destinations are not subscribers). */
  count(): number {
    return this.listOf("events").length;
  }

  /** Writes the whole subscriber (insert or replace). */
  save(s: Subscriber): void {
    const f = s.inFlight;
    this.sql`INSERT OR REPLACE INTO subscribers (
        id, channel, kind, url, filter_json, exclude_origins_json, max_batch_size, on_exhausted,
        rate_limit_eps, disable_after_failing_hours, state, disabled_reason, cursor,
        inflight_id, inflight_from, inflight_to, inflight_prev, inflight_attempt, inflight_phase,
        inflight_next_attempt_at, inflight_lease_until, inflight_first_failed_at,
        last_success_at, last_error_json, consecutive_failures, failing_since, failing_alerted, created_at)
      VALUES (${s.id}, ${s.channel}, ${s.kind}, ${s.url}, ${s.filter ? JSON.stringify(s.filter) : null},
        ${JSON.stringify(s.excludeOrigins)}, ${s.maxBatchSize}, ${s.onExhausted},
        ${s.rateLimit?.eventsPerSecond ?? null}, ${s.disableAfterFailingHours}, ${s.state}, ${s.disabledReason}, ${s.cursor},
        ${f?.id ?? null}, ${f?.fromVersion ?? null}, ${f?.toVersion ?? null}, ${f?.prevVersion ?? null},
        ${f?.attempt ?? null}, ${f?.phase ?? null}, ${f?.nextAttemptAt ?? null}, ${f?.leaseUntil ?? null},
        ${f?.firstFailedAt ?? null}, ${s.lastSuccessAt}, ${s.lastError ? JSON.stringify(s.lastError) : null},
        ${s.consecutiveFailures}, ${s.failingSince}, ${s.failingAlerted ? 1 : 0}, ${s.createdAt})`;
    this.all().set(s.id, s);
  }

  /**
   * Writes what delivery changes (state, cursor, the batch in flight, the last outcome) of
   * subscribers already stored, on every step of every delivery: one in-place update for one
   * subscriber, one statement for many (a fan-out starts a batch for every subscriber at once).
   * A subscriber deleted meanwhile stays deleted, in SQLite and here.
   */
  saveProgress(...subscribers: Subscriber[]): void {
    const stored = subscribers.filter((s) => this.all().has(s.id));
    if (stored.length === 1) {
      const [s] = stored as [Subscriber];
      this.sql.composed(UPDATE_ONE, [...progressValues(s), s.id]);
    } else {
      for (let i = 0; i < stored.length; i += ROWS_PER_UPDATE) {
        const rows = stored.slice(i, i + ROWS_PER_UPDATE).map((s) => [s.id, ...progressValues(s)]);
        this.sql.composed(UPDATE_MANY, [JSON.stringify(rows)]);
      }
    }
    for (const s of stored) this.all().set(s.id, s);
  }

  /**
   * Changes the in-memory copy of a stored subscriber only; the caller writes the row before
   * its transaction commits (HeldProgress).
   */
  remember(s: Subscriber): void {
    if (this.all().has(s.id)) this.all().set(s.id, s);
  }

  delete(id: string): void {
    this.sql`DELETE FROM subscribers WHERE id = ${id}`;
    this.sql`DELETE FROM dead_letters WHERE subscriber_id = ${id}`;
    this.all().delete(id);
  }

  /** Forgets the in-memory copy (after the workspace is erased). */
  forget(): void {
    this.cache = undefined;
  }
}
