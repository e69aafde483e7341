import { request as httpRequest } from "node:http";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createRequire } from "node:module";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signedHeaders } from "../../src/signing/standard-webhooks";
import { jsonRequestInit, type JsonInit } from "../support/json-request";
import { receiverPool } from "../support/receiver";
import { ADMIN_TOKEN, eventually, makeEvent, startRelay, type LocalRelay } from "../support/relay";

/**
 * Real responses against the OpenAPI document (contract §8): a real local relay answers one
 * representative call for every route and status, and each answer is validated with Ajv
 * against the document's schema for that route and status. A status the document does not
 * list fails; so does a documented status that no call produced (500 aside, and the one
 * listed below that a test cannot bring about).
 */

const require = createRequire(import.meta.url);
const Ajv2020 = require("ajv/dist/2020").default as typeof import("ajv/dist/2020").default;

type Operation = { responses: Record<string, { content?: Record<string, unknown> }> };
const document = JSON.parse(readFileSync(join(import.meta.dirname, "..", "..", "openapi.json"), "utf8")) as {
  paths: Record<string, Record<string, Operation>>;
};

/**
 * Documented statuses no test can produce, and why. Besides these, `500 internal` (a bug) and
 * `503 overloaded` (the Durable Object runtime's own overload, which a local runtime does not
 * produce on demand; `tests/worker/overload.test.ts` covers the answer) are never called for.
 */
const NOT_PRODUCIBLE = new Set([
  // A dead letter whose events retention deleted: needs days of retention to pass.
  "post /v1/workspaces/{workspaceId}/dead-letters/{deadLetterId}/redeliver 409",
]);

const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
ajv.addSchema(document, "openapi");
const escapePointer = (part: string) => part.replaceAll("~", "~0").replaceAll("/", "~1");

/** `method template` for a concrete path, by the document's own path templates. */
const templates = Object.keys(document.paths).map((template) => ({
  template,
  pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, "[^/]+").replaceAll(".", "\\.")}$`),
}));
function templateOf(path: string): string {
  const parameters = (template: string) => template.split("{").length - 1;
  // Where two templates match, literal segments win over parameters, as in the router.
  const [best] = templates.filter((t) => t.pattern.test(path)).sort((a, b) => parameters(a.template) - parameters(b.template));
  if (!best) throw new Error(`no documented path matches ${path}`);
  return best.template;
}

const exercised = new Map<string, Set<number>>();

/** Checks one real answer against the document and records that its status was produced. */
function check(method: string, path: string, status: number, contentType: string | null, text: string): void {
  const template = templateOf(path);
  const key = `${method} ${template}`;
  const operation = document.paths[template]?.[method];
  expect(operation, `${key} is not in the document`).toBeDefined();
  const response = operation!.responses[String(status)];
  expect(response, `${key} answered ${status}, which the document does not list: ${text.slice(0, 300)}`).toBeDefined();
  if (response!.content?.["text/html"]) {
    expect(contentType, `${key} ${status}`).toMatch(/^text\/html/);
    expect(text, `${key} ${status}`).toMatch(/^<!DOCTYPE html>/i);
  } else if (response!.content?.["application/json"]) {
    expect(contentType, `${key} ${status}`).toMatch(/^application\/json/);
    const pointer = `openapi#/paths/${escapePointer(template)}/${method}/responses/${status}/content/application~1json/schema`;
    const validate = ajv.getSchema(pointer) ?? ajv.compile({ $ref: pointer });
    const body = JSON.parse(text);
    const valid = validate(body);
    expect(valid, `${key} ${status}: ${ajv.errorsText(validate.errors)}\n${text.slice(0, 500)}`).toBe(true);
  } else {
    expect(text, `${key} ${status} documents no body`).toBe("");
  }
  exercised.set(key, (exercised.get(key) ?? new Set()).add(status));
}

let relay: LocalRelay;
const receivers = receiverPool();

beforeAll(async () => {
  // Retries give up after a second, so a dead letter appears quickly.
  // Four signed ingest requests a minute, so the fifth shows the 429.
  relay = await startRelay({
    vars: { RELAY_RETRY_SCHEDULE: "1", RELAY_RETRY_MAX_AGE_SECONDS: "1", RELAY_INGEST_REQUESTS_PER_MINUTE: "4" },
  });
});
afterAll(async () => {
  await Promise.all([relay?.stop(), receivers.closeAll()]);
});

