import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DeliveryAttemptPage, type DeliveryAttempt } from "../../src/contract/attempts";
import { DeliveryBody } from "../../src/contract/delivery";
import { receiverPool } from "../support/receiver";
import { eventually, makeEvent, relayClient, startRelay, type LocalRelay } from "../support/relay";

// Retries after ~1 s and ~1 s; the third delay (30 s ± 20 %) would pass the 25 s max age, so a
// batch failing fast is exhausted after three attempts. (The last delay of an override repeats
// until the max age, contract §5: without a max age, "1,1" would retry for 72 h.) A batch
// whose second attempt times out (15 s) still gets its third attempt at ~17 s.
let relay: LocalRelay;
let client: ReturnType<typeof relayClient>;
let ingress: string;
const receivers = receiverPool();
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  relay = await startRelay({ vars: { RELAY_RETRY_SCHEDULE: "1,1,30", RELAY_RETRY_MAX_AGE_SECONDS: "25" } });
  client = relayClient(relay.url);
  ingress = await client.createWorkspace("attempts");
});
afterAll(async () => {
  await Promise.all([relay?.stop(), receivers.closeAll()]);
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function subscribe(c: ReturnType<typeof relayClient>, ws: string, id: string, url: string, extra: Record<string, unknown> = {}) {
  const res = await c.call("PUT", `/v1/workspaces/${ws}/subscribers/${id}`, { kind: "webhook", url, start: "head", ...extra });
  expect(res.status).toBe(201);
}

/** Every attempt of a subscriber, newest first, read page by page with `before`. */
async function allAttempts(c: ReturnType<typeof relayClient>, ws: string, id: string, limit = 2): Promise<DeliveryAttempt[]> {
  const out: DeliveryAttempt[] = [];
  let before: string | null = null;
  do {
    const res = await c.call("GET", `/v1/workspaces/${ws}/subscribers/${id}/attempts?limit=${limit}${before ? `&before=${before}` : ""}`);
    expect(res.status).toBe(200);
    const page = DeliveryAttemptPage.strict().parse(res.body);
    out.push(...page.attempts);
    before = page.nextBefore;
  } while (before);
  return out;
}

const status = async (id: string) => (await client.call("GET", `/v1/workspaces/attempts/subscribers/${id}`)).body;

describe("delivery attempt log", () => {
  it("records a 500 with its body cut at 1 KiB on a character boundary, queue retries, the dead letter's redelivery, and a success", async () => {
    // 1,023 ASCII bytes, then a 2-byte character that the 1 KiB limit splits, then 1 MiB more.
    const bigBody = "x".repeat(1023) + "é" + "y".repeat(1 << 20);
    let redeliverNow = false;
    const r = await receivers.start();
    r.setBehaviour((req, res) => {
      const body = DeliveryBody.parse(JSON.parse(req.body));
      if (body.events.some((e) => e.id === "a1") && !redeliverNow) res.writeHead(500).end(bigBody);
      else res.writeHead(200).end(`thanks for ${body.events.length}`);
    });
    await subscribe(client, "attempts", "log", r.url, { onExhausted: "dead-letter" });
    const [first] = (await client.ingest("attempts", ingress, [makeEvent("a1"), makeEvent("a2")])).results;
    await eventually(async () => (await status("log")).deadLetterCount === 1, 30_000);
    const letter = (await client.call("GET", "/v1/workspaces/attempts/dead-letters?subscriberId=log")).body.deadLetters[0];
    redeliverNow = true;
    expect((await client.call("POST", `/v1/workspaces/attempts/dead-letters/${letter.id}/redeliver`)).status).toBe(202);
    await eventually(async () => (await status("log")).deadLetterCount === 0, 30_000);
    await client.ingest("attempts", ingress, [makeEvent("a3")]);
    await eventually(async () => (await allAttempts(client, "attempts", "log")).length === 5, 30_000);

    const attempts = await allAttempts(client, "attempts", "log");
    // Newest first: the next batch, the redelivery, then the three attempts of the failed batch.
    expect(attempts.map((a) => [a.trigger, a.attempt, a.outcome, a.status])).toEqual([
      ["fast-path", 1, "success", 200],
      ["redeliver", 4, "success", 200],
      ["queue", 3, "failure", 500],
      ["queue", 2, "failure", 500],
      ["fast-path", 1, "failure", 500],
    ]);
    const failedBatch = attempts.slice(1);
    for (const a of failedBatch) {
      expect(a).toMatchObject({ webhookId: letter.id, fromVersion: first!.version, toVersion: first!.version + 1, eventCount: 2 });
    }
    for (const a of attempts.slice(2)) {
      expect(a.responseBody).toBe("x".repeat(1023));
      expect(a.error).toMatch(/^HTTP 500: x+$/);
    }
    expect(attempts[0]).toMatchObject({ eventCount: 1, responseBody: "thanks for 1", error: null });
    expect(attempts[1]).toMatchObject({ responseBody: "thanks for 2", error: null });
    // Ids are unique, and newest first means strictly decreasing start times or equal ones.
    expect(new Set(attempts.map((a) => a.id)).size).toBe(5);
    for (const a of attempts) {
      expect(a.durationMs).toBeGreaterThanOrEqual(0);
      expect(a.startedAt).toBeGreaterThan(0);
    }
    // The receiver saw exactly the attempts the log lists.
    expect(r.requests).toHaveLength(5);
  });

  it("records a network error, a timeout and a 410, and the subscriber's deletion erases its log", async () => {
    const r = await receivers.start();
    r.setBehaviour((req, res) => {
      const attempt = req.headers["x-relay-attempt"];
      if (attempt === "1") res.socket?.destroy();
      else if (attempt === "2") return; // never answered: the relay gives up after 15 s
      else res.writeHead(410).end("gone for good");
    });
    await subscribe(client, "attempts", "faults", r.url);
    await client.ingest("attempts", ingress, [makeEvent("f1")]);
    await eventually(async () => (await status("faults")).state === "disabled", 60_000, 250);
    const attempts = await allAttempts(client, "attempts", "faults", 100);
    expect(attempts.map((a) => [a.attempt, a.trigger, a.outcome, a.status, a.responseBody])).toEqual([
      [3, "queue", "failure", 410, "gone for good"],
      [2, "queue", "timeout", null, null],
      [1, "fast-path", "network_error", null, null],
    ]);
    expect(attempts[1]!.durationMs).toBeGreaterThanOrEqual(15_000);
    expect(attempts[1]!.error).toMatch(/timed out/);
    expect(attempts[2]!.error).toMatch(/network error/);

    expect((await client.call("DELETE", "/v1/workspaces/attempts/subscribers/faults")).status).toBe(204);
    const gone = await client.call("GET", "/v1/workspaces/attempts/subscribers/faults/attempts");
    expect(gone.status).toBe(404);
    expect(gone.body.error.code).toBe("subscriber_not_found");
    // A new subscriber under the same id starts with an empty log.
    await subscribe(client, "attempts", "faults", r.url);
    expect(await allAttempts(client, "attempts", "faults")).toEqual([]);
  }, 120_000);

  it("answers bad queries with the contract's errors", async () => {
    const bad = await client.call("GET", "/v1/workspaces/attempts/subscribers/log/attempts?before=42");
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe("invalid_request");
    const tooMany = await client.call("GET", "/v1/workspaces/attempts/subscribers/log/attempts?limit=1001");
    expect(tooMany.status).toBe(400);
    const noWorkspace = await client.call("GET", "/v1/workspaces/nope/subscribers/log/attempts");
    expect(noWorkspace.status).toBe(404);
    expect(noWorkspace.body.error.code).toBe("workspace_not_found");
    const unauthorised = await fetch(`${relay.url}/v1/workspaces/attempts/subscribers/log/attempts`);
    expect(unauthorised.status).toBe(401);
  });
});

it("records the watchdog's re-send of an attempt cut off by a restart", async () => {
  const persistDir = await mkdtemp(join(tmpdir(), "relay-attempts-restart-"));
  cleanups.push(() => rm(persistDir, { recursive: true, force: true }));
  const r = await receivers.start();
  let relayStopped = false;
  r.setBehaviour(async (_req, res) => {
    while (!relayStopped) await new Promise((resolve) => setTimeout(resolve, 50));
    res.writeHead(200).end("late but fine");
  });
  let restarting = await startRelay({ persistDir });
  const c = relayClient(restarting.url);
  const secret = await c.createWorkspace("watchdog");
  await subscribe(c, "watchdog", "w", r.url);
  await c.ingest("watchdog", secret, [makeEvent("w1")]);
  await eventually(() => r.requests.length >= 1, 30_000);
  await restarting.stop();
  relayStopped = true;

  restarting = await startRelay({ persistDir });
  cleanups.push(() => restarting.stop());
  const after = relayClient(restarting.url);
  const attempts = await eventually(async () => {
    const list = await allAttempts(after, "watchdog", "w");
    return list.length > 0 ? list : undefined;
  }, 120_000, 250);
  // The attempt cut off never reached an outcome; the watchdog's re-send did.
  expect(attempts.map((a) => [a.trigger, a.attempt, a.outcome, a.responseBody])).toEqual([["watchdog", 2, "success", "late but fine"]]);
  expect(attempts[0]!.webhookId).toBe(r.requests[0]!.headers["webhook-id"]);
}, 300_000);
