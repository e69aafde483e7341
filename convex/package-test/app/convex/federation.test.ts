/// <reference types="vite/client" />
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import federationTest from "@convex-edge-relay/federation/test";
import { convexTest, type TestConvex } from "convex-test";
import { afterAll, beforeAll, expect, test } from "vitest";
import { api } from "./_generated/api";
import schema from "./schema";

/**
 * Two instances of this app federating through a real relay, as a new user would test them:
 * the package comes from its tarball, the relay's URL and admin token from the environment.
 */
const RELAY_URL = process.env.RELAY_URL!;
const ADMIN_TOKEN = process.env.RELAY_ADMIN_TOKEN!;
const WORKSPACE = `fresh-${Date.now().toString(36)}`;

const modules = import.meta.glob("./**/*.ts");
type App = TestConvex<typeof schema>;
const servers: Server[] = [];

async function admin(method: string, path: string, body?: unknown) {
  const response = await fetch(`${RELAY_URL}${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

/** A real HTTP server on 127.0.0.1 whose requests run the app's HTTP actions. */
async function serve(app: App): Promise<string> {
  const server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const headers = new Headers();
    for (const [name, value] of Object.entries(request.headers)) if (typeof value === "string") headers.set(name, value);
    const answer = await app.fetch(request.url ?? "/", {
      method: request.method,
      headers,
      ...(request.method === "GET" ? {} : { body: new Uint8Array(Buffer.concat(chunks)) }),
    });
    answer.headers.forEach((value, name) => response.setHeader(name, value));
    response.writeHead(answer.status);
    response.end(Buffer.from(await answer.arrayBuffer()));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function connect(origin: string, ingressSecret: string): Promise<App> {
  const app = convexTest(schema, modules);
  federationTest.register(app, "federation", { origin });
  const url = await serve(app);
  const subscriber = await admin("PUT", `/v1/workspaces/${WORKSPACE}/subscribers/${origin}`, {
    kind: "convex",
    url: `${url}/federation/receive`,
    excludeOrigins: [origin],
    start: "head",
  });
  expect(subscriber.status).toBe(201);
  await app.mutation(api.federation.registerEntity, { name: "User", table: "users", strategy: "bidirectional" });
  await app.mutation(api.federation.addConnection, {
    projectId: "relay",
    url: RELAY_URL,
    workspace: WORKSPACE,
    secret: ingressSecret,
    receiveSecret: subscriber.body.secret,
  });
  return app;
}

async function eventually(check: () => Promise<boolean>) {
  const deadline = Date.now() + 60_000;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const names = async (app: App) => Object.fromEntries((await app.query(api.users.list, {})).map((u) => [u.email, u.name]));

let a: App;
let b: App;
beforeAll(async () => {
  const workspace = await admin("PUT", `/v1/workspaces/${WORKSPACE}`, {});
  expect(workspace.status).toBe(201);
  a = await connect("fresh-a", workspace.body.ingressSecret);
  b = await connect("fresh-b", workspace.body.ingressSecret);
});

afterAll(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

test("creates, updates and deletes cross between two apps through the relay", async () => {
  const ada = await a.mutation(api.users.createUser, { email: "ada@example.com", name: "Ada" });
  await eventually(async () => (await names(b))["ada@example.com"] === "Ada");

  const [adaInB] = await b.query(api.users.list, {});
  await b.mutation(api.users.updateUser, { userId: adaInB!._id, name: "Ada Lovelace" });
  await eventually(async () => (await names(a))["ada@example.com"] === "Ada Lovelace");

  await a.mutation(api.users.deleteUser, { userId: ada });
  await eventually(async () => (await b.query(api.users.list, {})).length === 0);
  expect(await names(a)).toEqual(await names(b));
  // Each write went out once, under this app's own origin.
  const events = await admin("GET", `/v1/workspaces/${WORKSPACE}/events`);
  expect(events.body.events.map((e: { eventType: string; source: { origin: string } }) => [e.eventType, e.source.origin])).toEqual([
    ["create", "fresh-a"],
    ["update", "fresh-b"],
    ["delete", "fresh-a"],
  ]);
});