/** A real call, checked against the document; returns the status and parsed body. */
async function call(method: string, path: string, init: Omit<JsonInit, "method"> = {}): Promise<{ status: number; body: any }> {
  const res = await fetch(`${relay.url}${path}`, jsonRequestInit({ ...init, method: method.toUpperCase() }, ADMIN_TOKEN));
  const text = await res.text();
  check(method, path.split("?")[0]!, res.status, res.headers.get("content-type"), text);
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

async function signedIngest(workspaceId: string, secret: string, body: string) {
  const headers = await signedHeaders({
    id: `msg_${crypto.randomUUID()}`,
    timestampSeconds: Math.floor(Date.now() / 1000),
    body,
    secrets: [secret],
  });
  return call("post", `/v1/workspaces/${workspaceId}/events`, { body, token: null, headers });
}

/** A WebSocket upgrade over plain HTTP, so a refusal's status and body can be read. */
function upgrade(path: string, token: string | null): Promise<{ status: number; body: string; contentType: string | null }> {
  return new Promise((resolve, reject) => {
    const url = new URL(path, relay.url);
    const req = httpRequest(url, {
      headers: {
        connection: "Upgrade",
        upgrade: "websocket",
        "sec-websocket-version": "13",
        "sec-websocket-key": Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString("base64"),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
    });
    req.on("upgrade", (res, socket) => {
      socket.destroy();
      resolve({ status: res.statusCode!, body: "", contentType: null });
    });
    req.on("response", (res) => {
      let body = "";
      res.on("data", (chunk) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode!, body, contentType: res.headers["content-type"] ?? null }));
    });
    req.on("error", reject);
    req.end();
  });
}

async function feed(path: string, token: string | null): Promise<number> {
  const answer = await upgrade(path, token);
  check("get", path.split("?")[0]!, answer.status, answer.contentType, answer.body);
  return answer.status;
}

/** Fills a path template with values that exist in the workspace `ws`. */
function fill(template: string, ws: string): string {
  return template
    .replace("{workspaceId}", ws)
    .replace("{subscriberId}", "s1")
    .replace("{version}", "1")
    .replace("{deadLetterId}", "dl_missing")
    .replace("{alertId}", "ops")
    .replace("{keyId}", "key_0000000000000000");
}

/** A body that passes validation for each operation that takes one. */
const VALID_BODIES: Record<string, unknown> = {
  "put /v1/workspaces/{workspaceId}": {},
  "post /v1/workspaces/{workspaceId}/ingress-secrets/rotate": {},
  "post /v1/workspaces/{workspaceId}/events": { events: [makeEvent("generic")] },
  "put /v1/workspaces/{workspaceId}/subscribers/{subscriberId}": { kind: "webhook", url: "http://127.0.0.1:9/hook" },
  "post /v1/workspaces/{workspaceId}/subscribers/{subscriberId}/replay": { afterVersion: 0 },
  "post /v1/workspaces/{workspaceId}/subscribers/{subscriberId}/secret/rotate": {},
  "post /v1/workspaces/{workspaceId}/keys": { name: "k", scopes: ["read"] },
  "put /v1/workspaces/{workspaceId}/alerts/{alertId}": { url: "http://127.0.0.1:9/alerts" },
};

