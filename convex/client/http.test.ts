import { afterEach, describe, expect, test } from "vitest";
import { api } from "../example/convex/_generated/api";
import type { ExampleApp } from "../testing/example-app";
import {
  ORIGIN,
  SUBSCRIBER_SECRET,
  deliver,
  deliveryBody,
  setupApp,
  signedDeliveryHeaders,
  userEvent,
  usersByEmail,
} from "../testing/fixtures";

const OTHER_SECRET = "whsec_" + btoa("another subscriber secret, 32 by");

async function post(t: ExampleApp, body: string, headers: Record<string, string>) {
  const response = await t.fetch("/federation/receive", { method: "POST", headers, body });
  return { status: response.status, body: await response.json() };
}

describe("the receiver's signature check", () => {
  test("applies a delivery signed with the subscriber secret and says what it did", async () => {
    const t = await setupApp();
    const { status, body } = await deliver(t, [userEvent({ entityId: "u1", eventType: "create", name: "Ada", version: 1 })]);
    expect(status).toBe(200);
    expect(body).toMatchObject({ ok: true, received: 1, applied: 1, duplicate: 0, echo: 0, stale: 0 });
    expect(await usersByEmail(t)).toEqual({ "u1@example.com": { name: "Ada", version: 1, updatedAt: 1_000 } });
  });

  test.each([
    ["missing", (body: string) => ({ "content-type": "application/json", "webhook-id": "msg_1" }), /required/],
    ["made with another secret", (body: string) => signedDeliveryHeaders(body, { secrets: [OTHER_SECRET] }), /no signature/],
    ["expired (301 s old)", (body: string) => signedDeliveryHeaders(body, { at: new Date(Date.now() - 301_000) }), /past/],
    ["from the future (301 s ahead)", (body: string) => signedDeliveryHeaders(body, { at: new Date(Date.now() + 301_000) }), /future/],
    [
      "for another body",
      (body: string) => signedDeliveryHeaders(body.replace('"Ada"', '"Eve"')),
      /no signature/,
    ],
  ])("refuses a signature that is %s with 401 and applies nothing", async (_case, headersFor, message) => {
    const t = await setupApp();
    const body = deliveryBody([userEvent({ entityId: "u1", eventType: "create", name: "Ada", version: 1 })]);
    const { status, body: answer } = await post(t, body, headersFor(body));
    expect(status).toBe(401);
    expect(answer.error.code).toBe("invalid_signature");
    expect(answer.error.message).toMatch(message);
    expect(await usersByEmail(t)).toEqual({});
  });

  test("accepts a rotation: any one of several signatures, and any one of several secrets", async () => {
    const t = await setupApp();
    // The relay signs with the old and the new secret during its grace period.
    const both = await deliver(t, [userEvent({ entityId: "u1", eventType: "create", version: 1 })], {
      secrets: [OTHER_SECRET, SUBSCRIBER_SECRET],
    });
    expect(both.status).toBe(200);

    // The receiver holds two secrets (old and new) in its env var, and each one verifies.
    process.env.EXAMPLE_SUBSCRIBER_SECRETS = `${SUBSCRIBER_SECRET} ${OTHER_SECRET}`;
    try {
      await t.mutation(api.federation.addConnection, {
        projectId: "relay",
        url: "http://127.0.0.1:9",
        workspace: "ws_test",
        secretEnvVar: "RELAY_INGRESS_SECRET",
        receiveSecretEnvVar: "EXAMPLE_SUBSCRIBER_SECRETS",
      });
      const withNew = await deliver(t, [userEvent({ entityId: "u2", eventType: "create", version: 1 })], {
        secrets: [OTHER_SECRET],
      });
      const withOld = await deliver(t, [userEvent({ entityId: "u3", eventType: "create", version: 1 })], {
        secrets: [SUBSCRIBER_SECRET],
      });
      expect([withNew.status, withOld.status]).toEqual([200, 200]);
    } finally {
      delete process.env.EXAMPLE_SUBSCRIBER_SECRETS;
    }
    expect(Object.keys(await usersByEmail(t)).sort()).toEqual(["u1@example.com", "u2@example.com", "u3@example.com"]);
  });

  test("refuses everything while no secret is configured", async () => {
    const t = await setupApp();
    const [connection] = await t.query(api.federation.listConnections, {});
    await t.mutation(api.federation.removeConnection, { connectionId: connection!._id });
    const { status, body } = await deliver(t, [userEvent({ entityId: "u1", eventType: "create", version: 1 })]);
    expect(status).toBe(401);
    expect(body.error.message).toMatch(/no secret/);
  });
});

