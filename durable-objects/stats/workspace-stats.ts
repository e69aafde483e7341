import { STATS_WINDOWS, type StatsBucket, type StatsWindow, type WorkspaceStats } from "../../src/contract/stats";
import type { Sql } from "../sql";
import type { DeferredWrites } from "../deferred-writes";
import { addLatency, mergeInto, percentile, type LatencyBins } from "./latency-histogram";

const MINUTE_MS = 60_000;
/** The longest window, and so how long a minute row is kept. */
const KEPT_MS = STATS_WINDOWS["24h"].bucketSeconds * 1000 * STATS_WINDOWS["24h"].buckets;

type Minute = {
  at: number;
  ingested: number;
  duplicates: number;
  delivered: number;
  failedAttempts: number;
  deadLettered: number;
  latency: LatencyBins;
};

type MinuteRow = {
  at: number;
  ingested: number;
  duplicates: number;
  delivered: number;
  failed_attempts: number;
  dead_lettered: number;
  latency_bins: string;
};

const minuteOf = (ms: number) => Math.floor(ms / MINUTE_MS) * MINUTE_MS;

const emptyMinute = (at: number): Minute => ({
  at,
  ingested: 0,
  duplicates: 0,
  delivered: 0,
  failedAttempts: 0,
  deadLettered: 0,
  latency: {},
});

function fromRow(row: MinuteRow): Minute {
  return {
    at: row.at,
    ingested: row.ingested,
    duplicates: row.duplicates,
    delivered: row.delivered,
    failedAttempts: row.failed_attempts,
    deadLettered: row.dead_lettered,
    latency: JSON.parse(row.latency_bins) as LatencyBins,
  };
}

/** An acknowledged event: its version and when it was committed. */
export type AckedEvent = { version: number; receivedAt: number };

/** A change held until the next flush, and how to take back what it did in memory. */
type HeldChange = { at: number; change?: (m: Minute) => void; undo?: () => void };

/**
 * Counters of one workspace in one-minute buckets. Latency percentiles come from a log-scale
 * histogram per minute, never from stored samples. Minutes older than the longest window are
 * deleted as the clock moves on.
 *
 * Changes are held in memory until `flush`, which the owner of the transaction they belong to
 * calls before it commits (the ingest, the OutcomeBatcher): a fan-out's outcomes all change
 * the same minute's row, so they rewrite it once per commit rather than once per outcome.
 * This object is the row's only writer, so a flush replaces the row from the in-memory copy
 * of the newest minute, which changes only once the write has been made. An outcome undone
 * by its savepoint takes its held changes back (`rollBackTo`), so memory and storage agree.
 */
export class WorkspaceStatsLog implements DeferredWrites {
  /** The minute row written last, as stored. */
  private current: Minute | undefined;
  /**
   * The highest version each subscriber has acknowledged in this object's life: an event at
   * or below it was acknowledged before (a replay sends it again), so it is not a first
   * acknowledgement. Starts at the cursor a subscriber's first settled batch started from.
   */
  private readonly ackedThrough = new Map<string, number>();
  private held: HeldChange[] = [];

  constructor(private readonly sql: Sql) {}

  /** Events committed by one ingest request. */
  ingested(now: number, counts: { appended: number; duplicates: number }): void {
    if (counts.appended === 0 && counts.duplicates === 0) return;
    this.hold(now, (m) => {
      m.ingested += counts.appended;
      m.duplicates += counts.duplicates;
    });
  }

  /**
   * A subscriber acknowledged a batch at `ackAt` (the 2xx arrived). Counts and times the
   * events it acknowledges for the first time: above its high-water mark, or every event of
   * an out-of-band redelivery (dead-lettered events were never acknowledged).
   */
  acknowledged(subscriberId: string, events: readonly AckedEvent[], ackAt: number, from: { cursor: number } | "dead-letter"): void {
    const before = this.ackedThrough.get(subscriberId);
    const highWater = from === "dead-letter" ? -1 : Math.max(before ?? from.cursor, from.cursor);
    const firsts = from === "dead-letter" ? events : events.filter((e) => e.version > highWater);
    let undo: (() => void) | undefined;
    if (from !== "dead-letter" && events.length > 0) {
      this.ackedThrough.set(subscriberId, Math.max(highWater, events.at(-1)!.version));
      undo = () => (before === undefined ? this.ackedThrough.delete(subscriberId) : this.ackedThrough.set(subscriberId, before));
    }
    const change =
      firsts.length === 0
        ? undefined // a replay: nothing to count, but the high-water mark may have moved
        : (m: Minute) => {
            m.delivered += firsts.length;
            for (const e of firsts) addLatency(m.latency, ackAt - e.receivedAt);
          };
    if (change || undo) this.hold(ackAt, change, undo);
  }

