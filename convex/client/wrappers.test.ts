import { afterEach, describe, expect, test } from "vitest";
import { api, internal } from "../example/convex/_generated/api";
import { makeExampleApp, serveConvexHttp, type ExampleApp } from "../testing/example-app";
import { INGRESS_SECRET, SUBSCRIBER_SECRET, WORKSPACE, deliver, setupApp, userEvent } from "../testing/fixtures";
import { startIngestRecorder, type IngestRecorder } from "../testing/ingest-recorder";
import { waitFor } from "../testing/wait";

/** The seed's API wrappers, through the example app's `federation.ts`, as a frontend calls them. */

let relay: IngestRecorder | undefined;
afterEach(async () => {
  await relay?.close();
  relay = undefined;
});

async function connection(t: ExampleApp, projectId = "relay") {
  return (await t.query(api.federation.getConnection, { projectId }))!;
}

describe("entity wrappers", () => {
  test("registerEntity returns the entity, and registering the name again updates it", async () => {
    const t = makeExampleApp();
    const user = await t.mutation(api.federation.registerEntity, { name: "User", table: "users", strategy: "push" });
    expect(user).toEqual({ _id: expect.any(String), name: "User", table: "users", strategy: "push", enabled: true, createdAt: expect.any(Number) });
    const again = await t.mutation(api.federation.registerEntity, { name: "User", table: "users", strategy: "bidirectional" });
    expect(again).toEqual({ ...user, strategy: "bidirectional" });
    await expect(t.mutation(api.federation.registerEntity, { name: "User", table: "not a table", strategy: "push" })).rejects.toThrow(/table/);
  });

  test("listEntities, toggleEntity and removeEntity", async () => {
    const t = makeExampleApp();
    const user = await t.mutation(api.federation.registerEntity, { name: "User", table: "users", strategy: "push" });
    const task = await t.mutation(api.federation.registerEntity, { name: "Task", table: "tasks", strategy: "pull" });
    expect(await t.query(api.federation.listEntities, {})).toEqual([user, task]);

    expect(await t.mutation(api.federation.toggleEntity, { entityId: user._id, enabled: false })).toEqual({ ...user, enabled: false });
    expect(await t.query(api.federation.listEntities, {})).toEqual([{ ...user, enabled: false }, task]);

    // The entity's name works as well as its _id.
    expect(await t.mutation(api.federation.toggleEntity, { entityId: "User", enabled: true })).toEqual(user);
    await expect(t.mutation(api.federation.toggleEntity, { entityId: "Invoice", enabled: true })).rejects.toThrow(/no entity with id or name/);
    expect(await t.mutation(api.federation.removeEntity, { entityId: "Task" })).toEqual({ removed: true });
    expect(await t.mutation(api.federation.removeEntity, { entityId: user._id })).toEqual({ removed: true });
    expect(await t.mutation(api.federation.removeEntity, { entityId: user._id })).toEqual({ removed: false });
    expect(await t.query(api.federation.listEntities, {})).toEqual([]);
  });
});

