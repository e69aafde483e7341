import type { AppendResult } from "../event-log";
import type { PreparedBatch, PreparedRow } from "../../src/ingest/prepare";
import { matchesFilter, type FilterableRow } from "./batches";
import type { Subscriber } from "./subscriber-store";

/** At most this many events, and about this many bytes of them, are held; older ones are read from SQLite. */
const MAX_EVENTS = 2_000;
const MAX_CHARS = 4 * 1024 * 1024;

type Append = {
  /** The batch's rows as JSON, until parsed. */
  rows: PreparedBatch["rows"] | undefined;
  chars: number;
  results: AppendResult["results"];
  receivedAt: number;
  /** The head after this append: it holds the new versions up to here, after the previous one's. */
  through: number;
  /** Parsed on first use: with no subscriber keeping up, appends never pay for parsing. */
  parsed?: FilterableRow[];
};

/**
 * The latest appended events, in memory, so that a subscriber keeping up with the log gets its
 * next batch without a query: under steady load every delivery outcome starts the next batch,
 * and that selection was the Durable Object's largest cost per delivery. It holds every event
 * after `coversAfter` up to `coveredThrough` (the head), or answers nothing at all; a range it
 * does not cover entirely goes to SQLite.
 */
export class RecentEvents {
  private appends: Append[] = [];
  private heldEvents = 0;
  private heldChars = 0;
  private coversAfter = 0;
  private coveredThrough = -1;

  /** Records a committed append that moved the head from `headBefore` to `headAfter`. */
  recordAppend(headBefore: number, headAfter: number, batch: PreparedBatch, result: AppendResult, receivedAt: number): void {
    // A gap (the first append since this object started, or after a reset) starts over.
    if (this.coveredThrough !== headBefore) this.clear(headBefore);
    this.appends.push({ rows: batch.rows, chars: batch.rows.length, results: result.results, receivedAt, through: headAfter });
    this.heldEvents += result.appended;
    this.heldChars += batch.rows.length;
    this.coveredThrough = headAfter;
    while ((this.heldEvents > MAX_EVENTS || this.heldChars > MAX_CHARS) && this.appends.length > 1) {
      const dropped = this.appends.shift()!;
      const versions = dropped.results.filter((r) => !r.duplicate).map((r) => r.version);
      this.heldEvents -= versions.length;
      this.heldChars -= dropped.chars;
      this.coversAfter = Math.max(this.coversAfter, ...versions);
    }
  }

  /** True when every event after `after` up to `upTo` is held. */
  covers(after: number, upTo: number): boolean {
    return after >= this.coversAfter && upTo <= this.coveredThrough;
  }

  /** Forgets everything (events were deleted, or the workspace was). */
  clear(coversAfter = 0): void {
    this.appends = [];
    this.heldEvents = 0;
    this.heldChars = 0;
    this.coversAfter = coversAfter;
    this.coveredThrough = coversAfter;
  }

  /**
   * The events after `after` and up to `upTo` that the subscriber's filter matches, at most
   * `limit`, in version order; undefined when the range is not entirely held.
   */
  matching(
    s: Pick<Subscriber, "filter" | "excludeOrigins">,
    range: { after: number; upTo: number; limit: number },
  ): FilterableRow[] | undefined {
    if (!this.covers(range.after, range.upTo)) return undefined;
    const rows: FilterableRow[] = [];
    for (let i = this.firstAppendAfter(range.after); i < this.appends.length; i++) {
      for (const row of this.parsed(this.appends[i]!)) {
        if (row.version <= range.after) continue;
        if (row.version > range.upTo || rows.length === range.limit) return rows;
        if (matchesFilter(s, row)) rows.push(row);
      }
    }
    return rows;
  }

  /**
   * The index of the first append holding a version after `after`. A subscriber keeping up
   * asks for the newest few events of up to MAX_EVENTS held, once per batch: a scan from the
   * oldest append would cost every fan-out a pass over all of them per subscriber.
   */
  private firstAppendAfter(after: number): number {
    let low = 0;
    let high = this.appends.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.appends[mid]!.through > after) high = mid;
      else low = mid + 1;
    }
    return low;
  }

  private parsed(append: Append): FilterableRow[] {
    if (!append.parsed) {
      const rows = JSON.parse(append.rows!) as PreparedRow[];
      append.rows = undefined;
      append.parsed = [];
      append.results.forEach((result, index) => {
        if (result.duplicate) return;
        const [, entityKind, eventType, origin, body] = rows[index]!;
        append.parsed!.push({
          version: result.version,
          received_at: append.receivedAt,
          body,
          entity_kind: entityKind,
          event_type: eventType,
          origin,
        });
      });
    }
    return append.parsed;
  }
}
