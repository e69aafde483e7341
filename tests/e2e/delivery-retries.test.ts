import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DeliveryBody } from "../../src/contract/delivery";
import { receiverPool, type ReceivedRequest, type Receiver } from "../support/receiver";
import { eventually, makeEvent, relayClient, startRelay, type LocalRelay } from "../support/relay";

// Override schedule: retries after ~1 s and ~2 s (±20% jitter), then every ~2 s, until the batch
// has been failing for MAX_AGE_SECONDS. The local queue adds up to ~3 s to each delay, so a
// batch that always fails gets 4 or 5 attempts.
const SCHEDULE = [1, 2];
const MAX_AGE_SECONDS = 12;
const MIN_ATTEMPTS_WHEN_EXHAUSTED = 4;
let relay: LocalRelay;
let client: ReturnType<typeof relayClient>;
let ingress: string;
const receivers = receiverPool();

beforeAll(async () => {
  relay = await startRelay({
    vars: { RELAY_RETRY_SCHEDULE: SCHEDULE.join(","), RELAY_RETRY_MAX_AGE_SECONDS: String(MAX_AGE_SECONDS) },
  });
  client = relayClient(relay.url);
  ingress = await client.createWorkspace("retries");
});
afterAll(async () => {
  await Promise.all([relay?.stop(), receivers.closeAll()]);
});

const receiver = () => receivers.start();

async function subscribe(id: string, url: string, extra: Record<string, unknown> = {}) {
  const res = await client.call("PUT", `/v1/workspaces/retries/subscribers/${id}`, {
    kind: "webhook",
    url,
    start: "head",
    ...extra,
  });
  expect(res.status).toBe(201);
}

const status = async (id: string) => (await client.call("GET", `/v1/workspaces/retries/subscribers/${id}`)).body;
const versionsOf = (requests: ReceivedRequest[]) =>
  requests.map((r) => DeliveryBody.parse(JSON.parse(r.body)).events.map((e) => e.version));

describe("retries", () => {
  it("follow the override schedule, and keep the webhook-id and body across attempts", async () => {
    const r = await receiver();
    r.setBehaviour((req, res) => {
      if (req.headers["x-relay-attempt"] === "3") res.writeHead(204).end();
      else res.writeHead(500).end("not yet");
    });
    await subscribe("sched", r.url);
    await client.ingest("retries", ingress, [makeEvent("s1")]);
    await eventually(async () => (await status("sched")).cursor > 0 && r.requests.length === 3, 30_000);
    expect(r.requests.map((q) => q.headers["x-relay-attempt"])).toEqual(["1", "2", "3"]);
    expect(new Set(r.requests.map((q) => q.headers["webhook-id"])).size).toBe(1);
    expect(new Set(r.requests.map((q) => q.body)).size).toBe(1);
    for (let i = 1; i < 3; i++) {
      const gap = r.requests[i]!.at - r.requests[i - 1]!.at;
      expect(gap).toBeGreaterThanOrEqual(SCHEDULE[i - 1]! * 1000 * 0.8 - 50);
    }
  });

  it("honour Retry-After on 429 and 503 beyond the schedule", async () => {
    for (const code of [429, 503]) {
      const r = await receiver();
      r.setBehaviour((req, res) => {
        if (req.headers["x-relay-attempt"] === "1") res.writeHead(code, { "retry-after": "4" }).end("slow down");
        else res.writeHead(200).end();
      });
      await subscribe(`ra${code}`, r.url);
      await client.ingest("retries", ingress, [makeEvent(`ra${code}`)]);
      await eventually(() => r.requests.length === 2, 30_000);
      // The schedule alone would retry after ~1 s; Retry-After asks for 4 s.
      expect(r.requests[1]!.at - r.requests[0]!.at).toBeGreaterThanOrEqual(4000 - 50);
      const s = await status(`ra${code}`);
      expect(s.lastError).toMatchObject({ status: code, message: expect.stringContaining(String(code)) });
    }
  });

  it("count a redirect as a failure and never follow it", async () => {
    const target = await receiver();
    const r = await receiver();
    r.setBehaviour((req, res) => {
      if (req.headers["x-relay-attempt"] === "1") res.writeHead(307, { location: target.url }).end();
      else res.writeHead(200).end();
    });
    await subscribe("redirect", r.url);
    await client.ingest("retries", ingress, [makeEvent("moved")]);
    await eventually(() => r.requests.length === 2, 30_000);
    expect(target.requests).toHaveLength(0);
    expect(r.requests.map((q) => q.headers["x-relay-attempt"])).toEqual(["1", "2"]);
    const s = await status("redirect");
    expect(s.lastError).toMatchObject({ status: 307 });
  });

  it("disable the subscriber at once on 410", async () => {
    const r = await receiver();
    r.setBehaviour((_req, res) => res.writeHead(410).end("gone"));
    await subscribe("gone", r.url);
    await client.ingest("retries", ingress, [makeEvent("g1")]);
    await eventually(async () => (await status("gone")).state === "disabled", 30_000);
    await client.ingest("retries", ingress, [makeEvent("g2")]);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(r.requests).toHaveLength(1);
    expect(await status("gone")).toMatchObject({ state: "disabled", inFlight: null, lastError: { status: 410 } });
  });
});

/**
 * A batch is given up only at the max age: the override's last delay repeats, so there are more
 * attempts than the list has entries, and none after the max age.
 */
