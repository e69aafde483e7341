import type { Subscriber } from "./subscriber-store";

/**
 * How far past its cursor each idle subscriber is known to have nothing to receive, in memory.
 *
 * A subscriber's cursor moves only when it acknowledges a batch, so one whose filter matches
 * rarely keeps it at its last match while the log grows. Every append asks it for a next batch;
 * without this, each of those questions read every event behind its cursor again (6,007 rows
 * for a one-event append over a 6,000-event log, `filtered-subscriber-cost.test.ts`). The cursor
 * itself must stay where it is: it is the next batch's `prevVersion`, which must remain the last
 * event the receiver acknowledged (contract §5), or the receiver would see a gap that is not there.
 *
 * A range is kept per subscriber object: the store replaces the object whenever anything about
 * the subscriber changes (cursor, filter, state, a batch started), which forgets the range with
 * it. Lost on restart, it is found again by the next selection.
 */
export class UnmatchedRanges {
  private readonly through = new WeakMap<Subscriber, number>();

  /** The version after which `s` may still have events to receive: its cursor or beyond. */
  scanFrom(s: Subscriber): number {
    return Math.max(s.cursor, this.through.get(s) ?? 0);
  }

  /** Records that `s` has no matching event after its cursor up to `upTo`. */
  noneUpTo(s: Subscriber, upTo: number): void {
    this.through.set(s, Math.max(upTo, this.through.get(s) ?? 0));
  }
}
