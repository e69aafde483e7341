import { createExecutionContext, env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { SubscriberStatus } from "../../src/contract/subscriber";
import { app } from "../../src/app";
import { destinationProblem } from "../../src/delivery/destination";
import {
  ADMIN_TOKEN,
  BASE_URL,
  createWorkspace,
  expectError,
  expectStatus,
  getWorkspace,
  ingest,
  json,
  makeEvent,
  makeEvents,
  readAll,
  relayFetch,
  uniqueId,
  workspacePath,
  workspaceStub,
} from "./helpers";

const subscriberPath = (ws: string, id: string) => `${workspacePath(ws)}/subscribers/${id}`;
const HOOK = "https://hooks.example.com/relay";

async function putSubscriber(ws: string, id: string, body: Record<string, unknown>) {
  return relayFetch(subscriberPath(ws, id), { method: "PUT", body });
}

describe("subscriber admin API", () => {
  it("creates with a secret shown once, then updates, lists, reports status and deletes", async () => {
    const { workspaceId: ws } = await createWorkspace();
    const created = await putSubscriber(ws, "hook", { kind: "webhook", url: HOOK, enabled: false });
    await expectStatus(created, 201);
    const body = await json<SubscriberStatus & { secret: string }>(created);
    expect(body.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(atob(body.secret.slice(6))).toHaveLength(32);
    expect(SubscriberStatus.parse(body)).toMatchObject({
      id: "hook",
      kind: "webhook",
      url: HOOK,
      filter: null,
      excludeOrigins: [],
      maxBatchSize: 100,
      onExhausted: "dead-letter",
      state: "disabled",
      cursor: 0,
      head: 0,
      lag: 0,
      inFlight: null,
      lastSuccessAt: null,
      lastError: null,
      consecutiveFailures: 0,
      deadLetterCount: 0,
    });

    const updated = await putSubscriber(ws, "hook", {
      kind: "webhook",
      url: `${HOOK}/v2`,
      filter: { entityKinds: ["task"] },
      maxBatchSize: 10,
      enabled: false,
    });
    await expectStatus(updated, 200);
    const updatedBody = await json<Record<string, unknown>>(updated);
    expect(updatedBody).toMatchObject({ url: `${HOOK}/v2`, filter: { entityKinds: ["task"] }, maxBatchSize: 10 });
    expect(updatedBody.secret).toBeUndefined();

    const convex = await putSubscriber(ws, "peer", { kind: "convex", url: "https://happy-animal-123.convex.site/relay/receive", enabled: false });
    await expectStatus(convex, 201);
    expect(await json(convex)).toMatchObject({ onExhausted: "pause" });

    const list = await relayFetch(`${workspacePath(ws)}/subscribers`);
    await expectStatus(list, 200);
    const listed = await json<{ subscribers: SubscriberStatus[] }>(list);
    expect(listed.subscribers.map((s) => s.id).sort()).toEqual(["hook", "peer"]);
    expect(JSON.stringify(listed)).not.toContain(body.secret);
    expect((await getWorkspace(ws)).subscriberCount).toBe(2);

    await expectStatus(await relayFetch(subscriberPath(ws, "hook"), { method: "DELETE" }), 204);
    await expectError(await relayFetch(subscriberPath(ws, "hook")), "subscriber_not_found");
    await expectError(await relayFetch(subscriberPath(ws, "hook"), { method: "DELETE" }), "subscriber_not_found");
    expect((await getWorkspace(ws)).subscriberCount).toBe(1);
  });

  it("refuses bad bodies, URLs and ids with the contract's error shape", async () => {
    const { workspaceId: ws } = await createWorkspace();
    await expectError(await putSubscriber(ws, "s", { kind: "pigeon", url: HOOK }), "invalid_request", { issuePaths: ["kind"] });
    await expectError(await putSubscriber(ws, "s", { kind: "webhook", url: "not a url" }), "invalid_request", { issuePaths: ["url"] });
    await expectError(await putSubscriber(ws, "s", { kind: "webhook", url: HOOK, maxBatchSize: 101 }), "invalid_request", { issuePaths: ["maxBatchSize"] });
    await expectError(await putSubscriber(ws, "s", { kind: "webhook", url: HOOK, maxBatchSize: 0 }), "invalid_request", { issuePaths: ["maxBatchSize"] });
    await expectError(await putSubscriber(ws, "s", { kind: "webhook", url: HOOK, start: "middle" }), "invalid_request", { issuePaths: ["start"] });
    await expectError(await putSubscriber(ws, "s", { kind: "webhook", url: HOOK, start: { afterVersion: 5 } }), "invalid_request", { issuePaths: ["start.afterVersion"] });
    await expectError(await putSubscriber(ws, "s", { kind: "webhook", url: HOOK, onExhausted: "explode" }), "invalid_request", { issuePaths: ["onExhausted"] });
    await expectError(await putSubscriber(ws, "s", { kind: "webhook", url: HOOK, filter: { entityKinds: [] } }), "invalid_request", { issuePaths: ["filter.entityKinds"] });
    await expectError(await putSubscriber(ws, "s", { kind: "webhook", url: HOOK, surprise: 1 }), "invalid_request", { issues: true });
    await expectError(await relayFetch(subscriberPath(ws, "s"), { method: "PUT", body: "{nope" }), "invalid_request", { issuePaths: [""] });
    // A convex subscriber must be on .convex.site, even where insecure destinations are allowed.
    await expectError(await putSubscriber(ws, "s", { kind: "convex", url: "https://example.com/receive" }), "invalid_request", { issuePaths: ["url"] });
    await expectError(await putSubscriber(ws, "bad.id", { kind: "webhook", url: HOOK }), "invalid_request", { issuePaths: [] });
    // Nothing of the above was stored.
    expect((await getWorkspace(ws)).subscriberCount).toBe(0);
  });

  it("answers 404 for unknown workspaces and subscribers, 401 without the admin token", async () => {
    const missing = uniqueId();
    await expectError(await putSubscriber(missing, "s", { kind: "webhook", url: HOOK }), "workspace_not_found");
    await expectError(await relayFetch(`${workspacePath(missing)}/subscribers`), "workspace_not_found");
    await expectError(await relayFetch(`${workspacePath(missing)}/dead-letters`), "workspace_not_found");
    const { workspaceId: ws } = await createWorkspace();
    for (const action of ["pause", "resume", "replay", "secret/rotate"]) {
      const body = action === "replay" ? { afterVersion: 0 } : {};
      await expectError(await relayFetch(`${subscriberPath(ws, "ghost")}/${action}`, { method: "POST", body }), "subscriber_not_found");
    }
    await expectError(await relayFetch(`${workspacePath(ws)}/subscribers`, { token: null }), "unauthorized");
    await expectError(
      await relayFetch(subscriberPath(ws, "s"), { method: "PUT", body: { kind: "webhook", url: HOOK }, token: "wrong" }),
      "unauthorized",
    );
    await expectError(await relayFetch(`${workspacePath(ws)}/dead-letters?limit=0`), "invalid_request", { issuePaths: ["limit"] });
    // As the contract writes the call: an empty limit takes its default.
    const listed = await relayFetch(`${workspacePath(ws)}/dead-letters?subscriberId=&limit=`);
    await expectStatus(listed, 200);
    expect(await json(listed)).toEqual({ deadLetters: [] });
  });

  it("rotates a subscriber secret with a grace period", async () => {
    const { workspaceId: ws } = await createWorkspace();
    const created = await json<{ secret: string }>(await putSubscriber(ws, "s", { kind: "webhook", url: HOOK, enabled: false }));
    const before = Date.now();
    const res = await relayFetch(`${subscriberPath(ws, "s")}/secret/rotate`, { method: "POST", body: { graceSeconds: 60 } });
    await expectStatus(res, 200);
    const rotated = await json<{ secret: string; previousValidUntil: number }>(res);
    expect(rotated.secret).toMatch(/^whsec_/);
    expect(rotated.secret).not.toBe(created.secret);
    expect(rotated.previousValidUntil).toBeGreaterThanOrEqual(before + 60_000);
    expect(rotated.previousValidUntil).toBeLessThan(Date.now() + 61_000);
  });
});

describe("retention with subscribers", () => {
  it("keeps events a paused subscriber still needs, up to RELAY_MAX_RETENTION_DAYS", async () => {
    const { workspaceId: ws, ingressSecret } = await createWorkspace({ retentionDays: 1 });
    await expectStatus(await putSubscriber(ws, "slow", { kind: "webhook", url: HOOK, start: "beginning" }), 201);
    await expectStatus(await relayFetch(`${subscriberPath(ws, "slow")}/pause`, { method: "POST" }), 200);
    await ingest(ws, ingressSecret, makeEvents(5));
    const stub = workspaceStub(ws);
    const backdate = (days: number) =>
      runInDurableObject(stub, (_i, state) => {
        state.storage.sql.exec("UPDATE events SET received_at = ?", Date.now() - days * 86_400_000);
      });
    const sweep = async () => {
      await runInDurableObject(stub, (_i, state) => {
        state.storage.sql.exec("UPDATE alarm_tasks SET due_at = 0 WHERE name = 'retention'");
      });
      await runDurableObjectAlarm(stub);
    };

    await backdate(2);
    await sweep();
    expect(await readAll(ws)).toHaveLength(5); // older than retentionDays, but still needed

    await backdate(31);
    await sweep();
    expect(await readAll(ws)).toHaveLength(0); // past the 30-day cap, deleted for everyone
    expect((await getWorkspace(ws)).eventCount).toBe(0);
  });

  it("moves a paused subscriber past the events the cap deleted, so its next prevVersion shows the gap", async () => {
    const { workspaceId: ws, ingressSecret } = await createWorkspace({ retentionDays: 1 });
    const filters = { all: undefined, users: ["user"], orders: ["order"], billing: ["billing"] };
    for (const [id, entityKinds] of Object.entries(filters)) {
      const body = { kind: "webhook" as const, url: HOOK, start: "beginning" as const, ...(entityKinds ? { filter: { entityKinds } } : {}) };
      await expectStatus(await putSubscriber(ws, id, body), 201);
      await expectStatus(await relayFetch(`${subscriberPath(ws, id)}/pause`, { method: "POST" }), 200);
    }
    const kinds = ["user", "order", "user"];
    await ingest(ws, ingressSecret, kinds.map((entityKind) => makeEvent({ entityKind, lamport: undefined })));
    const stub = workspaceStub(ws);
    await runInDurableObject(stub, (_i, state) => {
      state.storage.sql.exec("UPDATE events SET received_at = ?", Date.now() - 31 * 86_400_000);
      state.storage.sql.exec("UPDATE alarm_tasks SET due_at = 0 WHERE name = 'retention'");
    });
    await runDurableObjectAlarm(stub);
    expect(await readAll(ws)).toHaveLength(0);

    // Each cursor is now the last deleted event it was to receive; none was billing's.
    const cursors: Record<string, number> = {};
    for (const id of Object.keys(filters)) cursors[id] = (await json<{ cursor: number }>(await relayFetch(subscriberPath(ws, id)))).cursor;
    expect(cursors).toEqual({ all: 3, users: 3, orders: 2, billing: 0 });

    // Resumed, the next batch says it follows version 3, which this receiver never acknowledged.
    await ingest(ws, ingressSecret, [makeEvent({ entityKind: "user", lamport: undefined })]);
    await expectStatus(await relayFetch(`${subscriberPath(ws, "users")}/resume`, { method: "POST" }), 200);
    const inFlight = await runInDurableObject(stub, (_i, state) =>
      state.storage.sql.exec("SELECT inflight_from, inflight_prev FROM subscribers WHERE id = 'users'").one(),
    );
    expect(inFlight).toEqual({ inflight_from: 4, inflight_prev: 3 });
  });

  it("keeps old events for a disabled subscriber up to the retention cap, and frees them once it is deleted", async () => {
    const { workspaceId: ws, ingressSecret } = await createWorkspace({ retentionDays: 1 });
    await expectStatus(await putSubscriber(ws, "off", { kind: "webhook", url: HOOK, start: "beginning", enabled: false }), 201);
    await ingest(ws, ingressSecret, makeEvents(3));
    const stub = workspaceStub(ws);
    const sweepWithEventsAged = (days: number) =>
      runInDurableObject(stub, (_i, state) => {
        state.storage.sql.exec("UPDATE events SET received_at = ?", Date.now() - days * 86_400_000);
        state.storage.sql.exec("UPDATE alarm_tasks SET due_at = 0 WHERE name = 'retention'");
      }).then(() => runDurableObjectAlarm(stub));
    await sweepWithEventsAged(2);
    // Enabling it later resumes from its cursor, so its events are still there (Outpost #611).
    expect(await readAll(ws)).toHaveLength(3);
    // Past RELAY_MAX_RETENTION_DAYS (30) the cap holds for everyone.
    await sweepWithEventsAged(31);
    expect(await readAll(ws)).toHaveLength(0);

    await ingest(ws, ingressSecret, makeEvents(2));
    await expectStatus(await relayFetch(subscriberPath(ws, "off"), { method: "DELETE" }), 204);
    await sweepWithEventsAged(2);
    expect(await readAll(ws)).toHaveLength(0);
  });
});

describe("destination rules", () => {
  const refused = [
    "https://localhost/x",
    "https://api.localhost/x",
    "https://127.0.0.1/x",
    "https://10.1.2.3/x",
    "https://172.16.0.1/x",
    "https://192.168.1.1/x",
    "https://169.254.169.254/latest/meta-data",
    "https://100.64.0.1/x",
    "https://0.0.0.0/x",
    "https://[::1]/x",
    "https://[fe80::1]/x",
    "https://[fd00::1]/x",
    "https://[::ffff:127.0.0.1]/x",
    "https://2130706433/x", // 127.0.0.1 as a number
    "http://hooks.example.com/x",
    "ftp://hooks.example.com/x",
    "https://user:pass@hooks.example.com/x",
  ];
  it.each(refused)("refuses %s in production", (url) => {
    expect(destinationProblem("webhook", url, false)).toBeDefined();
  });

  // The same hosts, spelled as a URL parser, a resolver or a person might: each is refused
  // exactly as its plain spelling is (a fully qualified name's trailing dot was a bypass).
  const equivalentSpellings = [
    "https://localhost./hook",
    "https://LOCALHOST.:8443/x",
    "https://a.localhost./",
    "https://Api.LocalHost./x",
    "https://local%68ost/x",
    "https://ｌｏｃａｌｈｏｓｔ/x", // full-width letters, mapped by IDNA
    "https://localhost../x",
    "https://127.0.0.1./x",
    "https://127.1/x",
    "https://0x7f.0.0.1/x",
    "https://0177.0.0.1/x",
    "https://10.0.0.1./x",
    "https://169.254.169.254./latest/meta-data",
    "https://[0:0:0:0:0:0:0:1]/x",
    "https://[::ffff:7f00:1]/x",
    "https://[::127.0.0.1]/x", // IPv4-compatible
    "https://[2002:c0a8:0101::1]/x", // 6to4 around 192.168.1.1
    "https://[64:ff9b::10.0.0.1]/x", // NAT64 around 10.0.0.1
    "https://[FE80::1%25eth0]/x",
  ];
  it.each(equivalentSpellings)("refuses the equivalent spelling %s", (url) => {
    expect(destinationProblem("webhook", url, false)).toBeDefined();
    expect(destinationProblem("convex", url, false)).toBeDefined();
  });

  it("refuses a trailing-dot localhost through the API, and stores nothing", async () => {
    const { workspaceId: ws } = await createWorkspace();
    // The production setting: the test project itself allows loopback destinations.
    const productionEnv = { ...env, RELAY_ALLOW_INSECURE_DESTINATIONS: "false" };
    for (const url of ["https://localhost./hook", "https://LOCALHOST.:8443/x", "https://a.localhost./"]) {
      const request = new Request(`${BASE_URL}${subscriberPath(ws, "s1")}`, {
        method: "PUT",
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
        body: JSON.stringify({ kind: "webhook", url }),
      });
      const res = await app.fetch(request, productionEnv, createExecutionContext());
      const body = await expectError(res, "invalid_request", {
        issuePaths: ["url"],
      });
      expect(body.error.issues![0]!.message).toMatch(/localhost/);
    }
    const list = await relayFetch(`${workspacePath(ws)}/subscribers`);
    expect((await json<{ subscribers: unknown[] }>(list)).subscribers).toEqual([]);
  });

  it("treats a fully qualified public name as its plain spelling", () => {
    expect(destinationProblem("webhook", "https://hooks.example.com./x", false)).toBeUndefined();
    expect(destinationProblem("convex", "https://happy-animal-123.convex.site./relay/receive", false)).toBeUndefined();
    expect(destinationProblem("webhook", "https://[2606:4700::1111]/x", false)).toBeUndefined();
    expect(destinationProblem("webhook", "https://[2002:0808:0808::1]/x", false)).toBeUndefined();
  });

  it("accepts public https hosts, and .convex.site for convex", () => {
    expect(destinationProblem("webhook", "https://hooks.example.com/x", false)).toBeUndefined();
    expect(destinationProblem("webhook", "https://8.8.8.8/x", false)).toBeUndefined();
    expect(destinationProblem("convex", "https://happy-animal-123.convex.site/relay/receive", false)).toBeUndefined();
    expect(destinationProblem("convex", "https://happy-animal-123.convex.cloud/relay/receive", false)).toMatch(/convex\.site/);
  });

  it("allows http and loopback for both kinds only with RELAY_ALLOW_INSECURE_DESTINATIONS", () => {
    for (const kind of ["webhook", "convex"] as const) {
      expect(destinationProblem(kind, "http://127.0.0.1:8787/hook", true)).toBeUndefined();
      expect(destinationProblem(kind, "http://localhost:8787/hook", true)).toBeUndefined();
      expect(destinationProblem(kind, "http://127.0.0.1:8787/hook", false)).toBeDefined();
    }
    // Private ranges other than loopback stay refused even then.
    expect(destinationProblem("webhook", "http://10.0.0.1/hook", true)).toBeDefined();
  });
});
