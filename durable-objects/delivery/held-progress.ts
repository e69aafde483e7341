import type { DeferredWrites } from "../deferred-writes";
import type { Subscriber, SubscriberStore } from "./subscriber-store";

/**
 * The dispatcher's subscriber progress writes, held while delivery outcomes are applied and
 * written once per transaction, in one statement for all the subscribers it moved.
 *
 * Every outcome saves its subscriber (the cursor, the batch finished, often the next one
 * started). Applied one statement each, those writes were about 40 % of the time the Durable
 * Object spent applying a 100-subscriber fan-out's outcomes (BENCHMARKS.md, 2026-12-02 05:09).
 *
 * Outside a transaction of the OutcomeBatcher a save is written at once, as before. Inside it
 * (from its first `mark` to its `flush`) the subscriber store's in-memory copy changes at once,
 * so the rest of the transaction reads the new state, and the row is written at `flush`, still
 * inside the transaction and before anything is sent: a lease is durable before its attempt
 * leaves, as the output gate holds the send until the commit. An outcome whose savepoint is
 * undone gives the store back what it held before that outcome's saves.
 */
export class HeldProgress implements DeferredWrites {
  /** Saves held since the first mark, each with what the store held before it; undefined when not holding. */
  private held: { saved: Subscriber; before: Subscriber }[] | undefined;

  constructor(private readonly store: SubscriberStore) {}

  save(subscribers: readonly Subscriber[]): void {
    if (!this.held) {
      this.store.saveProgress(...subscribers);
      return;
    }
    for (const s of subscribers) {
      const before = this.store.get(s.id);
      // Deleted meanwhile: it stays deleted, as saveProgress would leave it.
      if (!before) continue;
      this.held.push({ saved: s, before });
      this.store.remember(s);
    }
  }

  mark(): number {
    this.held ??= [];
    return this.held.length;
  }

  rollBackTo(mark: number): void {
    if (!this.held) return;
    while (this.held.length > mark) this.store.remember(this.held.pop()!.before);
    // Undone to the first mark: the transaction may end without a flush (a lone outcome that
    // failed), and the saves that follow it must not be held for a flush that never comes.
    if (mark === 0) this.held = undefined;
  }

  /**
   * Writes the latest held state of each subscriber. If the write fails, the store gets back
   * what it held before the transaction and the error is thrown: the transaction is undone.
   */
  flush(): void {
    const held = this.held;
    this.held = undefined;
    if (!held || held.length === 0) return;
    const latest = new Map(held.map(({ saved }) => [saved.id, saved]));
    try {
      this.store.saveProgress(...latest.values());
    } catch (err) {
      for (let i = held.length - 1; i >= 0; i--) this.store.remember(held[i]!.before);
      throw err;
    }
  }
}