describe("connection wrappers", () => {
  test("addConnection returns the connection without its secrets; listConnections and getConnection agree", async () => {
    const t = makeExampleApp();
    const added = await t.mutation(api.federation.addConnection, {
      projectId: "relay",
      url: "https://relay.example.com/",
      workspace: WORKSPACE,
      secret: INGRESS_SECRET,
      receiveSecret: SUBSCRIBER_SECRET,
    });
    expect(added).toMatchObject({
      projectId: "relay",
      kind: "relay",
      url: "https://relay.example.com",
      workspace: WORKSPACE,
      hasSecret: true,
      hasReceiveSecret: true,
      secretEnvVar: null,
      status: "unknown",
      phase: "idle",
      pendingEvents: 0,
    });
    const listed = await t.query(api.federation.listConnections, {});
    expect(listed).toEqual([added]);
    expect(await t.query(api.federation.getConnection, { projectId: "relay" })).toEqual(added);
    expect(await t.query(api.federation.getConnection, { projectId: "nobody" })).toBeNull();
    const everything = JSON.stringify([added, listed]);
    expect(everything).not.toContain(INGRESS_SECRET.slice(6));
    expect(everything).not.toContain(SUBSCRIBER_SECRET.slice(6));
  });

  test("addConnection defaults a peer without a workspace to a direct connection signing with FEDERATION_SECRET", async () => {
    const t = makeExampleApp();
    const peer = await t.mutation(api.federation.addConnection, { projectId: "peer", url: "https://peer.convex.site/federation/receive" });
    expect(peer).toMatchObject({ kind: "direct", workspace: null, hasSecret: false, secretEnvVar: "FEDERATION_SECRET" });
  });

  test.each([
    ["a plain-http URL off localhost", { url: "http://relay.example.com", workspace: "ws", secret: INGRESS_SECRET }, /https/],
    ["a URL carrying credentials", { url: "https://user:pw@relay.example.com", workspace: "ws", secret: INGRESS_SECRET }, /credentials/],
    ["a relay without a secret", { url: "https://relay.example.com", workspace: "ws" }, /ingress secret/],
    ["a bad workspace id", { url: "https://relay.example.com", workspace: "no spaces", secret: INGRESS_SECRET }, /workspace/],
    ["a short passphrase", { url: "https://relay.example.com", workspace: "ws", secret: "too short" }, /32 characters/],
    ["both a secret and its env var", { url: "https://relay.example.com", workspace: "ws", secret: INGRESS_SECRET, secretEnvVar: "RELAY_INGRESS_SECRET" }, /not both/],
    ["an env var the component cannot read", { url: "https://relay.example.com", workspace: "ws", secretEnvVar: "MY_SECRET" }, /declares/],
  ])("addConnection refuses %s", async (_case, args, message) => {
    const t = makeExampleApp();
    await expect(t.mutation(api.federation.addConnection, { projectId: "relay", ...args })).rejects.toThrow(message);
    expect(await t.query(api.federation.listConnections, {})).toEqual([]);
  });

  test("removeConnection removes it and what it was still owed, and leaves other connections alone", async () => {
    relay = await startIngestRecorder(INGRESS_SECRET, () => ({ status: 503, body: {} }));
    const t = await setupApp({ relayUrl: relay.url, retryScheduleMs: [60_000] });
    const keep = await t.mutation(api.federation.addConnection, {
      projectId: "other",
      url: "http://127.0.0.1:9",
      workspace: "ws2",
      secret: INGRESS_SECRET,
    });
    await t.mutation(api.users.createUser, { email: "a@example.com", name: "A" });
    await waitFor(async () => (await connection(t)).phase === "backoff", { what: "the backoff" });
    const doomed = await connection(t);
    expect(doomed.pendingEvents).toBe(1);

    expect(await t.mutation(api.federation.removeConnection, { connectionId: doomed._id })).toEqual({ removed: true });
    expect(await t.mutation(api.federation.removeConnection, { connectionId: doomed._id })).toEqual({ removed: false });
    await waitFor(async () => {
      const [event] = await t.query(api.federation.listEvents, {});
      return event!.deliveries.length === 1;
    }, { what: "the purge" });
    expect((await t.query(api.federation.listConnections, {})).map((c) => c.projectId)).toEqual(["other"]);
    const [event] = await t.query(api.federation.listEvents, {});
    expect(event!.deliveries.map((d) => d.connectionId)).toEqual([keep._id]);
  });

  test("testConnection checks a relay connection in the background and records the answer", async () => {
    relay = await startIngestRecorder(INGRESS_SECRET);
    const t = await setupApp({ relayUrl: relay.url });
    const { _id } = await connection(t);
    expect(await t.mutation(api.federation.testConnection, { connectionId: _id })).toEqual({
      scheduled: true,
      projectId: "relay",
      resultIn: 'getConnection({ projectId: "relay" }).lastTest',
    });
    await waitFor(async () => (await connection(t)).lastTest !== null, { what: "the test result" });
    expect(await connection(t)).toMatchObject({ status: "online", lastTest: { ok: true, status: 400 } });
    expect(relay.requests).toHaveLength(1);
    expect(relay.requests[0]).toMatchObject({ verified: true, eventIds: [] });
    expect(relay.log).toEqual([]);

    // A wrong secret is reported as such.
    await t.mutation(api.federation.addConnection, {
      projectId: "relay",
      url: relay.url,
      workspace: WORKSPACE,
      secret: "whsec_" + btoa("not the workspace's secret at all"),
    });
    await t.mutation(api.federation.testConnection, { connectionId: _id });
    await waitFor(async () => (await connection(t)).lastTest?.ok === false, { what: "the failed test" });
    expect((await connection(t)).lastTest).toMatchObject({ ok: false, status: 401, message: expect.stringMatching(/invalid_signature/) });
  });

  test("testConnectionNow returns the result, and records it too", async () => {
    relay = await startIngestRecorder(INGRESS_SECRET);
    const t = await setupApp({ relayUrl: relay.url });
    const { _id } = await connection(t);
    const result = await t.action(api.federation.testConnectionNow, { connectionId: _id });
    expect(result).toEqual({ at: expect.any(Number), ok: true, status: 400, message: expect.stringMatching(/secret is accepted/) });
    expect((await connection(t)).lastTest).toEqual(result);
    relay.respond = () => ({ status: 404, body: { error: { code: "workspace_not_found", message: "no such workspace" } } });
    expect(await t.action(api.federation.testConnectionNow, { connectionId: _id })).toMatchObject({ ok: false, status: 404 });
    await expect(t.action(api.federation.testConnectionNow, { connectionId: "nope" })).rejects.toThrow(/no connection/);
  });

  test("setup says which env var is unset, and returns the connectionId", async () => {
    const t = makeExampleApp();
    delete process.env.RELAY_URL;
    process.env.RELAY_WORKSPACE = WORKSPACE;
    try {
      await expect(t.mutation(internal.federation.setup, {})).rejects.toThrow(/url is missing.*npx convex env set RELAY_URL/);
      process.env.RELAY_URL = "https://relay.example.com";
      const { connectionId } = await t.mutation(internal.federation.setup, {});
      expect(connectionId).toBe((await connection(t))._id);
    } finally {
      delete process.env.RELAY_URL;
      delete process.env.RELAY_WORKSPACE;
    }
  });

  test("testConnection reaches a direct peer's receiver (this package's) over HTTP", async () => {
    const peer = await setupApp();
    const shared = "a shared passphrase that is long enough!";
    await peer.mutation(api.federation.addConnection, { projectId: "me", url: "https://me.convex.site/federation/receive", secret: shared });
    const server = await serveConvexHttp(peer);
    try {
      const t = await setupApp();
      const added = await t.mutation(api.federation.addConnection, {
        projectId: "peer",
        url: `${server.url}/federation/receive`,
        secret: shared,
      });
      await t.mutation(api.federation.testConnection, { connectionId: added._id });
      await waitFor(async () => (await connection(t, "peer")).lastTest !== null, { what: "the test result" });
      expect((await connection(t, "peer")).lastTest).toMatchObject({ ok: true, status: 400 });
    } finally {
      await server.close();
    }
  });
});

