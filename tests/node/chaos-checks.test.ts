import { describe, expect, it } from "vitest";
import type { LoggedEvent } from "../../chaos/admin.ts";
import { checkAlerts, checkLog, checkRetryAfter, checkSubscriber, type Check, type ObservedSubscriber } from "../../chaos/checks.ts";
import type { Receipt } from "../../chaos/receivers.ts";
import type { IngestRecord } from "../../chaos/sources.ts";

// The chaos suite's verdicts, on small made-up observations: each check passes a sound run and
// fails the fault it exists to catch (the suite itself runs apart, in `npm run chaos`).

const WS = "w";
const log: LoggedEvent[] = Array.from({ length: 6 }, (_, i) => ({ version: i + 1, id: `e${i + 1}`, entityKind: i % 2 ? "order" : "user" }));

function delivery(webhookId: string, prevVersion: number, versions: number[], at: number, extra: Partial<Receipt> = {}): Receipt {
  const events = versions.map((v) => log[v - 1]!);
  return {
    at,
    headers: {
      "webhook-id": webhookId,
      "x-relay-prev-version": String(prevVersion),
      "x-relay-first-version": String(versions[0]),
      "x-relay-last-version": String(versions.at(-1)),
    },
    body: JSON.stringify({ workspaceId: WS, subscriberId: "s", prevVersion, events }),
    verifyError: null,
    answer: 200,
    ...extra,
  };
}

const subscriber = (receipts: Receipt[], extra: Partial<ObservedSubscriber> = {}): ObservedSubscriber => ({ id: "s", receipts, matches: () => true, ...extra });
const failed = (checks: Check[]) => checks.filter((c) => !c.ok).map((c) => c.name.replace(/^s: /, ""));
const sound = () => [delivery("b1", 0, [1, 2], 0), delivery("b2", 2, [3, 4, 5], 10), delivery("b3", 5, [6], 20)];

describe("chaos checks: deliveries", () => {
  it("pass a sound run, re-sends of a batch included", () => {
    const receipts = sound();
    receipts.splice(1, 0, delivery("b1", 0, [1, 2], 5));
    expect(failed(checkSubscriber(subscriber(receipts), WS, log, []))).toEqual([]);
  });

  it("catch a gap in the prevVersion chain and the event it lost", () => {
    const receipts = [delivery("b1", 0, [1, 2], 0), delivery("b2", 3, [4, 5], 10), delivery("b3", 5, [6], 20)];
    expect(failed(checkSubscriber(subscriber(receipts), WS, log, []))).toEqual(["every matching event arrives", "prevVersion chain has no gap"]);
  });

  it("catch an event sent again under another webhook-id, and a re-send with another body", () => {
    const underNewId = [...sound(), delivery("b4", 5, [6], 30)];
    expect(failed(checkSubscriber(subscriber(underNewId), WS, log, []))).toContain("re-sends repeat webhook-id and body");
    const changed = [...sound(), delivery("b3", 5, [6], 30, { body: sound()[2]!.body.replace('"e6"', '"e6 "') })];
    expect(failed(checkSubscriber(subscriber(changed), WS, log, []))).toContain("re-sends repeat webhook-id and body");
  });

  it("catch first receipts out of order, and a delivery that does not verify", () => {
    const receipts = [delivery("b1", 0, [1, 2], 0), delivery("b3", 4, [5, 6], 10), delivery("b2", 2, [3, 4], 20)];
    expect(failed(checkSubscriber(subscriber(receipts), WS, log, []))).toContain("first receipts strictly increase");
    const unsigned = sound();
    unsigned[1]!.verifyError = "No matching signature found";
    expect(failed(checkSubscriber(subscriber(unsigned), WS, log, []))).toEqual(["every delivery verifies"]);
  });

  it("hold a rate limit in every 10 s window without a kill, and to the restart bound across one", () => {
    const orders = log.filter((e) => e.entityKind === "order");
    const limited = (at: number[]) =>
      subscriber(
        orders.map((e, i) => delivery(`b${i}`, i ? orders[i - 1]!.version : 0, [e.version], at[i]!)),
        { matches: (e) => e.entityKind === "order", eventsPerSecond: 0.2 },
      );
    // 0.2/s is 2 events per 10 s: three orders within 10 s break it, unless a kill explains it.
    const within = limited([0, 4_000, 8_000]);
    expect(failed(checkSubscriber(within, WS, log, []))).toEqual(["at most 0.2 events/s in any 10 s at the receiver"]);
    expect(failed(checkSubscriber(within, WS, log, [3_000]))).toEqual([]);
    expect(failed(checkSubscriber(limited([0, 10_000, 20_000]), WS, log, []))).toEqual([]);
  });

  it("catch a re-send sooner than Retry-After", () => {
    const pushed = (waitedMs: number) =>
      subscriber([delivery("b1", 0, [1], 0, { answer: 503, retryAfterSeconds: 2 }), delivery("b1", 0, [1], waitedMs)]);
    expect(checkRetryAfter(pushed(2_100), []).ok).toBe(true);
    expect(checkRetryAfter(pushed(900), []).ok).toBe(false);
  });
});