describe("the receiver's body check", () => {
  const valid = () => JSON.parse(deliveryBody([userEvent({ entityId: "u1", eventType: "create", version: 1 })]));
  test.each([
    ["not JSON", () => "{not json", undefined],
    ["without events", () => JSON.stringify({ ...valid(), events: [] }), "events"],
    ["with more than 100 events", () => JSON.stringify({ ...valid(), events: Array(101).fill(valid().events[0]) }), "events"],
    ["with a bad workspaceId", () => JSON.stringify({ ...valid(), workspaceId: "no spaces allowed" }), "workspaceId"],
    ["with an event missing its entityId", () => {
      const body = valid();
      delete body.events[0].entityId;
      return JSON.stringify(body);
    }, "events.0.entityId"],
    ["with an event id containing whitespace", () => {
      const body = valid();
      body.events[0].id = "evt 1";
      return JSON.stringify(body);
    }, "events.0.id"],
  ])("answers 400 invalid_request to a body %s, and applies nothing", async (_case, makeBody, issuePath) => {
    const t = await setupApp();
    const body = makeBody();
    const { status, body: answer } = await post(t, body, signedDeliveryHeaders(body));
    expect(status).toBe(400);
    expect(answer.error.code).toBe("invalid_request");
    if (issuePath) expect(answer.error.issues.map((issue: { path: string }) => issue.path)).toContain(issuePath);
    expect(await usersByEmail(t)).toEqual({});
  });
});