describe("event wrappers", () => {
  async function appWithEvents() {
    relay = await startIngestRecorder(INGRESS_SECRET);
    const t = await setupApp({ relayUrl: relay.url });
    const userId = await t.mutation(api.users.createUser, { email: "a@example.com", name: "A" });
    await t.mutation(api.users.updateUser, { userId, name: "B" });
    await t.mutation(api.tasks.createTask, { title: "t" });
    await waitFor(() => relay!.log.length === 3, { what: "three events" });
    await waitFor(async () => (await connection(t)).phase === "idle", { what: "idle" });
    return t;
  }

  test("listEvents lists newest first, and filters by status, entity and limit", async () => {
    const t = await appWithEvents();
    const all = await t.query(api.federation.listEvents, {});
    expect(all.map((e) => [e.entityName, e.eventType, e.status])).toEqual([
      ["Task", "create", "sent"],
      ["User", "update", "sent"],
      ["User", "create", "sent"],
    ]);
    expect((await t.query(api.federation.listEvents, { entityName: "User" })).map((e) => e.eventType)).toEqual(["update", "create"]);
    expect(await t.query(api.federation.listEvents, { limit: 1 })).toEqual([all[0]]);
    expect(await t.query(api.federation.listEvents, { status: "failed" })).toEqual([]);
    expect(await t.query(api.federation.listEvents, { status: "sent", entityName: "Task" })).toEqual([all[0]]);
  });

  test("getEventStats counts events by status", async () => {
    const t = await appWithEvents();
    expect(await t.query(api.federation.getEventStats, {})).toEqual({ total: 3, pending: 0, sent: 3, failed: 0, skipped: 0, truncated: false });
  });

  test("clearOldEvents deletes sent events older than the cut-off and keeps pending ones", async () => {
    const t = await appWithEvents();
    expect(await t.mutation(api.federation.clearOldEvents, { olderThanDays: 1 })).toEqual({ deleted: 0, inboxDeleted: 0, hasMore: false });
    // Park one event as pending, then clear everything older than now.
    relay!.respond = () => ({ status: 503, body: {} });
    await t.mutation(api.federation.configure, { retryScheduleMs: [60_000] });
    await t.mutation(api.users.createUser, { email: "c@example.com", name: "C" });
    await waitFor(async () => (await connection(t)).phase === "backoff", { what: "the backoff" });
    expect(await t.mutation(api.federation.clearOldEvents, { olderThanDays: 0 })).toEqual({ deleted: 3, inboxDeleted: 0, hasMore: false });
    expect((await t.query(api.federation.listEvents, {})).map((e) => e.status)).toEqual(["pending"]);
  });

  test("retryEvent puts a failed event back under the same id", async () => {
    relay = await startIngestRecorder(INGRESS_SECRET, () => ({ status: 400, body: { error: { code: "invalid_request", message: "no" } } }));
    const t = await setupApp({ relayUrl: relay.url });
    await t.mutation(api.users.createUser, { email: "a@example.com", name: "A" });
    await waitFor(async () => (await t.query(api.federation.getEventStats, {})).failed === 1, { what: "the failure" });
    const [failed] = await t.query(api.federation.listEvents, { status: "failed" });
    await expect(t.mutation(api.federation.retryEvent, { eventId: "evt_nope" })).rejects.toThrow(/no outbox event/);

    relay.respond = () => "default";
    expect(await t.mutation(api.federation.retryEvent, { eventId: failed!.eventId })).toEqual({ retried: 1 });
    await waitFor(() => relay!.log.length === 1, { what: "the retried event" });
    expect(relay.log[0]!.id).toBe(failed!.eventId);
    expect(await t.mutation(api.federation.retryEvent, { eventId: failed!.eventId })).toEqual({ retried: 0 });
  });

  test("syncNow cuts a backoff short and sends what is pending", async () => {
    let down = true;
    relay = await startIngestRecorder(INGRESS_SECRET, () => (down ? { status: 503, body: {} } : "default"));
    const t = await setupApp({ relayUrl: relay.url, retryScheduleMs: [600_000] });
    await t.mutation(api.users.createUser, { email: "a@example.com", name: "A" });
    await waitFor(async () => (await connection(t)).phase === "backoff", { what: "the backoff" });
    expect((await connection(t)).nextAttemptAt).toBeGreaterThan(Date.now() + 500_000);
    down = false;
    // The pending create, and the user's current state as a fresh event.
    expect(await t.mutation(api.federation.syncNow, { entityName: "User" })).toMatchObject({ sent: 1, retried: 0, woken: 1 });
    await waitFor(() => relay!.log.length === 2, { what: "the events" });
    await waitFor(async () => (await connection(t)).phase === "idle", { what: "idle" });
    await expect(t.mutation(api.federation.syncNow, { entityId: "x" })).rejects.toThrow(/needs entityName/);
  });
});

