import { afterEach, describe, expect, test } from "vitest";
import type { StoredEvent } from "../../src/contract/event";
import { api } from "../example/convex/_generated/api";
import type { ExampleApp } from "../testing/example-app";
import { INGRESS_SECRET, WORKSPACE, deliver, setupApp, usersByEmail } from "../testing/fixtures";
import { startIngestRecorder, type IngestRecorder } from "../testing/ingest-recorder";
import { waitFor } from "../testing/wait";

/**
 * `syncNow` repairs writes that were never sent: app A's events go to a recording relay, and
 * app B receives what the relay stored, signed, as the relay would deliver it.
 */

let relay: IngestRecorder | undefined;
afterEach(async () => {
  await relay?.close();
  relay = undefined;
});

/** Calls `syncNow` until it is done, and sums what it sent. */
async function syncAll(t: ExampleApp, args: { entityName?: string; entityId?: string } = {}) {
  let sent = 0;
  let cursor: string | undefined;
  for (;;) {
    const result = await t.mutation(api.federation.syncNow, { ...args, ...(cursor ? { cursor } : {}) });
    sent += result.sent;
    if (result.isDone) return sent;
    cursor = result.cursor!;
  }
}

/** Everything the relay stored so far, delivered to `b` in relay order. */
let deliveredUpTo = 0;
async function deliverTo(b: ExampleApp) {
  const stored = relay!.requests
    .filter((r) => r.status === 200)
    .flatMap((r) => r.events)
    .filter((event, index, all) => all.findIndex((e) => e.id === event.id) === index);
  const versions = new Map(relay!.log.map(({ id, version }) => [id, version]));
  const fresh = stored.slice(deliveredUpTo).map(
    (event) => ({ ...event, workspaceId: WORKSPACE, version: versions.get(event.id)!, receivedAt: Date.now() }) as unknown as StoredEvent,
  );
  deliveredUpTo = stored.length;
  if (fresh.length > 0) expect((await deliver(b, fresh)).status).toBe(200);
}

async function pair() {
  relay = await startIngestRecorder(INGRESS_SECRET);
  deliveredUpTo = 0;
  const a = await setupApp({ relayUrl: relay.url, origin: "app-a" });
  const b = await setupApp({ origin: "app-b" });
  return { a, b };
}

async function userEntity(t: ExampleApp) {
  return (await t.query(api.federation.listEntities, {})).find((e) => e.name === "User")!;
}

async function sentCount(t: ExampleApp) {
  await waitFor(async () => (await t.query(api.federation.getEventStats, {})).pending === 0, { what: "the outbox to drain" });
  return relay!.log.length;
}

describe("syncNow repairs writes that were never sent", () => {
  test("a write made while the entity was disabled, by local id or by global id; the other app converges", async () => {
    const { a, b } = await pair();
    const ada = await a.mutation(api.users.createUser, { email: "ada@example.com", name: "Ada" });
    await sentCount(a);
    await deliverTo(b);

    const user = await userEntity(a);
    await a.mutation(api.federation.toggleEntity, { entityId: user._id, enabled: false });
    await a.mutation(api.users.updateUser, { userId: ada, name: "Ada Lovelace" });
    const grace = await a.mutation(api.users.createUser, { email: "grace@example.com", name: "Grace" });
    await a.mutation(api.federation.toggleEntity, { entityId: user._id, enabled: true });
    expect(await sentCount(a)).toBe(1);

    // By the local id, then by the global id events carry.
    expect(await a.mutation(api.federation.syncNow, { entityName: "User", entityId: ada })).toMatchObject({ sent: 1, isDone: true });
    expect(await a.mutation(api.federation.syncNow, { entityName: "User", entityId: `app-a:${grace}` })).toMatchObject({ sent: 1 });
    expect(await sentCount(a)).toBe(3);
    await deliverTo(b);
    expect(await usersByEmail(b)).toEqual(await usersByEmail(a));
    expect((await usersByEmail(b))["ada@example.com"]!.name).toBe("Ada Lovelace");
    const resent = relay!.requests.flatMap((r) => r.events).slice(1);
    expect(resent.map((e) => [e.eventType, e.entityId])).toEqual([
      ["update", `app-a:${ada}`],
      ["update", `app-a:${grace}`],
    ]);
  });

  test("writes made before any connection existed, and a delete made while disabled, for a whole kind", async () => {
    relay = await startIngestRecorder(INGRESS_SECRET);
    deliveredUpTo = 0;
    const a = await setupApp({ relayUrl: relay.url, origin: "app-a" });
    const b = await setupApp({ origin: "app-b" });
    const [connection] = await a.query(api.federation.listConnections, {});
    await a.mutation(api.federation.removeConnection, { connectionId: connection!._id });
    const ids = [];
    for (const name of ["u1", "u2", "u3"]) ids.push(await a.mutation(api.users.createUser, { email: `${name}@example.com`, name }));
    expect((await a.query(api.federation.getEventStats, {})).skipped).toBe(3);
    await a.mutation(api.federation.addConnection, { projectId: "relay", url: relay.url, workspace: WORKSPACE, secret: INGRESS_SECRET });

    expect(await syncAll(a)).toBe(3);
    expect(await sentCount(a)).toBe(3);
    await deliverTo(b);
    expect(Object.keys(await usersByEmail(b)).sort()).toEqual(["u1@example.com", "u2@example.com", "u3@example.com"]);

    // A delete while the entity is disabled leaves the other app with the document…
    const user = await userEntity(a);
    await a.mutation(api.federation.toggleEntity, { entityId: user._id, enabled: false });
    await a.mutation(api.users.deleteUser, { userId: ids[1]! });
    await a.mutation(api.federation.toggleEntity, { entityId: user._id, enabled: true });
    // …until a kind-wide sync sends it: the two documents again, and the delete of the gone one.
    expect(await syncAll(a, { entityName: "User" })).toBe(3);
    await sentCount(a);
    await deliverTo(b);
    expect(await usersByEmail(b)).toEqual(await usersByEmail(a));
    expect(Object.keys(await usersByEmail(b)).sort()).toEqual(["u1@example.com", "u3@example.com"]);
  });

  test("clear errors: an unknown entity kind, an id that names nothing, and a kind that does not send", async () => {
    const { a } = await pair();
    await expect(a.mutation(api.federation.syncNow, { entityName: "Invoice" })).rejects.toThrow(/not registered/);
    await expect(a.mutation(api.federation.syncNow, { entityName: "User", entityId: "nope" })).rejects.toThrow(/no User "nope"/);
    await a.mutation(api.federation.registerEntity, { name: "User", table: "users", strategy: "pull" });
    await expect(a.mutation(api.federation.syncNow, { entityName: "User" })).rejects.toThrow(/does not send \(pull\)/);
  });
});
