import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api } from "../../convex/example/convex/_generated/api";
import { bridgeToConvex, type ExampleApp } from "../../convex/testing/example-app";
import { setupApp } from "../../convex/testing/fixtures";
import { eventually, relayClient, startRelay, type LocalRelay } from "../support/relay";

/**
 * Two example Convex apps federating through a real local relay. Each app is a convex-test
 * instance; its `/federation/receive` route is served by a real HTTP server on 127.0.0.1 (as
 * `https://<deployment>.convex.site` would be), registered on the relay as a `convex`
 * subscriber that excludes the app's own origin.
 */

const WORKSPACE = "federation";
let relay: LocalRelay;
let client: ReturnType<typeof relayClient>;
const servers: Server[] = [];
const apps: Record<"a" | "b", ExampleApp> = {} as never;

/** A receiver whose app is attached after the relay subscriber (and its secret) exist. */
async function receiverFor(name: "a" | "b"): Promise<string> {
  const server = createServer((req, res) => void bridgeToConvex(apps[name], req, res));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/federation/receive`;
}

async function connectApp(name: "a" | "b", ingressSecret: string) {
  const origin = `app-${name}`;
  const subscriber = await client.call("PUT", `/v1/workspaces/${WORKSPACE}/subscribers/${origin}`, {
    kind: "convex",
    url: await receiverFor(name),
    excludeOrigins: [origin],
    start: "head",
  });
  expect(subscriber.status).toBe(201);
  apps[name] = await setupApp({
    relayUrl: relay.url,
    origin,
    workspace: WORKSPACE,
    ingressSecret,
    subscriberSecret: subscriber.body.secret,
  });
}

beforeAll(async () => {
  relay = await startRelay();
  client = relayClient(relay.url);
  const ingressSecret = await client.createWorkspace(WORKSPACE);
  await connectApp("a", ingressSecret);
  await connectApp("b", ingressSecret);
});

afterAll(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  await relay?.stop();
});

const users = async (t: ExampleApp) =>
  Object.fromEntries((await t.query(api.users.list, {})).map((u) => [u.email, { name: u.name, version: u.version, updatedAt: u.updatedAt }]));
const tasks = async (t: ExampleApp) =>
  Object.fromEntries((await t.query(api.tasks.list, {})).map((task) => [task.title, { done: task.done, version: task.version }]));

/** Both outboxes drained to the relay, and both relay subscribers caught up. */
async function settled() {
  await eventually(async () => {
    for (const t of [apps.a, apps.b]) {
      const connection = await t.query(api.federation.getConnection, { projectId: "relay" });
      if (connection?.phase !== "idle" || connection.pendingEvents !== 0) return false;
    }
    const subscribers = (await client.call("GET", `/v1/workspaces/${WORKSPACE}/subscribers`)).body.subscribers;
    return subscribers.every((s: { lag: number; inFlight: unknown }) => s.lag === 0 && s.inFlight === null);
  }, 60_000, 100);
}

describe("two Convex apps through the relay", () => {
  it("carry creates, updates and deletes both ways", async () => {
    await apps.a.mutation(api.users.createUser, { email: "ada@example.com", name: "Ada" });
    await eventually(async () => (await users(apps.b))["ada@example.com"]?.name === "Ada", 60_000);

    const adaInB = (await apps.b.query(api.users.list, {})).find((u) => u.email === "ada@example.com")!;
    await apps.b.mutation(api.users.updateUser, { userId: adaInB._id, name: "Ada Lovelace" });
    await eventually(async () => (await users(apps.a))["ada@example.com"]?.name === "Ada Lovelace", 60_000);

    await apps.b.mutation(api.tasks.createTask, { title: "write tests", ownerEmail: "ada@example.com" });
    await eventually(async () => (await tasks(apps.a))["write tests"] !== undefined, 60_000);
    const taskInA = (await apps.a.query(api.tasks.list, {})).find((t) => t.title === "write tests")!;
    await apps.a.mutation(api.tasks.updateTask, { taskId: taskInA._id, done: true });
    await eventually(async () => (await tasks(apps.b))["write tests"]?.done === true, 60_000);
    await apps.a.mutation(api.tasks.deleteTask, { taskId: taskInA._id });
    await eventually(async () => (await tasks(apps.b))["write tests"] === undefined, 60_000);

    await settled();
    expect(await users(apps.a)).toEqual(await users(apps.b));
    expect(await tasks(apps.a)).toEqual(await tasks(apps.b));
  });

  it("converge on concurrent conflicting updates, and never loop events back", async () => {
    await apps.a.mutation(api.users.createUser, { email: "grace@example.com", name: "Grace" });
    await eventually(async () => (await users(apps.b))["grace@example.com"] !== undefined, 60_000);
    await settled();
    const headBefore = (await client.call("GET", `/v1/workspaces/${WORKSPACE}`)).body.head as number;

    const inA = (await apps.a.query(api.users.list, {})).find((u) => u.email === "grace@example.com")!;
    const inB = (await apps.b.query(api.users.list, {})).find((u) => u.email === "grace@example.com")!;
    await Promise.all([
      apps.a.mutation(api.users.updateUser, { userId: inA._id, name: "Grace from A" }),
      apps.b.mutation(api.users.updateUser, { userId: inB._id, name: "Grace from B" }),
    ]);
    await settled();
    const inAppA = await users(apps.a);
    expect(inAppA).toEqual(await users(apps.b));
    expect(["Grace from A", "Grace from B"]).toContain(inAppA["grace@example.com"]!.name);

    // Exactly the two updates reached the relay: receiving an event never emits a new one.
    const after = await client.call("GET", `/v1/workspaces/${WORKSPACE}/events?after=${headBefore}`);
    expect(after.body.events.map((e: { eventType: string; source: { origin: string } }) => [e.eventType, e.source.origin]).sort()).toEqual([
      ["update", "app-a"],
      ["update", "app-b"],
    ]);
    // And nothing more arrives once everything has settled.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect((await client.call("GET", `/v1/workspaces/${WORKSPACE}`)).body.head).toBe(after.body.head);
  });
});
