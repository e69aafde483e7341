import type { DeferredWrites } from "../deferred-writes";

type Pending = { apply: () => unknown; resolve: (value: unknown) => void; reject: (err: unknown) => void };

/**
 * Applies delivery outcomes in as few storage transactions as it can, without holding any of
 * them back for long.
 *
 * Every top-level `transactionSync` of a Durable Object's SQLite is a commit of its own, and a
 * commit costs more than the few statements of one outcome. The object runs on one thread with
 * the DeliveryWorker invocations it starts, so during a fan-out, applying each outcome the
 * moment it returns spends that thread on commits while the rest of the fan-out is still being
 * sent and read (measured: about 1 ms per subscriber, see BENCHMARKS.md).
 *
 * So an outcome that returns while other attempts of this object are still out waits for
 * them, for at most `maxHoldMs`, and every waiting outcome is then applied in one transaction,
 * each in its own savepoint so that one failing outcome undoes only its own writes. An outcome
 * with nothing else out (a lone subscriber, a catch-up drain, the last of a fan-out) is
 * applied at once: a subscriber's next batch is never held back for nothing.
 *
 * Writes that every outcome makes (the stats' row, the attempt log, each subscriber's progress)
 * are deferred to one write per transaction: `deferred` is told where each outcome starts,
 * takes back the changes of one whose savepoint was undone, and writes the rest just before
 * the commit.
 *
 * Holding an outcome in memory is safe: until it is applied, its batch keeps its lease, so if
 * the object dies first, the watchdog re-sends the batch (at least once, as for any attempt
 * whose outcome was lost).
 */
export class OutcomeBatcher {
  private pending: Pending[] = [];
  private attemptsOut = 0;
  private holdTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly storage: Pick<DurableObjectStorage, "transactionSync">,
    private readonly maxHoldMs: number,
    private readonly deferred: DeferredWrites,
  ) {}

  /**
   * Counts `attempt` as out until it settles. Its outcome must then be given to `apply`, which
   * applies everything waiting once nothing is out any more (or the hold time is up).
   */
  async track<T>(attempt: Promise<T>): Promise<T> {
    this.attemptsOut++;
    try {
      return await attempt;
    } finally {
      this.attemptsOut--;
    }
  }

  /** Runs `apply` inside a transaction, with whichever other outcomes are waiting. */
  apply<T>(apply: () => T): Promise<T> {
    const applied = new Promise<T>((resolve, reject) => {
      this.pending.push({ apply, resolve: resolve as (value: unknown) => void, reject });
    });
    if (this.attemptsOut === 0) this.flush();
    else this.holdTimer ??= setTimeout(() => this.flush(), this.maxHoldMs);
    return applied;
  }

  private flush(): void {
    if (this.holdTimer !== undefined) clearTimeout(this.holdTimer);
    this.holdTimer = undefined;
    const batch = this.pending;
    this.pending = [];
    const deferred = this.deferred;
    if (batch.length === 1) {
      // Alone, its own transaction is all the undo it needs.
      const [only] = batch as [Pending];
      const mark = deferred.mark();
      try {
        only.resolve(
          this.storage.transactionSync(() => {
            const value = only.apply();
            deferred.flush();
            return value;
          }),
        );
      } catch (err) {
        deferred.rollBackTo(mark);
        only.reject(err);
      }
      return;
    }
    let results: ({ ok: true; value: unknown } | { ok: false; err: unknown })[];
    try {
      results = this.storage.transactionSync(() => {
        const applied = batch.map(({ apply }) => {
          const mark = deferred.mark();
          try {
            return { ok: true as const, value: this.storage.transactionSync(apply) };
          } catch (err) {
            deferred.rollBackTo(mark);
            return { ok: false as const, err };
          }
        });
        deferred.flush();
        return applied;
      });
    } catch (err) {
      // The held writes could not be made, so the whole transaction was undone: every outcome
      // of it failed. Their batches keep their leases, and the watchdog re-sends them.
      for (const pending of batch) pending.reject(err);
      return;
    }
    results.forEach((result, i) => (result.ok ? batch[i]!.resolve(result.value) : batch[i]!.reject(result.err)));
  }
}
