/**
 * How a DeliveryWorker invocation hands its outcomes back (OutcomeReports): the first alone
 * and at once, those that become ready while a report is out together in the next one, every
 * outcome exactly once, and a failed report stops none of the others.
 */
import { describe, expect, it } from "vitest";
import type { DeliveryOutcome, DeliveryOutcomeSink, IndexedOutcome } from "../../src/contract/delivery-messages";
import { OutcomeReports } from "../../src/delivery/outcome-reports";

const outcome = (status: number): DeliveryOutcome => ({
  kind: status < 300 ? "success" : "failure",
  status,
  retryAfterSeconds: null,
  message: `HTTP ${status}`,
  startedAt: 0,
  at: 0,
  responseBody: "",
});

/** A sink whose every report stays out until the test answers it (or fails it). */
class HeldSink implements DeliveryOutcomeSink {
  readonly calls: { outcomes: IndexedOutcome[]; answer: () => void; fail: (err: Error) => void }[] = [];

  report(outcomes: IndexedOutcome[]): Promise<void> {
    return new Promise((answer, fail) => this.calls.push({ outcomes, answer: () => answer(), fail }));
  }

  indexesOf(call: number): number[] {
    return this.calls[call]!.outcomes.map((o) => o.index);
  }
}

const turn = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("OutcomeReports", () => {
  it("reports the first outcome alone and at once, and those ready meanwhile together", async () => {
    const sink = new HeldSink();
    const reports = new OutcomeReports(sink);
    reports.add(2, outcome(200));
    expect(sink.calls).toHaveLength(1);
    expect(sink.indexesOf(0)).toEqual([2]);

    reports.add(0, outcome(500));
    reports.add(1, outcome(200));
    // One report out at a time: the two wait for the first.
    expect(sink.calls).toHaveLength(1);
    let settled = false;
    void reports.settled().then(() => (settled = true));

    sink.calls[0]!.answer();
    await turn();
    expect(sink.calls).toHaveLength(2);
    expect(sink.calls[1]!.outcomes).toEqual([
      { index: 0, outcome: outcome(500) },
      { index: 1, outcome: outcome(200) },
    ]);
    expect(settled).toBe(false);

    sink.calls[1]!.answer();
    await turn();
    expect(settled).toBe(true);
    // Idle again: the next outcome goes at once.
    reports.add(3, outcome(200));
    expect(sink.indexesOf(2)).toEqual([3]);
  });

  it("keeps reporting after a failed report, and then settles with its error", async () => {
    const sink = new HeldSink();
    const reports = new OutcomeReports(sink);
    reports.add(0, outcome(200));
    reports.add(1, outcome(200));
    const settled = reports.settled();
    settled.catch(() => undefined);

    sink.calls[0]!.fail(new Error("sink gone"));
    await turn();
    expect(sink.indexesOf(1)).toEqual([1]);
    sink.calls[1]!.answer();
    await expect(settled).rejects.toThrow("sink gone");
    expect(sink.calls.flatMap((c) => c.outcomes.map((o) => o.index))).toEqual([0, 1]);
  });
});