describe("real responses match openapi.json (contract §8)", () => {
  it("every route and status, called for real, validates against the document", async () => {
    const ws = "openapi-ws";
    const other = "openapi-other";

    // §7, §8 without auth.
    await call("get", "/health", { token: null });
    await call("get", "/openapi.json", { token: null });
    const consolePage = await fetch(`${relay.url}/console`);
    check("get", "/console", consolePage.status, consolePage.headers.get("content-type"), await consolePage.text());
    expect(consolePage.status).toBe(200);

    // §1
    const created = await call("put", `/v1/workspaces/${ws}`, { body: {} });
    expect(created.status).toBe(201);
    const secret = created.body.ingressSecret as string;
    expect((await call("put", `/v1/workspaces/${ws}`, { body: { retentionDays: 3 } })).status).toBe(200);
    expect((await call("put", `/v1/workspaces/${other}`, { body: {} })).status).toBe(201);
    expect((await call("get", `/v1/workspaces/${ws}`)).status).toBe(200);
    const rotated = await call("post", `/v1/workspaces/${ws}/ingress-secrets/rotate`, { body: { graceSeconds: 600 } });
    expect(rotated.status).toBe(200);

    // §2
    const events = JSON.stringify({ events: [makeEvent("e1", { entityId: "u1" }), makeEvent("e2", { entityId: "u2" })] });
    expect((await signedIngest(ws, rotated.body.ingressSecret, events)).status).toBe(200);
    expect((await signedIngest(ws, secret, JSON.stringify({ events: [] }))).status).toBe(400);
    expect((await signedIngest(ws, secret, JSON.stringify({ events: [makeEvent("big", { payload: "x".repeat(1_100_000) })] }))).status).toBe(413);
    // Two signed requests so far count towards the cap of four.
    for (const id of ["e3", "e4"]) expect((await signedIngest(ws, secret, JSON.stringify({ events: [makeEvent(id)] }))).status).toBe(200);
    expect((await signedIngest(ws, secret, JSON.stringify({ events: [makeEvent("e5")] }))).status).toBe(429);

    // §3, §8 search and single events
    expect((await call("get", `/v1/workspaces/${ws}/events?after=0&limit=10`)).status).toBe(200);
    expect((await call("get", `/v1/workspaces/${ws}/events?order=desc&entityId=u2`)).body.events).toHaveLength(1);
    expect((await call("get", `/v1/workspaces/${ws}/events/1`)).status).toBe(200);
    expect((await call("get", `/v1/workspaces/${ws}/events/999`)).body.error.code).toBe("event_not_found");

    // §6 keys
    const key = await call("post", `/v1/workspaces/${ws}/keys`, { body: { name: "replica", scopes: ["read"] } });
    expect(key.status).toBe(201);
    const otherKey = (await call("post", `/v1/workspaces/${other}/keys`, { body: { name: "elsewhere", scopes: ["read"] } })).body.key;
    expect((await call("get", `/v1/workspaces/${ws}/keys`)).status).toBe(200);
    expect((await call("get", `/v1/workspaces/${ws}/events?order=desc`, { token: key.body.key })).status).toBe(200);

    // §4 subscribers and dead letters
    const receiver = await receivers.start((_req, res) => res.writeHead(500).end("receiver says no"));
    const subscriber = { kind: "webhook", url: receiver.url, start: "beginning", onExhausted: "dead-letter", maxBatchSize: 1 };
    expect((await call("put", `/v1/workspaces/${ws}/subscribers/s1`, { body: subscriber })).status).toBe(201);
    expect((await call("put", `/v1/workspaces/${ws}/subscribers/s1`, { body: subscriber })).status).toBe(200);
    expect((await call("get", `/v1/workspaces/${ws}/subscribers`)).status).toBe(200);
    expect((await call("get", `/v1/workspaces/${ws}/subscribers/s1`)).status).toBe(200);
    const letters = await eventually(async () => {
      const res = await call("get", `/v1/workspaces/${ws}/dead-letters?subscriberId=s1`);
      return res.body.deadLetters.length > 0 ? res.body.deadLetters : undefined;
    }, 60_000);
    expect((await call("post", `/v1/workspaces/${ws}/dead-letters/${letters[0].id}/redeliver`)).status).toBe(202);
    expect((await call("post", `/v1/workspaces/${ws}/subscribers/s1/pause`)).status).toBe(200);
    expect((await call("post", `/v1/workspaces/${ws}/subscribers/s1/resume`)).status).toBe(200);
    expect((await call("post", `/v1/workspaces/${ws}/subscribers/s1/replay`, { body: { afterVersion: 0 } })).status).toBe(200);
    expect((await call("post", `/v1/workspaces/${ws}/subscribers/s1/secret/rotate`, { body: {} })).status).toBe(200);
    expect((await call("get", `/v1/workspaces/${ws}/subscribers/s1/attempts?limit=5`)).status).toBe(200);
    expect((await call("get", `/v1/workspaces/${ws}/subscribers/nobody/attempts`)).body.error.code).toBe("subscriber_not_found");

    // §9 enable, disable and alert destinations; §8 stats
    expect((await call("post", `/v1/workspaces/${ws}/subscribers/s1/disable`)).body.disabledReason).toBe("manual");
    expect((await call("post", `/v1/workspaces/${ws}/subscribers/s1/enable`)).body.state).not.toBe("disabled");
    const alert = { url: "http://127.0.0.1:9/alerts", types: ["subscriber.disabled"] };
    expect((await call("put", `/v1/workspaces/${ws}/alerts/ops`, { body: alert })).status).toBe(201);
    expect((await call("put", `/v1/workspaces/${ws}/alerts/ops`, { body: alert })).status).toBe(200);
    expect((await call("get", `/v1/workspaces/${ws}/alerts`)).status).toBe(200);
    expect((await call("get", `/v1/workspaces/${ws}/stats?window=24h`)).status).toBe(200);

    // §6 feed: 101 with a key, 401 without one, 403 with another workspace's, 400 without Upgrade.
    expect(await feed(`/v1/workspaces/${ws}/feed?after=0`, key.body.key)).toBe(101);
    expect(await feed(`/v1/workspaces/${ws}/feed`, null)).toBe(401);
    expect(await feed(`/v1/workspaces/${ws}/feed`, otherKey)).toBe(403);
    expect(await feed(`/v1/workspaces/${ws}/feed?consumer=%20`, key.body.key)).toBe(400);
    expect(await feed(`/v1/workspaces/nobody-here/feed`, ADMIN_TOKEN)).toBe(404);
    expect((await call("get", `/v1/workspaces/${ws}/feed`)).status).toBe(400);

    // §8 directory
    const listed = await call("get", "/v1/workspaces?limit=1000");
    expect(listed.body.workspaces.map((w: { workspaceId: string }) => w.workspaceId)).toContain(ws);
    expect((await call("get", "/v1/workspaces?limit=0")).status).toBe(400);
    expect((await call("get", "/v1/workspaces", { token: null })).status).toBe(401);

    // The errors every operation's shape implies, for each operation in the document.
    for (const [template, item] of Object.entries(document.paths)) {
      if (!template.includes("{workspaceId}") || template.endsWith("/feed")) continue;
      for (const [method, operation] of Object.entries(item)) {
        const statuses = Object.keys(operation.responses);
        const body = VALID_BODIES[`${method} ${template}`];
        const ingest = template.endsWith("/events") && method === "post";
        if (statuses.includes("401")) await call(method, fill(template, ws), { body, token: null });
        if (statuses.includes("403")) await call(method, fill(template, ws), { body, token: otherKey });
        await call(method, fill(template, "-not-an-id"), { body, token: ingest ? null : undefined });
        if (statuses.includes("404")) await call(method, fill(template, "nobody-here"), { body, token: ingest ? null : undefined });
      }
    }

    // Deletes last.
    expect((await call("delete", `/v1/workspaces/${ws}/alerts/ops`)).status).toBe(204);
    expect((await call("delete", `/v1/workspaces/${ws}/alerts/ops`)).body.error.code).toBe("alert_not_found");
    expect((await call("delete", `/v1/workspaces/${ws}/keys/${key.body.id}`)).status).toBe(204);
    expect((await call("delete", `/v1/workspaces/${ws}/subscribers/s1`)).status).toBe(204);
    expect((await call("delete", `/v1/workspaces/${ws}`)).status).toBe(204);

    // Every documented status was produced, except 500 and the ones no test can bring about.
    const missing: string[] = [];
    for (const [template, item] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        for (const status of Object.keys(operation.responses)) {
          const key = `${method} ${template}`;
          if (status === "500" || status === "503" || NOT_PRODUCIBLE.has(`${key} ${status}`)) continue;
          if (!exercised.get(key)?.has(Number(status))) missing.push(`${key} ${status}`);
        }
      }
    }
    expect(missing, "documented statuses that no call produced").toEqual([]);
  });
});