test("configure and getSettings: origin and retry schedule", async () => {
  const t = makeExampleApp();
  expect(await t.query(api.federation.getSettings, {})).toEqual({
    origin: expect.stringMatching(/^convex-test-\d+$/), // set by test.ts's register
    originSource: "configured",
    retryScheduleMs: [1_000, 2_000, 5_000, 10_000, 30_000, 60_000, 120_000, 300_000],
  });
  expect(await t.mutation(api.federation.configure, { origin: "happy-animal-123", retryScheduleMs: [5, 10] })).toMatchObject({
    origin: "happy-animal-123",
    originSource: "configured",
    retryScheduleMs: [5, 10],
  });
  // Without a configured origin, the deployment's name (convex-test calls every one "test").
  expect(await t.mutation(api.federation.configure, { origin: null })).toMatchObject({
    origin: "test",
    originSource: "deployment",
    retryScheduleMs: [5, 10],
  });
  await expect(t.mutation(api.federation.configure, { retryScheduleMs: [] })).rejects.toThrow(/retryScheduleMs/);
  await expect(t.mutation(api.federation.configure, { origin: "has space" })).rejects.toThrow(/origin/);
});

test("each convex-test instance gets its own origin, so instances do not take each other's events for echoes", async () => {
  const a = makeExampleApp();
  const b = makeExampleApp();
  const [originA, originB] = [(await a.query(api.federation.getSettings, {})).origin, (await b.query(api.federation.getSettings, {})).origin];
  expect(originA).not.toBe(originB);

  // An event a wrote reaches b as a delivery and applies (it would be an "echo" if both were "test").
  for (const t of [a, b]) {
    await t.mutation(api.federation.registerEntity, { name: "User", table: "users", strategy: "bidirectional" });
    await t.mutation(api.federation.addConnection, { projectId: "relay", url: "http://127.0.0.1:9", workspace: WORKSPACE, secret: INGRESS_SECRET, receiveSecret: SUBSCRIBER_SECRET });
  }
  await a.mutation(api.users.createUser, { email: "ada@example.com", name: "Ada" });
  const [event] = await a.query(api.federation.listEvents, {});
  const fromA = userEvent({ entityId: event!.entityId, eventType: "create", version: 1, origin: originA });
  expect((await deliver(b, [fromA])).body).toMatchObject({ applied: 1, echo: 0 });
  expect((await deliver(a, [{ ...fromA, id: `evt_${crypto.randomUUID()}` }])).body).toMatchObject({ applied: 0, echo: 1 });
});
