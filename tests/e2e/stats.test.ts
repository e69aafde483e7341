import { afterAll, beforeAll, expect, it } from "vitest";
import { DeliveryAttemptPage, type DeliveryAttempt } from "../../src/contract/attempts";
import { DeliveryBody } from "../../src/contract/delivery";
import { WorkspaceStats } from "../../src/contract/stats";
import { LATENCY_RELATIVE_ERROR } from "../../durable-objects/stats/latency-histogram";
import { receiverPool, type ReceivedRequest } from "../support/receiver";
import { eventually, makeEvent, relayClient, startRelay, type LocalRelay } from "../support/relay";

// One retry after ~1 s, then a failing batch is exhausted: the next delay (30 s ± 20 %) would
// pass the 25 s max age (an override's last delay repeats until the max age, contract §5).
let relay: LocalRelay;
let client: ReturnType<typeof relayClient>;
const receivers = receiverPool();

beforeAll(async () => {
  relay = await startRelay({ vars: { RELAY_RETRY_SCHEDULE: "1,30", RELAY_RETRY_MAX_AGE_SECONDS: "25" } });
  client = relayClient(relay.url);
});
afterAll(async () => {
  await Promise.all([relay?.stop(), receivers.closeAll()]);
});

const MINUTE_MS = 60_000;
const minuteOf = (ms: number) => Math.floor(ms / MINUTE_MS) * MINUTE_MS;

/** The nearest-rank percentile, the definition the relay's histogram approximates. */
function nearestRank(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(1, Math.ceil(p * sorted.length)) - 1]!;
}

function tally(into: Map<number, number>, at: number, n = 1) {
  into.set(minuteOf(at), (into.get(minuteOf(at)) ?? 0) + n);
}

async function allAttempts(ws: string, id: string): Promise<DeliveryAttempt[]> {
  const res = await client.call("GET", `/v1/workspaces/${ws}/subscribers/${id}/attempts?limit=1000`);
  return DeliveryAttemptPage.parse(res.body).attempts;
}