function expectRetriedForMaxAge(attempts: ReceivedRequest[]) {
  expect(attempts.length).toBeGreaterThanOrEqual(MIN_ATTEMPTS_WHEN_EXHAUSTED);
  expect(attempts.map((q) => q.headers["x-relay-attempt"])).toEqual(attempts.map((_, i) => String(i + 1)));
  // No retry is scheduled past the max age; the local queue hands a message over up to ~3 s
  // after its delay, so the last attempt itself may land that much later.
  expect(attempts.at(-1)!.at - attempts[0]!.at).toBeLessThanOrEqual((MAX_AGE_SECONDS + 3) * 1000);
}

describe("exhaustion", () => {
  it("is reached only at the max age: a receiver that fails past the list is not given up", async () => {
    const r = await receiver();
    // Attempts 1..3 are the first try and the list's two retries; a 4th exists only because the
    // last delay repeats.
    r.setBehaviour((req, res) =>
      Number(req.headers["x-relay-attempt"]) <= 1 + SCHEDULE.length ? res.writeHead(503).end("restarting") : res.writeHead(200).end(),
    );
    await subscribe("outage", r.url, { onExhausted: "dead-letter" });
    const [result] = (await client.ingest("retries", ingress, [makeEvent("o1")])).results;
    await eventually(async () => (await status("outage")).cursor === result!.version, 30_000);
    expect(await status("outage")).toMatchObject({ state: "active", deadLetterCount: 0, consecutiveFailures: 0 });
    expect(r.requests.map((q) => q.headers["x-relay-attempt"])).toEqual(["1", "2", "3", "4"]);
    expect(new Set(r.requests.map((q) => q.headers["webhook-id"])).size).toBe(1);
  });

  it("pauses under 'pause'; resume delivers everything in order from the cursor", async () => {
    const r = await receiver();
    let up = false;
    r.setBehaviour((_req, res) => (up ? res.writeHead(200).end() : res.writeHead(500).end("down")));
    await subscribe("pauser", r.url, { onExhausted: "pause", maxBatchSize: 2 });
    const before = (await status("pauser")).cursor as number;
    await client.ingest("retries", ingress, [makeEvent("p1"), makeEvent("p2"), makeEvent("p3")]);
    await eventually(async () => (await status("pauser")).state === "paused", 30_000);
    const paused = await status("pauser");
    const failedAttempts = r.requests.length;
    expect(paused).toMatchObject({ cursor: before, inFlight: null, lag: 3, consecutiveFailures: failedAttempts });
    expectRetriedForMaxAge(r.requests);

    up = true;
    const resumed = await client.call("POST", "/v1/workspaces/retries/subscribers/pauser/resume");
    expect(resumed.status).toBe(200);
    await eventually(async () => (await status("pauser")).lag === 0, 30_000);
    const delivered = versionsOf(r.requests.slice(failedAttempts));
    expect(delivered.flat()).toEqual([before + 1, before + 2, before + 3]);
    expect(delivered[0]).toHaveLength(2);
  });

  it("dead-letters under 'dead-letter', moves on, and redelivers on request", async () => {
    const r = await receiver();
    r.setBehaviour((req, res) => {
      const body = DeliveryBody.parse(JSON.parse(req.body));
      // Only the batch holding event d1 fails; everything else is accepted.
      if (body.events.some((e) => e.id === "d1") && !redeliverNow) res.writeHead(500).end("poison");
      else res.writeHead(200).end();
    });
    let redeliverNow = false;
    await subscribe("dl", r.url, { onExhausted: "dead-letter", maxBatchSize: 1 });
    const ingest = await client.ingest("retries", ingress, [makeEvent("d1"), makeEvent("d2")]);
    const [v1, v2] = ingest.results.map((x) => x.version);
    await eventually(async () => (await status("dl")).cursor === v2, 30_000);
    const s = await status("dl");
    expect(s).toMatchObject({ state: "active", deadLetterCount: 1, lag: 0 });

    const list = await client.call("GET", "/v1/workspaces/retries/dead-letters?subscriberId=dl");
    expect(list.status).toBe(200);
    expect(list.body.deadLetters).toHaveLength(1);
    const letter = list.body.deadLetters[0];
    expect(letter).toMatchObject({
      subscriberId: "dl",
      fromVersion: v1,
      toVersion: v1,
      lastError: { status: 500 },
    });
    const poisoned = r.requests.filter((q) => q.body.includes('"d1"'));
    expect(letter.attempts).toBe(poisoned.length);
    expectRetriedForMaxAge(poisoned);
    // d2 was delivered after d1 was given up on.
    const accepted = r.requests.filter((q) => q.body.includes('"d2"'));
    expect(accepted).toHaveLength(1);

    redeliverNow = true;
    const redeliver = await client.call("POST", `/v1/workspaces/retries/dead-letters/${letter.id}/redeliver`);
    expect(redeliver.status).toBe(202);
    await eventually(async () => (await status("dl")).deadLetterCount === 0, 30_000);
    const last = r.requests.at(-1)!;
    expect(DeliveryBody.parse(JSON.parse(last.body)).events.map((e) => e.id)).toEqual(["d1"]);
    expect(last.headers["webhook-id"]).toBe(letter.id);

    const missing = await client.call("POST", "/v1/workspaces/retries/dead-letters/nope/redeliver");
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe("dead_letter_not_found");
  });
});
