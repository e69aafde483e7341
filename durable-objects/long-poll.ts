/**
 * Readers holding a `wait` read open. The log wakes them after each commit; each waiter also
 * has its own timer, so none is held past its wait.
 */
export class LongPollWaiters {
  private readonly waiters = new Set<() => void>();

  /** Resolves at the next `wake()` or after `ms`, whichever is first. */
  wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.waiters.add(done);
    });
  }

  wake(): void {
    for (const done of [...this.waiters]) done();
  }
}
