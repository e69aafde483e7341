import type { DeliveryOutcome, DeliveryOutcomeSink, IndexedOutcome } from "../contract/delivery-messages";

/**
 * Hands the outcomes of one DeliveryWorker invocation back to the Durable Object's sink with
 * at most one report call in flight. An outcome that arrives while no report is in flight goes
 * at once, alone; outcomes that arrive while one is in flight wait for it and then go
 * together. So the first answer is never delayed, a slow receiver holds back nobody, and the
 * answers of a fan-out, which come back close together, cost a few calls into the object
 * instead of one each: every call is an event of the object, with its own trace and turn of
 * its input gate, on the thread that is still sending the rest of the fan-out.
 */
export class OutcomeReports {
  private waiting: IndexedOutcome[] = [];
  private inFlight: Promise<void> | undefined;
  private failure: { err: unknown } | undefined;

  constructor(private readonly sink: DeliveryOutcomeSink) {}

  add(index: number, outcome: DeliveryOutcome): void {
    this.waiting.push({ index, outcome });
    this.inFlight ??= this.sendWaiting();
  }

  /** Resolves once every outcome added so far has been reported; rejects if a report failed. */
  async settled(): Promise<void> {
    while (this.inFlight) await this.inFlight;
    if (this.failure) throw this.failure.err;
  }

  private async sendWaiting(): Promise<void> {
    while (this.waiting.length > 0) {
      const reports = this.waiting;
      this.waiting = [];
      try {
        await this.sink.report(reports);
      } catch (err) {
        // Keep reporting the others: the sink may have failed on these alone. The object
        // settles whatever it never heard of as a failed invocation.
        this.failure ??= { err };
      }
    }
    this.inFlight = undefined;
  }
}
