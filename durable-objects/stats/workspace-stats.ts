import { STATS_WINDOWS, type StatsBucket, type StatsWindow, type WorkspaceStats } from "../../src/contract/stats";
import type { Sql } from "../sql";
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

/**
 * Counters of one workspace in one-minute buckets, written by the writes that happen anyway
 * (the ingest commit, the transaction applying a delivery outcome): each update is one
 * statement that replaces the minute's row from an in-memory copy, since this object is the
 * row's only writer. Latency percentiles come from a log-scale histogram per minute, never
 * from stored samples. Minutes older than the longest window are deleted as the clock moves on.
 */
export class WorkspaceStatsLog {
  /** The minute row written last, as stored. */
  private current: Minute | undefined;
  /**
   * The highest version each subscriber has acknowledged in this object's life: an event at
   * or below it was acknowledged before (a replay sends it again), so it is not a first
   * acknowledgement. Starts at the cursor a subscriber's first settled batch started from.
   */
  private readonly ackedThrough = new Map<string, number>();

  constructor(private readonly sql: Sql) {}

  /** Events committed by one ingest request. Call inside the ingest's `transactionSync`. */
  ingested(now: number, counts: { appended: number; duplicates: number }): void {
    if (counts.appended === 0 && counts.duplicates === 0) return;
    this.update(now, (m) => {
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
    const mark = from === "dead-letter" ? -1 : Math.max(this.ackedThrough.get(subscriberId) ?? from.cursor, from.cursor);
    const firsts = from === "dead-letter" ? events : events.filter((e) => e.version > mark);
    if (from !== "dead-letter" && events.length > 0) {
      this.ackedThrough.set(subscriberId, Math.max(mark, events.at(-1)!.version));
    }
    if (firsts.length === 0) return;
    this.update(ackAt, (m) => {
      m.delivered += firsts.length;
      for (const e of firsts) addLatency(m.latency, ackAt - e.receivedAt);
    });
  }

  failedAttempt(at: number): void {
    this.update(at, (m) => {
      m.failedAttempts += 1;
    });
  }

  deadLettered(now: number, events: number): void {
    this.update(now, (m) => {
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
  }

  private update(at: number, change: (m: Minute) => void): void {
    const minute = minuteOf(at);
    let stored = this.current;
    if (!stored || stored.at !== minute) {
      const row = this.sql.one<MinuteRow>`SELECT * FROM stats_minutes WHERE at = ${minute}`;
      stored = row ? fromRow(row) : emptyMinute(minute);
      // A new minute: what fell out of the longest window goes (a key range, usually one row).
      if (!this.current || minute > this.current.at) this.sql`DELETE FROM stats_minutes WHERE at < ${minute - KEPT_MS}`;
    }
    // Changed on a copy: if the write throws, memory still says what storage holds.
    const m: Minute = { ...stored, latency: { ...stored.latency } };
    change(m);
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
