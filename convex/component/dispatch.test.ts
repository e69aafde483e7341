import { afterEach, describe, expect, test } from "vitest";
import { MAX_INGEST_BODY_BYTES } from "../../src/contract/event";
import { makeSyncedHandlers } from "../client";
import { api } from "../example/convex/_generated/api";
import { components } from "../example/convex/components";
import type { ExampleApp } from "../testing/example-app";
import { INGRESS_SECRET, WORKSPACE, setupApp } from "../testing/fixtures";
import { startIngestRecorder, type ReceivedRequest, type IngestRecorder } from "../testing/ingest-recorder";
import { waitFor } from "../testing/wait";

let relay: IngestRecorder | undefined;
afterEach(async () => {
  await relay?.close();
  relay = undefined;
});

async function connection(t: ExampleApp) {
  return (await t.query(api.federation.getConnection, { projectId: "relay" }))!;
}

/** Until the dispatcher has nothing left to send and has gone idle. */
async function drained(t: ExampleApp) {
  await waitFor(async () => {
    const c = await connection(t);
    return c.phase === "idle" && c.pendingEvents === 0;
  }, { what: "the outbox to drain" });
}

/** Event ids in the order the recorder accepted them. */
function acceptedIds(requests: ReceivedRequest[]): string[] {
  return requests.filter((r) => r.status === 200).flatMap((r) => r.eventIds);
}

/**
 * Outbox event ids in commit order: `listEvents` lists newest first by creation time, which
 * convex-test (running one transaction at a time) assigns in commit order.
 */
async function committedIds(t: ExampleApp): Promise<string[]> {
  const events = await t.query(api.federation.listEvents, { limit: 500 });
  return events.reverse().map((e) => e.eventId);
}

async function createUsers(t: ExampleApp, count: number, prefix = "u") {
  for (let i = 0; i < count; i++) {
    await t.mutation(api.users.createUser, { email: `${prefix}${i}@example.com`, name: `${prefix}${i}` });
  }
}