describe("chaos checks: the log", () => {
  const record = (acks: [string, number[]][]): IngestRecord => ({
    sent: new Set(acks.map(([id]) => id)),
    acks: new Map(acks),
    requests: 1,
    attempts: 1,
    rateLimited: 0,
    overloaded: 0,
    networkErrors: 0,
    unexpected: [],
    ackedEvents: acks.length,
  });
  const logOf = (entries: [string, number][]) => entries.map(([id, version]) => ({ id, version, entityKind: "user" }));

  it("catch an acknowledged event lost, doubled, or moved to another version", () => {
    const acks = record([["a", [1]], ["b", [2, 2]]]);
    expect(checkLog(logOf([["a", 1], ["b", 2]]), acks).every((c) => c.ok)).toBe(true);
    expect(checkLog(logOf([["a", 1]]), acks)[0]!.ok).toBe(false);
    expect(checkLog(logOf([["a", 1], ["b", 2], ["b", 3]]), acks)[0]!.ok).toBe(false);
    expect(checkLog(logOf([["a", 1], ["b", 3]]), acks)[0]!.ok).toBe(false);
    expect(checkLog(logOf([["a", 1], ["b", 2]]), record([["a", [1]], ["b", [2, 3]]]))[0]!.ok).toBe(false);
  });
});

describe("chaos checks: alerts", () => {
  const alert = (id: string, type: string, subscriberId: string, at: number, data: unknown = {}): Receipt => ({
    at,
    headers: { "webhook-id": id },
    body: JSON.stringify({ id, type, at, workspaceId: WS, subscriberId, data }),
    verifyError: null,
    answer: 200,
  });
  const expectations = { exact: { outage: ["subscriber.failing", "subscriber.recovered"], healthy: [] }, impossible: ["dead_letter.created"] };
  const verdict = (receipts: Receipt[]) => checkAlerts(receipts, WS, expectations).checks.filter((c) => !c.ok).map((c) => c.name);
  const certain = [alert("a1", "subscriber.failing", "outage", 1), alert("a2", "subscriber.recovered", "outage", 2)];

  it("pass each transition once, re-sends with the same id allowed", () => {
    expect(verdict([...certain, alert("a2", "subscriber.recovered", "outage", 2)])).toEqual([]);
  });

  it("catch a transition told twice, a recovered with no failing, an impossible type and a changed re-send", () => {
    expect(verdict([...certain, alert("a3", "subscriber.recovered", "outage", 3)])).toEqual([
      "alerts: the certain transitions, exactly once each",
      "alerts: every recovered follows a failing, nothing impossible",
    ]);
    expect(verdict([...certain, alert("a3", "subscriber.recovered", "flaky", 3)])).toEqual(["alerts: every recovered follows a failing, nothing impossible"]);
    expect(verdict([...certain, alert("a3", "dead_letter.created", "flaky", 3)])).toEqual(["alerts: every recovered follows a failing, nothing impossible"]);
    expect(verdict([...certain, alert("a2", "subscriber.recovered", "outage", 2, { changed: true })])).toEqual([
      "alerts: re-sends repeat webhook-id (= alert id) and body",
    ]);
  });
});
