import { afterAll, beforeAll, expect, it } from "vitest";
import { DeliveryBody } from "../../src/contract/delivery";
import { startReceiver, type Receiver } from "../support/receiver";
import { eventually, makeEvent, relayClient, startRelay, type LocalRelay } from "../support/relay";

const EVENTS = 2000;

let relay: LocalRelay;
let faulty: Receiver;
let healthy: Receiver;

beforeAll(async () => {
  // Ten quick retries: a batch that fails at 30% is never exhausted in practice (0.3^11).
  [relay, faulty, healthy] = await Promise.all([
    startRelay({ vars: { RELAY_RETRY_SCHEDULE: "1,1,1,1,1,1,1,1,1,1" } }),
    startReceiver(),
    startReceiver(),
  ]);
});
afterAll(async () => {
  await Promise.all([relay?.stop(), faulty?.close(), healthy?.close()]);
});

/** A seeded generator, so a failing run can be replayed. */
function mulberry32(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

it("delivers every event in order to a subscriber that fails 30% of requests, without slowing a healthy one", async () => {
  const client = relayClient(relay.url);
  const ingress = await client.createWorkspace("faults");
  const random = mulberry32(20261122);

  // The faulty receiver holds its very first request until the healthy subscriber has
  // everything: proof that one stuck subscriber delays nobody else. After that it fails
  // about 30% of requests: 500s, a hang past the relay's 15 s timeout, or a dropped connection.
  let releaseFirst!: () => void;
  const firstHeld = new Promise<void>((resolve) => (releaseFirst = resolve));
  let seenFirst = false;
  const accepted: DeliveryBody[] = [];
  const failures = { http500: 0, timeout: 0, dropped: 0 };
  faulty.setBehaviour(async (req, res) => {
    if (!seenFirst) {
      seenFirst = true;
      await firstHeld;
      res.writeHead(503).end("held back");
      return;
    }
    const roll = random();
    if (roll < 0.15) {
      failures.http500++;
      res.writeHead(500).end("boom");
    } else if (roll < 0.25) {
      failures.dropped++;
      res.socket?.destroy();
    } else if (roll < 0.3) {
      failures.timeout++; // never answered: the relay gives up after 15 s
    } else {
      accepted.push(DeliveryBody.parse(JSON.parse(req.body)));
      res.writeHead(200).end("ok");
    }
  });
  const healthyAccepted: DeliveryBody[] = [];
  healthy.setBehaviour((req, res) => {
    healthyAccepted.push(DeliveryBody.parse(JSON.parse(req.body)));
    res.writeHead(200).end("ok");
  });

  for (const [id, url] of [["faulty", faulty.url], ["healthy", healthy.url]] as const) {
    const put = await client.call("PUT", `/v1/workspaces/faults/subscribers/${id}`, {
      kind: "webhook",
      url,
      start: "beginning",
      onExhausted: "pause",
    });
    expect(put.status).toBe(201);
  }

  for (let i = 0; i < EVENTS / 100; i++) {
    await client.ingest(
      "faults",
      ingress,
      Array.from({ length: 100 }, (_, j) => makeEvent(`f${i * 100 + j}`)),
    );
  }

  const healthyVersions = () => healthyAccepted.flatMap((b) => b.events.map((e) => e.version));
  await eventually(() => healthyVersions().length >= EVENTS, 120_000);
  // The faulty subscriber is still stuck on its first batch while the healthy one is done.
  expect(accepted).toHaveLength(0);
  const stuck = await client.call("GET", "/v1/workspaces/faults/subscribers/faulty");
  expect(stuck.body.cursor).toBe(0);
  expect(stuck.body.lag).toBe(EVENTS);
  releaseFirst();

  await eventually(async () => {
    const status = await client.call("GET", "/v1/workspaces/faults/subscribers/faulty");
    return status.body.lag === 0 && status.body.inFlight === null;
  }, 600_000, 500);

  // First successful delivery of each event: strictly increasing versions, nothing missing.
  const firstSeen: number[] = [];
  const seen = new Set<number>();
  for (const batch of accepted) {
    for (const event of batch.events) {
      if (!seen.has(event.version)) {
        seen.add(event.version);
        firstSeen.push(event.version);
      }
    }
  }
  expect(firstSeen).toHaveLength(EVENTS);
  for (let i = 1; i < firstSeen.length; i++) expect(firstSeen[i]).toBeGreaterThan(firstSeen[i - 1]!);
  // The prevVersion chain of accepted batches has no gaps.
  let previous = 0;
  for (const batch of accepted) {
    expect(batch.prevVersion).toBe(previous);
    previous = batch.events.at(-1)!.version;
  }
  expect(previous).toBe(EVENTS);
  // The healthy subscriber got each event exactly once, in order.
  expect(healthyVersions()).toEqual(Array.from({ length: EVENTS }, (_, i) => i + 1));
  // Faults really happened, and the status showed them.
  expect(failures.http500 + failures.dropped + failures.timeout).toBeGreaterThan(0);
  const final = await client.call("GET", "/v1/workspaces/faults/subscribers/faulty");
  expect(final.body).toMatchObject({ state: "active", cursor: EVENTS, head: EVENTS, lag: 0, consecutiveFailures: 0 });
  expect(final.body.lastError).toMatchObject({ at: expect.any(Number), message: expect.any(String) });
  expect(final.body.lastSuccessAt).toEqual(expect.any(Number));
}, 900_000);