describe("applying deliveries", () => {
  let t: ExampleApp;
  afterEach(() => {
    t = undefined as unknown as ExampleApp;
  });

  test("the same batch twice applies once", async () => {
    t = await setupApp();
    const batch = [
      userEvent({ entityId: "u1", eventType: "create", name: "Ada", version: 1 }),
      userEvent({ entityId: "u2", eventType: "create", name: "Bob", version: 1 }),
    ];
    const first = await deliver(t, batch);
    const second = await deliver(t, batch);
    expect(first.body).toMatchObject({ applied: 2, duplicate: 0 });
    expect(second.body).toMatchObject({ applied: 0, duplicate: 2 });
    expect(await t.query(api.users.list, {})).toHaveLength(2);
  });

  test("an older version never overwrites a newer one", async () => {
    t = await setupApp();
    await deliver(t, [userEvent({ entityId: "u1", eventType: "create", name: "v2", version: 2 })]);
    const older = await deliver(t, [userEvent({ entityId: "u1", name: "v1", version: 1, updatedAt: 9_999 })]);
    expect(older.body).toMatchObject({ applied: 0, stale: 1 });
    expect((await usersByEmail(t))["u1@example.com"]).toMatchObject({ name: "v2", version: 2 });
  });

  test("ties on version go to the later updatedAt, then to the greater origin", async () => {
    t = await setupApp();
    await deliver(t, [userEvent({ entityId: "u1", eventType: "create", name: "first", version: 3, updatedAt: 100 })]);
    await deliver(t, [userEvent({ entityId: "u1", name: "later", version: 3, updatedAt: 200, origin: "app-b" })]);
    await deliver(t, [userEvent({ entityId: "u1", name: "smaller origin", version: 3, updatedAt: 200, origin: "app-0" })]);
    expect((await usersByEmail(t))["u1@example.com"]!.name).toBe("later");
    await deliver(t, [userEvent({ entityId: "u1", name: "greater origin", version: 3, updatedAt: 200, origin: "app-c" })]);
    expect((await usersByEmail(t))["u1@example.com"]!.name).toBe("greater origin");
  });

  test("a delete is final: no later update or create brings the document back", async () => {
    t = await setupApp();
    await deliver(t, [userEvent({ entityId: "u1", eventType: "create", version: 1 })]);
    const deleted = await deliver(t, [userEvent({ entityId: "u1", eventType: "delete", version: 2 })]);
    expect(deleted.body).toMatchObject({ applied: 1 });
    expect(await usersByEmail(t)).toEqual({});

    const stale = await deliver(t, [
      userEvent({ entityId: "u1", name: "zombie", version: 1 }),
      userEvent({ entityId: "u1", name: "newer zombie", version: 99, updatedAt: 99_999 }),
      userEvent({ entityId: "u1", eventType: "create", name: "reborn", version: 100 }),
    ]);
    expect(stale.body).toMatchObject({ applied: 0, stale: 3 });
    expect(await usersByEmail(t)).toEqual({});
  });

  test("a delete that arrives before its create still wins", async () => {
    t = await setupApp();
    await deliver(t, [userEvent({ entityId: "u1", eventType: "delete", version: 2 })]);
    await deliver(t, [userEvent({ entityId: "u1", eventType: "create", version: 1 })]);
    expect(await usersByEmail(t)).toEqual({});
  });

  test("own echoes are never applied", async () => {
    t = await setupApp();
    const echo = await deliver(t, [userEvent({ entityId: "u1", eventType: "create", name: "mine", version: 5, origin: ORIGIN })]);
    expect(echo.status).toBe(200);
    expect(echo.body).toMatchObject({ received: 1, echo: 1, applied: 0 });
    expect(await usersByEmail(t)).toEqual({});
  });

  test("pull and bidirectional entities apply; push-only, disabled and unknown ones do not", async () => {
    t = await setupApp({ strategies: { User: "pull", Task: "push" } });
    const task = {
      ...userEvent({ entityId: "t1", eventType: "create", version: 1 }),
      entityKind: "Task",
      payload: { table: "tasks", data: { title: "x", done: false, version: 1, updatedAt: 1 }, version: 1, updatedAt: 1 },
    };
    const unknown = { ...userEvent({ entityId: "x1", eventType: "create", version: 1 }), entityKind: "Invoice" };
    const result = await deliver(t, [userEvent({ entityId: "u1", eventType: "create", version: 1 }), task, unknown]);
    expect(result.body).toMatchObject({ applied: 1, ignored: 2 });
    expect(Object.keys(await usersByEmail(t))).toEqual(["u1@example.com"]);
    expect(await t.query(api.tasks.list, {})).toEqual([]);

    const [user] = (await t.query(api.federation.listEntities, {})).filter((e) => e.name === "User");
    await t.mutation(api.federation.toggleEntity, { entityId: user!._id, enabled: false });
    const disabled = await deliver(t, [userEvent({ entityId: "u2", eventType: "create", version: 1 })]);
    expect(disabled.body).toMatchObject({ applied: 0, ignored: 1 });
  });

  test("an event whose payload is not an entity write is skipped, and the rest of the batch applies", async () => {
    t = await setupApp();
    const broken = { ...userEvent({ entityId: "u1", eventType: "create", version: 1 }), payload: { hello: "world" } };
    const result = await deliver(t, [broken, userEvent({ entityId: "u2", eventType: "create", version: 1 })]);
    expect(result.body).toMatchObject({ applied: 1, invalid: 1 });
    expect(Object.keys(await usersByEmail(t))).toEqual(["u2@example.com"]);
  });

  test("a batch applies whole or not at all, and a failure is a 500 the relay retries", async () => {
    t = await setupApp();
    const good = userEvent({ entityId: "u1", eventType: "create", version: 1 });
    // Fits the contract, but not the users table's schema.
    const unfit = userEvent({ entityId: "u2", eventType: "create", version: 1 });
    (unfit.payload as { data: Record<string, unknown> }).data.unexpected = true;
    const result = await deliver(t, [good, unfit]);
    expect(result.status).toBe(500);
    expect(result.body.error).toEqual({ code: "internal", message: expect.stringMatching(/applying the delivery failed/) });
    expect(await usersByEmail(t)).toEqual({});
    // Nothing was recorded either: once the sender fixes the event, the good one applies.
    const retried = await deliver(t, [good]);
    expect(retried.body).toMatchObject({ applied: 1, duplicate: 0 });
  });

  test("a remote entity keeps its id here: local writes to it are sent under the same entityId", async () => {
    t = await setupApp();
    await deliver(t, [userEvent({ entityId: "app-b:42", eventType: "create", version: 4 })]);
    const [user] = await t.query(api.users.list, {});
    await t.mutation(api.users.updateUser, { userId: user!._id, name: "renamed here" });
    const [event] = await t.query(api.federation.listEvents, {});
    expect(event).toMatchObject({ entityId: "app-b:42", eventType: "update", localId: user!._id });
  });

  test("each entity has its own Lamport clock: it moves past what was applied to that entity, and nothing else's", async () => {
    t = await setupApp();
    await deliver(t, [userEvent({ entityId: "u1", eventType: "create", version: 1, lamport: 40, relayVersion: 57 })]);
    const [received] = await t.query(api.users.list, {});
    await t.mutation(api.users.updateUser, { userId: received!._id, name: "renamed here" });
    await t.mutation(api.users.createUser, { email: "local@example.com", name: "L" });
    const [create, update] = await t.query(api.federation.listEvents, {});
    expect(update).toMatchObject({ entityId: "u1", eventType: "update", lamport: 41 });
    // Neither the relay version (57) nor another entity's clock reaches a new entity.
    expect(create).toMatchObject({ eventType: "create", lamport: 1 });
  });

  test("an event of an unregistered entity kind is acknowledged and ignored, and moves no clock", async () => {
    t = await setupApp();
    await deliver(t, [userEvent({ entityId: "u1", eventType: "create", version: 1, lamport: 3 })]);
    const invoice = {
      ...userEvent({ entityId: "u1", eventType: "update", version: 900, lamport: 800, relayVersion: 900 }),
      entityKind: "Invoice",
      payload: { table: "invoices", data: { total: 1, version: 900, updatedAt: 1 }, version: 900, updatedAt: 1 },
    };
    const ignored = await deliver(t, [invoice, { ...invoice, id: `evt_${crypto.randomUUID()}`, entityId: "i2" }]);
    expect(ignored).toMatchObject({ status: 200, body: { received: 2, ignored: 2, applied: 0 } });
    const [user] = await t.query(api.users.list, {});
    await t.mutation(api.users.updateUser, { userId: user!._id, name: "after" });
    await t.mutation(api.users.createUser, { email: "new@example.com", name: "N" });
    const [create, update] = await t.query(api.federation.listEvents, {});
    // u1 stood at lamport 3 and version 1: its next event is 4 whatever the Invoice said.
    expect(update).toMatchObject({ entityId: "u1", lamport: 4 });
    expect(create).toMatchObject({ lamport: 1 });
  });

  test("a direct peer's batch (the ingest body) is accepted with the shared secret", async () => {
    t = await setupApp();
    const shared = "a shared passphrase that is long enough!";
    await t.mutation(api.federation.addConnection, { projectId: "peer", url: "http://127.0.0.1:9/federation/receive", secret: shared });
    const { workspaceId: _w, version: _v, receivedAt: _r, ...envelope } = userEvent({ entityId: "p1", eventType: "create", version: 1 });
    const body = JSON.stringify({ events: [envelope] });
    const headers = signedDeliveryHeaders(body, { secrets: ["whsec_" + btoa(shared)] });
    const { status, body: answer } = await post(t, body, headers);
    expect(status).toBe(200);
    expect(answer).toMatchObject({ applied: 1 });
  });
});

test("the health route answers as the seed's does", async () => {
  const t = await setupApp();
  const response = await t.fetch("/federation/health", { method: "GET" });
  expect(response.status).toBe(200);
  expect(await response.json()).toEqual({ ok: true, status: "ok", app: "example-app", timestamp: expect.any(Number) });
});
