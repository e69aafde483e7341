import { afterEach, describe, expect, test } from "vitest";
import { api, internal } from "./convex/_generated/api";
import { makeExampleApp, serveConvexHttp, type ExampleApp } from "../testing/example-app";
import { waitFor } from "../testing/wait";

/**
 * The example app as its README sets it up, and two of them federating as direct peers (the
 * seed's mode, no relay): each one's receiver is a real HTTP server bridged to its app.
 */

const SHARED = "a shared passphrase of more than 32 characters";
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

async function peer(origin: string) {
  const t = makeExampleApp();
  await t.mutation(api.federation.configure, { origin });
  await t.mutation(api.federation.registerEntity, { name: "User", table: "users", strategy: "bidirectional" });
  const server = await serveConvexHttp(t);
  closers.push(server.close);
  return { t, url: `${server.url}/federation/receive` };
}

async function connect(from: ExampleApp, to: { url: string }) {
  await from.mutation(api.federation.addConnection, { projectId: "peer", url: to.url, secret: SHARED });
}

async function quiet(...apps: ExampleApp[]) {
  for (const t of apps) {
    await waitFor(async () => {
      const c = await t.query(api.federation.getConnection, { projectId: "peer" });
      return c?.phase === "idle" && c.pendingEvents === 0;
    }, { what: "the peer connection to drain" });
  }
}

const byEmail = async (t: ExampleApp) =>
  Object.fromEntries((await t.query(api.users.list, {})).map((u) => [u.email, { name: u.name, version: u.version }]));

describe("two example apps as direct peers", () => {
  test("writes on either side reach the other, conflicting updates converge, and nothing loops", async () => {
    const a = await peer("app-a");
    const b = await peer("app-b");
    await connect(a.t, b);
    await connect(b.t, a);

    const adaInA = await a.t.mutation(api.users.createUser, { email: "ada@example.com", name: "Ada" });
    await b.t.mutation(api.users.createUser, { email: "bob@example.com", name: "Bob" });
    await waitFor(async () => Object.keys(await byEmail(a.t)).length === 2 && Object.keys(await byEmail(b.t)).length === 2, {
      what: "both users on both sides",
    });

    // B edits the user A created; A sees it.
    const adaInB = (await b.t.query(api.users.list, {})).find((u) => u.email === "ada@example.com")!;
    await b.t.mutation(api.users.updateUser, { userId: adaInB._id, name: "Ada (edited in B)" });
    await waitFor(async () => (await byEmail(a.t))["ada@example.com"]?.name === "Ada (edited in B)", { what: "B's edit in A" });

    // Both edit the same user at once, from the same version: one write wins on both sides.
    await Promise.all([
      a.t.mutation(api.users.updateUser, { userId: adaInA, name: "from A" }),
      b.t.mutation(api.users.updateUser, { userId: adaInB._id, name: "from B" }),
    ]);
    await quiet(a.t, b.t);
    expect(await byEmail(a.t)).toEqual(await byEmail(b.t));
    expect(["from A", "from B"]).toContain((await byEmail(a.t))["ada@example.com"]!.name);

    // A deletes; B deletes too.
    const bobInA = (await a.t.query(api.users.list, {})).find((u) => u.email === "bob@example.com")!;
    await a.t.mutation(api.users.deleteUser, { userId: bobInA._id });
    await waitFor(async () => !("bob@example.com" in (await byEmail(b.t))), { what: "the delete in B" });
    await quiet(a.t, b.t);

    // No loops: each outbox holds only its own writes, and nothing is left in flight.
    const originsOf = async (t: ExampleApp) => (await t.query(api.federation.listEvents, {})).map((e) => e.entityId.split(":")[0]);
    expect((await a.t.query(api.federation.listEvents, {})).map((e) => e.eventType)).toEqual(["delete", "update", "create"]);
    expect((await b.t.query(api.federation.listEvents, {})).map((e) => e.eventType)).toEqual(["update", "update", "create"]);
    expect(await originsOf(b.t)).toEqual(["app-a", "app-a", "app-b"]);
    expect(await a.t.query(api.federation.getEventStats, {})).toMatchObject({ pending: 0, failed: 0, sent: 3 });
    expect(await b.t.query(api.federation.getEventStats, {})).toMatchObject({ pending: 0, failed: 0, sent: 3 });
  });
});

test("setup registers the entities and the relay connection from the env vars", async () => {
  const t = makeExampleApp();
  await expect(t.mutation(internal.federation.setup, {})).rejects.toThrow(/RELAY_URL/);
  process.env.RELAY_URL = "https://relay.example.com";
  process.env.RELAY_WORKSPACE = "acme";
  try {
    const { connectionId } = await t.mutation(internal.federation.setup, {});
    const [connection] = await t.query(api.federation.listConnections, {});
    expect(connection).toMatchObject({
      _id: connectionId,
      projectId: "relay",
      kind: "relay",
      url: "https://relay.example.com",
      workspace: "acme",
      secretEnvVar: "RELAY_INGRESS_SECRET",
      receiveSecretEnvVar: "RELAY_SUBSCRIBER_SECRET",
    });
    expect((await t.query(api.federation.listEntities, {})).map((e) => [e.name, e.table, e.strategy])).toEqual([
      ["User", "users", "bidirectional"],
      ["Task", "tasks", "bidirectional"],
    ]);
  } finally {
    delete process.env.RELAY_URL;
    delete process.env.RELAY_WORKSPACE;
  }
});
