/**
 * Writes held in memory and made once per transaction instead of once per change: a module
 * whose changes all land on the same row (the stats' minute row, which every outcome of a
 * fan-out changes), or whose rows are cheaper written together (attempts, subscriber
 * progress). The owner of the transaction says where each unit of work starts (`mark`), takes
 * back the changes of a unit its savepoint undid (`rollBackTo`), and has the held changes
 * written before it commits (`flush`).
 */
export type DeferredWrites = {
  /** Where the changes held from now on start. */
  mark(): number;
  /** Takes back every change held since `mark`: the writes they went with were undone. */
  rollBackTo(mark: number): void;
  /**
   * Writes what is held, inside the caller's transaction. A part that may fail (a write the
   * transaction cannot commit without) throws, having taken back its own held changes, and the
   * caller's transaction must then be undone; the others never throw.
   */
  flush(): void;
};

/**
 * Several modules' deferred writes as one, for the owner of a transaction: a mark is every
 * part's mark, and rolling back or flushing does it to every part.
 */
export function deferredTogether(...parts: readonly DeferredWrites[]): DeferredWrites {
  // Marks are only good until the flush that ends their transaction.
  let marks: number[][] = [];
  return {
    mark: () => marks.push(parts.map((part) => part.mark())) - 1,
    rollBackTo: (mark) => {
      const taken = marks[mark];
      if (taken) parts.forEach((part, i) => part.rollBackTo(taken[i]!));
    },
    flush: () => {
      marks = [];
      for (const part of parts) part.flush();
    },
  };
}