it("counts what was ingested, duplicated, delivered, failed and dead-lettered per minute, with latency percentiles within the histogram's error", async () => {
  const ws = "stats";
  const ingress = await client.createWorkspace(ws);
  // Each receiver keeps the requests it acknowledged.
  const acknowledged = new Map<string, ReceivedRequest[]>();
  const subscribe = async (id: string, fail: (req: ReceivedRequest, n: number) => boolean, extra: Record<string, unknown> = {}) => {
    const acked: ReceivedRequest[] = [];
    acknowledged.set(id, acked);
    let n = 0;
    const r = await receivers.start((req, res) => {
      if (fail(req, n++)) res.writeHead(500).end("no");
      else {
        acked.push(req);
        // A little work on the receiver's side spreads the latencies.
        setTimeout(() => res.writeHead(200).end("ok"), n % 7);
      }
    });
    const put = await client.call("PUT", `/v1/workspaces/${ws}/subscribers/${id}`, { kind: "webhook", url: r.url, start: "beginning", ...extra });
    expect(put.status).toBe(201);
  };
  await subscribe("steady", () => false, { maxBatchSize: 5 });
  // Every third request fails once, and succeeds on its queue retry.
  await subscribe("flaky", (req, n) => n % 3 === 0 && req.headers["x-relay-attempt"] === "1");
  // Only poison events, one per batch, and they always fail: each becomes a dead letter.
  await subscribe("poisoned", () => true, { filter: { eventTypes: ["poison"] }, maxBatchSize: 1, onExhausted: "dead-letter" });

  let duplicates = 0;
  for (let i = 0; i < 20; i++) {
    const events = Array.from({ length: 10 }, (_, j) => makeEvent(`s${i}_${j}`, j === 0 && i % 5 === 0 ? { eventType: "poison" } : {}));
    await client.ingest(ws, ingress, events);
    if (i % 4 === 0) {
      // The same ids again, with two new ones: the known ids are duplicates.
      const again = await client.ingest(ws, ingress, [...events.slice(0, 3), makeEvent(`s${i}_x1`), makeEvent(`s${i}_x2`)]);
      duplicates += again.results.filter((r) => r.duplicate).length;
    }
    await new Promise((r) => setTimeout(r, 20 * (i % 4)));
  }
  await eventually(async () => {
    const list = (await client.call("GET", `/v1/workspaces/${ws}/subscribers`)).body.subscribers as { lag: number; inFlight: unknown }[];
    return list.every((s) => s.lag === 0 && s.inFlight === null);
  }, 120_000, 250);

  const stored = (await client.call("GET", `/v1/workspaces/${ws}/events?limit=1000`)).body.events as { version: number; receivedAt: number }[];
  const committedAt = new Map(stored.map((e) => [e.version, e.receivedAt]));
  const expected = { ingested: new Map<number, number>(), delivered: new Map<number, number>(), failed: new Map<number, number>(), deadLettered: new Map<number, number>() };
  const latencies = new Map<number, number[]>();
  for (const e of stored) tally(expected.ingested, e.receivedAt);
  for (const [id, acked] of acknowledged) {
    const attempts = await allAttempts(ws, id);
    for (const a of attempts) if (a.outcome !== "success") tally(expected.failed, a.startedAt + a.durationMs);
    const firstAck = new Set<number>();
    for (const req of acked) {
      // The acknowledgement time is the relay's: when the 2xx reached it, as its attempt log says.
      const attempt = attempts.find((a) => a.webhookId === req.headers["webhook-id"] && String(a.attempt) === req.headers["x-relay-attempt"]);
      expect(attempt, `attempt log entry for ${id} ${req.headers["webhook-id"]}`).toBeDefined();
      const ackAt = attempt!.startedAt + attempt!.durationMs;
      for (const event of DeliveryBody.parse(JSON.parse(req.body)).events) {
        if (firstAck.has(event.version)) continue;
        firstAck.add(event.version);
        tally(expected.delivered, ackAt);
        const bucket = latencies.get(minuteOf(ackAt)) ?? [];
        bucket.push(ackAt - committedAt.get(event.version)!);
        latencies.set(minuteOf(ackAt), bucket);
      }
    }
  }
  const deadLetters = (await client.call("GET", `/v1/workspaces/${ws}/dead-letters?limit=1000`)).body.deadLetters as { createdAt: number }[];
  for (const letter of deadLetters) tally(expected.deadLettered, letter.createdAt);
  // The scenario did what it says: some of everything.
  expect(stored).toHaveLength(20 * 10 + 5 * 2);
  expect(duplicates).toBe(5 * 3);
  expect(deadLetters).toHaveLength(4);
  expect([...expected.failed.values()].reduce((a, b) => a + b, 0)).toBeGreaterThan(deadLetters.length * 2);

  const res = await client.call("GET", `/v1/workspaces/${ws}/stats?window=1h`);
  expect(res.status).toBe(200);
  const stats = WorkspaceStats.strict().parse(res.body);
  expect(stats).toMatchObject({ window: "1h", bucketSeconds: 60 });
  expect(stats.buckets).toHaveLength(60);
  expect(stats.buckets.at(-1)!.at).toBe(minuteOf(Date.now()));
  for (let i = 1; i < 60; i++) expect(stats.buckets[i]!.at - stats.buckets[i - 1]!.at).toBe(MINUTE_MS);
  for (const bucket of stats.buckets) {
    expect(bucket.ingested, `ingested at ${bucket.at}`).toBe(expected.ingested.get(bucket.at) ?? 0);
    expect(bucket.delivered, `delivered at ${bucket.at}`).toBe(expected.delivered.get(bucket.at) ?? 0);
    expect(bucket.failedAttempts, `failed attempts at ${bucket.at}`).toBe(expected.failed.get(bucket.at) ?? 0);
    expect(bucket.deadLettered, `dead-lettered at ${bucket.at}`).toBe(expected.deadLettered.get(bucket.at) ?? 0);
    const exact = latencies.get(bucket.at);
    if (!exact) {
      expect(bucket.deliveryP50Ms).toBeNull();
      expect(bucket.deliveryP95Ms).toBeNull();
      continue;
    }
    for (const [reported, p] of [[bucket.deliveryP50Ms, 0.5], [bucket.deliveryP95Ms, 0.95]] as const) {
      const truth = nearestRank(exact, p);
      // The stated relative error, plus the rounding of the answer to 0.01 ms.
      expect(Math.abs(reported! - truth), `p${p * 100} at ${bucket.at}: ${reported} vs ${truth}`).toBeLessThanOrEqual(truth * LATENCY_RELATIVE_ERROR + 0.005);
    }
  }
  const total = (key: "ingested" | "duplicates" | "delivered") => stats.buckets.reduce((n, b) => n + b[key], 0);
  expect(total("duplicates")).toBe(duplicates);
  // steady and flaky acknowledged every event; the poisoned subscriber none.
  expect(total("delivered")).toBe(stored.length * 2);

  // The 24 h window merges the same minutes into 15-minute buckets.
  const day = WorkspaceStats.parse((await client.call("GET", `/v1/workspaces/${ws}/stats?window=24h`)).body);
  expect(day).toMatchObject({ window: "24h", bucketSeconds: 900 });
  expect(day.buckets).toHaveLength(96);
  expect(day.buckets.reduce((n, b) => n + b.ingested, 0)).toBe(stored.length);
  expect(day.buckets.reduce((n, b) => n + b.delivered, 0)).toBe(total("delivered"));
  // Its percentiles come from merged histograms, within the same error of the exact values.
  const quarterOf = (ms: number) => Math.floor(ms / 900_000) * 900_000;
  const byQuarter = new Map<number, number[]>();
  for (const [minute, values] of latencies) byQuarter.set(quarterOf(minute), [...(byQuarter.get(quarterOf(minute)) ?? []), ...values]);
  for (const bucket of day.buckets) {
    const exact = byQuarter.get(bucket.at);
    if (!exact) {
      expect(bucket.deliveryP50Ms).toBeNull();
      continue;
    }
    const truth = nearestRank(exact, 0.95);
    expect(Math.abs(bucket.deliveryP95Ms! - truth)).toBeLessThanOrEqual(truth * LATENCY_RELATIVE_ERROR + 0.005);
  }
  expect(byQuarter.size).toBeGreaterThan(0);

  const bad = await client.call("GET", `/v1/workspaces/${ws}/stats?window=7d`);
  expect(bad.status).toBe(400);
  expect(bad.body.error.code).toBe("invalid_request");
  expect((await client.call("GET", "/v1/workspaces/nope/stats")).body.error.code).toBe("workspace_not_found");
}, 240_000);