describe("outbound dispatch to a real HTTP server", () => {
  test("sends each synced write at once, signed, in commit order, and records the relay's versions", async () => {
    relay = await startIngestRecorder(INGRESS_SECRET);
    const t = await setupApp({ relayUrl: relay.url });
    await createUsers(t, 10);
    // Two writes in one transaction share its commit timestamp; they keep their order.
    const { syncedCreate } = makeSyncedHandlers(components.federation);
    await t.mutation(async (ctx) => {
      for (const email of ["pair-1@example.com", "pair-2@example.com"]) {
        await syncedCreate("User", async (ctx, _args: {}) => ctx.db.insert("users", { email, name: email, version: 1, updatedAt: 1 }))(ctx, {});
      }
    });
    await waitFor(() => relay!.log.length === 12, { what: "12 events at the relay" });
    await drained(t);

    expect(relay.requests.every((r) => r.verified)).toBe(true);
    expect(relay.requests.every((r) => r.path === `/v1/workspaces/${WORKSPACE}/events`)).toBe(true);
    expect(relay.requests.every((r) => r.headers["content-type"] === "application/json")).toBe(true);
    const order = await committedIds(t);
    expect(acceptedIds(relay.requests)).toEqual(order);
    const emails = relay.requests.flatMap((r) => r.events.map((e) => (e.payload as { data: { email: string } }).data.email));
    expect(emails.slice(-2)).toEqual(["pair-1@example.com", "pair-2@example.com"]);

    const versions = new Map(relay.log.map(({ id, version }) => [id, version]));
    for (const event of await t.query(api.federation.listEvents, {})) {
      expect(event.status).toBe("sent");
      expect(event.deliveries).toEqual([
        expect.objectContaining({ projectId: "relay", status: "sent", attempts: 1, relayVersion: versions.get(event.eventId) }),
      ]);
    }
  });

  test("a failing endpoint gets backoff retries of the same batch, under the same ids", async () => {
    const schedule = [200, 400, 800];
    relay = await startIngestRecorder(INGRESS_SECRET, (_request, index) =>
      index < 3 ? { status: 500, body: { error: { code: "internal", message: "relay down" } } } : "default",
    );
    const t = await setupApp({ relayUrl: relay.url, retryScheduleMs: schedule });
    await t.mutation(api.users.createUser, { email: "a@example.com", name: "A" });
    await waitFor(() => relay!.requests.some((r) => r.status === 200), { what: "a successful attempt" });
    await drained(t);

    const attempts = relay.requests;
    expect(attempts.map((r) => r.status)).toEqual([500, 500, 500, 200]);
    const [first] = attempts;
    for (const attempt of attempts) {
      expect(attempt.verified).toBe(true);
      expect(attempt.eventIds).toEqual(first!.eventIds);
      expect(attempt.headers["webhook-id"]).toBe(first!.headers["webhook-id"]);
    }
    // Each retry waited at least its step of the schedule (lower bounds only).
    for (let i = 0; i < 3; i++) {
      expect(attempts[i + 1]!.receivedAt - attempts[i]!.receivedAt).toBeGreaterThanOrEqual(schedule[i]! - 5);
    }
    const status = await connection(t);
    expect(status).toMatchObject({ status: "online", consecutiveFailures: 0, phase: "idle" });
    expect(status.lastError).toMatchObject({ status: 500, message: expect.stringMatching(/relay down/) });
    const [event] = await t.query(api.federation.listEvents, {});
    expect(event!.deliveries[0]).toMatchObject({ status: "sent", attempts: 4 });
  });

  test("after an outage the backlog goes out in commit order, in batches of at most 100", async () => {
    let down = true;
    relay = await startIngestRecorder(INGRESS_SECRET, () => (down ? { status: 503, body: {} } : "default"));
    const t = await setupApp({ relayUrl: relay.url, retryScheduleMs: [100] });
    await createUsers(t, 150);
    await waitFor(async () => (await connection(t)).consecutiveFailures > 0, { what: "a failed attempt" });
    expect(await connection(t)).toMatchObject({ status: "offline", pendingEvents: 150 });
    down = false;
    await waitFor(() => relay!.log.length === 150, { what: "150 events at the relay" });
    await drained(t);

    const accepted = relay.requests.filter((r) => r.status === 200);
    expect(accepted.length).toBeGreaterThanOrEqual(2);
    expect(accepted.every((r) => r.eventIds.length <= 100)).toBe(true);
    expect(acceptedIds(relay.requests)).toEqual(await committedIds(t));
    // Every attempt, failed or not, carried ids from the outbox: nothing was re-sent as new.
    const everySent = new Set(relay.requests.flatMap((r) => r.eventIds));
    expect(everySent).toEqual(new Set(await committedIds(t)));
  });

  test("Retry-After on a 429 is honoured over a shorter schedule", async () => {
    relay = await startIngestRecorder(INGRESS_SECRET, (_request, index) =>
      index === 0 ? { status: 429, headers: { "retry-after": "1" }, body: {} } : "default",
    );
    const t = await setupApp({ relayUrl: relay.url, retryScheduleMs: [10] });
    await t.mutation(api.users.createUser, { email: "a@example.com", name: "A" });
    await waitFor(() => relay!.requests.length === 2, { what: "the retry" });
    await drained(t);
    expect(relay.requests[1]!.receivedAt - relay.requests[0]!.receivedAt).toBeGreaterThanOrEqual(995);
  });

  test("backpressure: 429 rate_limited and 503 overloaded with Retry-After are waited out, in order, losing nothing", async () => {
    const refusals = [
      { status: 429, headers: { "retry-after": "1" }, body: { error: { code: "rate_limited", message: "slow down" } } },
      { status: 503, headers: { "retry-after": "1" }, body: { error: { code: "overloaded", message: "busy" } } },
    ];
    relay = await startIngestRecorder(INGRESS_SECRET, (_request, index) => refusals[index] ?? "default");
    // A schedule far shorter than Retry-After: only the header can explain the waits.
    const t = await setupApp({ relayUrl: relay.url, retryScheduleMs: [10] });
    await createUsers(t, 120);
    await waitFor(() => relay!.log.length === 120, { what: "120 events at the relay" });
    await drained(t);

    const [first, second, third] = relay.requests;
    expect([first, second, third].map((r) => r!.status)).toEqual([429, 503, 200]);
    expect(second!.receivedAt - first!.receivedAt).toBeGreaterThanOrEqual(995);
    expect(third!.receivedAt - second!.receivedAt).toBeGreaterThanOrEqual(995);
    // The refused batch is resent from its first event (grown if more were written meanwhile),
    // and everything arrives once, in commit order.
    expect(second!.eventIds.slice(0, first!.eventIds.length)).toEqual(first!.eventIds);
    expect(third!.eventIds.slice(0, second!.eventIds.length)).toEqual(second!.eventIds);
    expect(acceptedIds(relay.requests)).toEqual(await committedIds(t));
    expect(relay.log.map((entry) => entry.id)).toEqual(await committedIds(t));
    expect(await connection(t)).toMatchObject({ status: "online", consecutiveFailures: 0 });
  });

  test("keeps every batch within the relay's 1 MiB body limit, so large documents go a few to a batch, never one by one", async () => {
    let down = true;
    relay = await startIngestRecorder(INGRESS_SECRET, (request) => {
      if (down) return { status: 503, body: {} };
      // The relay's own answer to a body over its limit (contract §2).
      if (Buffer.byteLength(request.body) > MAX_INGEST_BODY_BYTES) {
        return { status: 413, body: { error: { code: "payload_too_large", message: "request body is larger than 1048576 bytes" } } };
      }
      return "default";
    });
    const t = await setupApp({ relayUrl: relay.url, retryScheduleMs: [100] });
    // Twelve documents of 200 KiB each: five fit in one body.
    const large = "x".repeat(200 * 1024);
    for (let i = 0; i < 12; i++) await t.mutation(api.users.createUser, { email: `large${i}@example.com`, name: `${large}${i}` });
    down = false;
    await waitFor(async () => (await t.query(api.federation.getEventStats, {})).pending === 0, { what: "no pending event" });
    await drained(t);

    const answered = relay.requests.filter((r) => r.status !== 503);
    expect(answered.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(answered.map((r) => r.eventIds.length)).toEqual([5, 5, 2]);
    expect(acceptedIds(relay.requests)).toEqual(await committedIds(t));
  });

  test("an event the relay refuses fails alone; the others in its batch go through, and it can be retried", async () => {
    let down = true;
    let poison: string | undefined;
    relay = await startIngestRecorder(INGRESS_SECRET, (request) => {
      if (down) return { status: 503, body: {} };
      if (poison && request.eventIds.includes(poison)) {
        return { status: 413, body: { error: { code: "payload_too_large", message: "event too large" } } };
      }
      return "default";
    });
    const t = await setupApp({ relayUrl: relay.url, retryScheduleMs: [100] });
    await createUsers(t, 3);
    const [first, second, third] = await committedIds(t);
    poison = second;
    down = false;
    await waitFor(async () => (await t.query(api.federation.getEventStats, {})).pending === 0, { what: "no pending event" });
    await drained(t);

    expect(acceptedIds(relay.requests)).toEqual([first, third]);
    const failed = await t.query(api.federation.listEvents, { status: "failed" });
    expect(failed.map((e) => e.eventId)).toEqual([second]);
    expect(failed[0]!.deliveries[0]).toMatchObject({ status: "failed", lastError: expect.stringMatching(/413/) });

    poison = undefined;
    expect(await t.mutation(api.federation.retryEvent, { eventId: second! })).toEqual({ retried: 1 });
    await waitFor(() => acceptedIds(relay!.requests).includes(second!), { what: "the retried event" });
    await drained(t);
    expect((await t.query(api.federation.getEventStats, {})).failed).toBe(0);
  });

  test("replacing a failing connection (a fixed secret) sends its backlog at once, not after the backoff", async () => {
    relay = await startIngestRecorder(INGRESS_SECRET);
    // A minute between retries: the backlog must not wait for it.
    const t = await setupApp({ relayUrl: relay.url, retryScheduleMs: [60_000] });
    const wrong = "whsec_plJ3nmyCDGBKInavdOK15jsl";
    await t.mutation(api.federation.addConnection, { projectId: "relay", url: relay.url, workspace: WORKSPACE, secret: wrong });
    await createUsers(t, 2, "fix");
    await waitFor(async () => (await connection(t)).phase === "backoff", { what: "the backoff after the refusals" });
    expect(relay.log).toEqual([]);

    await t.mutation(api.federation.addConnection, { projectId: "relay", url: relay.url, workspace: WORKSPACE, secret: INGRESS_SECRET });
    await waitFor(() => relay!.log.length === 2, { what: "the backlog", timeoutMs: 5_000 });
    expect(relay.log.map((entry) => entry.id)).toEqual(await committedIds(t));
  });

  test("without a usable secret nothing is sent, the error says why, and the backlog follows once it is set", async () => {
    relay = await startIngestRecorder(INGRESS_SECRET);
    const t = await setupApp({ relayUrl: relay.url, retryScheduleMs: [60_000] });
    await t.mutation(api.federation.addConnection, {
      projectId: "relay",
      url: relay.url,
      workspace: WORKSPACE,
      secretEnvVar: "RELAY_INGRESS_SECRET",
    });
    delete process.env.RELAY_INGRESS_SECRET;
    await t.mutation(api.users.createUser, { email: "a@example.com", name: "A" });
    await waitFor(async () => (await connection(t)).lastError !== null, { what: "the error" });
    expect((await connection(t)).lastError!.message).toMatch(/no usable secret in env var RELAY_INGRESS_SECRET/);
    expect(relay.requests).toEqual([]);

    process.env.RELAY_INGRESS_SECRET = INGRESS_SECRET;
    try {
      // The pending create, then the fresh event syncNow sends with the user's current state.
      await t.mutation(api.federation.syncNow, {});
      await waitFor(() => relay!.log.length === 2, { what: "the events" });
      await drained(t);
      expect(relay.requests.every((r) => r.verified)).toBe(true);
    } finally {
      delete process.env.RELAY_INGRESS_SECRET;
    }
  });
});