  failedAttempt(at: number): void {
    this.hold(at, (m) => {
      m.failedAttempts += 1;
    });
  }

  deadLettered(now: number, events: number): void {
    this.hold(now, (m) => {
      m.deadLettered += events;
    });
  }

  /** A subscriber was deleted: a new one under its id starts afresh. */
  forgetSubscriber(subscriberId: string): void {
    this.ackedThrough.delete(subscriberId);
  }

  forget(): void {
    this.current = undefined;
    this.ackedThrough.clear();
    this.held = [];
  }

  private hold(at: number, change?: (m: Minute) => void, undo?: () => void): void {
    this.held.push({ at, change, undo });
  }

  /** Where the changes held from now on start. */
  mark(): number {
    return this.held.length;
  }

  /** Takes back every change held since `mark`: the write they belonged to was undone. */
  rollBackTo(mark: number): void {
    for (let i = this.held.length - 1; i >= mark; i--) this.held[i]!.undo?.();
    this.held.length = Math.min(mark, this.held.length);
  }

  /**
   * Writes the held changes: one statement per minute they touch (one, but at a minute's
   * turn). Call inside the transaction they belong to. Never throws: counters a failing write
   * could not keep are dropped and logged, rather than undoing the deliveries they count.
   */
  flush(): void {
    const held = this.held;
    this.held = [];
    const byMinute = new Map<number, ((m: Minute) => void)[]>();
    for (const { at, change } of held) {
      if (!change) continue;
      const minute = minuteOf(at);
      const changes = byMinute.get(minute);
      if (changes) changes.push(change);
      else byMinute.set(minute, [change]);
    }
    for (const [minute, changes] of byMinute) {
      try {
        this.write(minute, changes);
      } catch (err) {
        console.error("could not write the workspace stats", err instanceof Error ? err.message : String(err));
      }
    }
  }

  private write(minute: number, changes: readonly ((m: Minute) => void)[]): void {
    let stored = this.current;
    if (!stored || stored.at !== minute) {
      const row = this.sql.one<MinuteRow>`SELECT * FROM stats_minutes WHERE at = ${minute}`;
      stored = row ? fromRow(row) : emptyMinute(minute);
      // A new minute: what fell out of the longest window goes (a key range, usually one row).
      if (!this.current || minute > this.current.at) this.sql`DELETE FROM stats_minutes WHERE at < ${minute - KEPT_MS}`;
    }
    // Changed on a copy: if the write throws, memory still says what storage holds.
    const m: Minute = { ...stored, latency: { ...stored.latency } };
    for (const change of changes) change(m);
    this.sql`INSERT OR REPLACE INTO stats_minutes (at, ingested, duplicates, delivered, failed_attempts, dead_lettered, latency_bins)
      VALUES (${m.at}, ${m.ingested}, ${m.duplicates}, ${m.delivered}, ${m.failedAttempts}, ${m.deadLettered}, ${JSON.stringify(m.latency)})`;
    // Keep the newest minute in memory; a late write to an older minute does not displace it.
    if (!this.current || m.at >= this.current.at) this.current = m;
  }

  /** Every bucket of the window ending with the bucket that holds `now`, oldest first. */
  report(window: StatsWindow, now: number): WorkspaceStats {
    const { bucketSeconds, buckets: count } = STATS_WINDOWS[window];
    const bucketMs = bucketSeconds * 1000;
    const last = Math.floor(now / bucketMs) * bucketMs;
    const first = last - (count - 1) * bucketMs;
    const merged = Array.from({ length: count }, (_, i) => emptyMinute(first + i * bucketMs));
    for (const row of this.sql<MinuteRow>`SELECT * FROM stats_minutes WHERE at >= ${first} ORDER BY at`) {
      const target = merged[Math.floor((row.at - first) / bucketMs)];
      if (!target) continue; // a minute after `now` (a clock step back): not in this window
      const m = fromRow(row);
      target.ingested += m.ingested;
      target.duplicates += m.duplicates;
      target.delivered += m.delivered;
      target.failedAttempts += m.failedAttempts;
      target.deadLettered += m.deadLettered;
      mergeInto(target.latency, m.latency);
    }
    return { window, bucketSeconds, buckets: merged.map(toBucket) };
  }
}

function toBucket(m: Minute): StatsBucket {
  return {
    at: m.at,
    ingested: m.ingested,
    duplicates: m.duplicates,
    delivered: m.delivered,
    failedAttempts: m.failedAttempts,
    deadLettered: m.deadLettered,
    deliveryP50Ms: percentile(m.latency, 0.5),
    deliveryP95Ms: percentile(m.latency, 0.95),
  };
}
