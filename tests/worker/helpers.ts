/**
 * Shared helpers for the workerd tests: admin calls, signed ingest, event factories and the
 * contract's error-shape assertion. Everything goes through the public HTTP API (`SELF`), except
 * the few helpers that look inside a workspace's Durable Object on purpose.
 */
import { runInDurableObject, SELF } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect } from "vitest";
import { ERROR_STATUS, ErrorBody, type ErrorCode } from "../../src/contract/errors";
import { IngestResponse, ReadResponse, type EventEnvelope, type StoredEvent } from "../../src/contract/event";
import { WorkspaceCreated, WorkspaceInfo } from "../../src/contract/workspace";
import { signedHeaders } from "../../src/signing/standard-webhooks";
import { jsonRequestInit, type JsonInit } from "../support/json-request";

/** Matches `RELAY_ADMIN_TOKEN` in tests/worker/vitest.config.ts. */
export const ADMIN_TOKEN = "test-admin-token";
export const BASE_URL = "https://relay.test";

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
export const nowSeconds = () => Math.floor(Date.now() / 1000);

/** Polls until `check` returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function pollUntil<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  { timeoutMs = 20_000, intervalMs = 50, what = "condition" } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/** A fresh id for a workspace or subscriber, so tests never share a Durable Object. */
export function uniqueId(prefix = "ws"): string {
  return `${prefix}-${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`;
}

// ─── HTTP ─────────────────────────────────────────────────────────────────────────────

export type { JsonInit };

/** A request to the relay, with the admin token unless told otherwise. */
export function relayFetch(path: string, init: JsonInit = {}): Promise<Response> {
  return SELF.fetch(`${BASE_URL}${path}`, jsonRequestInit(init, ADMIN_TOKEN));
}

export const workspacePath = (workspaceId: string) => `/v1/workspaces/${workspaceId}`;
export const eventsPath = (workspaceId: string) => `${workspacePath(workspaceId)}/events`;

/** Reads a response as JSON, failing the test with the body text when it is not JSON. */
export async function json<T = unknown>(res: Response): Promise<T> {
  const text = await res.text();
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new Error(`expected JSON, got ${res.status}: ${text.slice(0, 500)}`);
  }
}

/** Asserts a status, showing the body when it differs (far easier to debug than a bare number). */
export async function expectStatus(res: Response, status: number): Promise<void> {
  if (res.status !== status) {
    const text = await res.clone().text();
    expect.fail(`expected ${status}, got ${res.status}: ${text.slice(0, 1000)}`);
  }
}

/**
 * Asserts the contract's error response: the code's status, a JSON body of exactly
 * `{"error":{"code","message","issues?"}}`, and `issues` present exactly on validation errors.
 * `issuePaths` (when given) must each appear among the issues' paths.
 */
export async function expectError(
  res: Response,
  code: ErrorCode,
  opts: { issues?: boolean; issuePaths?: string[] } = {},
): Promise<ErrorBody> {
  await expectStatus(res, ERROR_STATUS[code]);
  expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  const body = ErrorBody.parse(await json(res));
  expect(Object.keys(body)).toEqual(["error"]);
  expect(body.error.code).toBe(code);
  expect(body.error.message.length).toBeGreaterThan(0);
  for (const key of Object.keys(body.error)) expect(["code", "message", "issues"]).toContain(key);
  const wantIssues = opts.issues ?? opts.issuePaths !== undefined;
  if (wantIssues) {
    expect(body.error.issues?.length ?? 0).toBeGreaterThan(0);
    const paths = body.error.issues!.map((issue) => issue.path);
    for (const path of opts.issuePaths ?? []) expect(paths).toContain(path);
  } else {
    expect(body.error.issues).toBeUndefined();
  }
  return body;
}

// ─── Workspaces ───────────────────────────────────────────────────────────────────────

/** Creates a workspace (expecting `201`) and returns its one-time creation response. */
export async function createWorkspace(
  settings: { retentionDays?: number } = {},
  workspaceId = uniqueId(),
): Promise<WorkspaceCreated> {
  const res = await relayFetch(workspacePath(workspaceId), { method: "PUT", body: settings });
  await expectStatus(res, 201);
  return WorkspaceCreated.parse(await json(res));
}

export async function getWorkspace(workspaceId: string): Promise<WorkspaceInfo> {
  const res = await relayFetch(workspacePath(workspaceId));
  await expectStatus(res, 200);
  return WorkspaceInfo.parse(await json(res));
}

export async function rotateIngressSecret(
  workspaceId: string,
  body: { graceSeconds?: number } = {},
): Promise<{ ingressSecret: string; previousValidUntil: number }> {
  const res = await relayFetch(`${workspacePath(workspaceId)}/ingress-secrets/rotate`, { method: "POST", body });
  await expectStatus(res, 200);
  return json(res);
}

/** The stub of a workspace's Durable Object, for tests that look inside it. */
export function workspaceStub(workspaceId: string) {
  return env.WORKSPACE.get(env.WORKSPACE.idFromName(workspaceId));
}

/**
 * What a workspace's Durable Object holds: its user tables and its alarm. A Durable Object
 * that was only asked about an unknown workspace must hold neither.
 */
export async function durableObjectFootprint(workspaceId: string) {
  return runInDurableObject(workspaceStub(workspaceId), async (_instance, state) => ({
    tables: state.storage.sql
      .exec("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\'")
      .toArray()
      .map((row) => row.name),
    alarm: await state.storage.getAlarm(),
  }));
}

// ─── Events ───────────────────────────────────────────────────────────────────────────

let eventCounter = 0;

/** A valid event envelope with every field set; override any of them. */
export function makeEvent(overrides: Partial<EventEnvelope> = {}): EventEnvelope {
  eventCounter += 1;
  return {
    id: `evt_${eventCounter}_${crypto.randomUUID().slice(0, 8)}`,
    entityKind: "user",
    entityId: `u_${eventCounter}`,
    eventType: "update",
    payload: { n: eventCounter, name: "Ada", tags: ["a", "b"], nested: { ok: true } },
    lamport: eventCounter,
    source: { origin: "happy-animal-123", mutation: "users:update", actorId: null },
    emittedAt: 1_763_769_600_000 + eventCounter,
    traceId: `trace_${eventCounter}`,
    schemaVersion: 1,
    ...overrides,
  };
}

export function makeEvents(count: number, overrides: Partial<EventEnvelope> = {}): EventEnvelope[] {
  return Array.from({ length: count }, () => makeEvent(overrides));
}

export type SignOptions = {
  /** `webhook-timestamp` in unix seconds; now by default. */
  timestampSeconds?: number;
  /** `webhook-id`; a fresh one by default. */
  msgId?: string;
  /** Replace or add headers after signing (e.g. to drop or corrupt one). */
  headers?: Record<string, string>;
  /** Header names to leave out after signing. */
  omit?: string[];
};

/**
 * POSTs a body to a workspace's ingest endpoint, signed with `secrets` (one signature each) by
 * the project's Standard Webhooks module. `body` is sent verbatim when a string or bytes.
 */
export async function signedIngest(
  workspaceId: string,
  body: string | Uint8Array | { events: unknown[] },
  secrets: string | readonly string[],
  opts: SignOptions = {},
): Promise<Response> {
  const raw = typeof body === "string" || body instanceof Uint8Array ? body : JSON.stringify(body);
  const signed = await signedHeaders({
    id: opts.msgId ?? `msg_${crypto.randomUUID()}`,
    timestampSeconds: opts.timestampSeconds ?? nowSeconds(),
    body: raw,
    secrets: typeof secrets === "string" ? [secrets] : secrets,
  });
  const headers: Record<string, string> = { "content-type": "application/json", ...signed, ...opts.headers };
  for (const name of opts.omit ?? []) delete headers[name];
  return SELF.fetch(`${BASE_URL}${eventsPath(workspaceId)}`, { method: "POST", headers, body: raw });
}

/** Signed ingest that must succeed; returns the parsed response. */
export async function ingest(
  workspaceId: string,
  secret: string | readonly string[],
  events: EventEnvelope[],
): Promise<IngestResponse> {
  const res = await signedIngest(workspaceId, { events }, secret);
  await expectStatus(res, 200);
  return IngestResponse.parse(await json(res));
}

export type ReadParams = { after?: number; limit?: number; wait?: number };

export function readEvents(workspaceId: string, params: ReadParams | string = {}): Promise<Response> {
  const query =
    typeof params === "string"
      ? params
      : new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)])).toString();
  return relayFetch(`${eventsPath(workspaceId)}${query ? `?${query}` : ""}`);
}

/** One page of the log, which must be a `200`. */
export async function readPage(workspaceId: string, params: ReadParams = {}): Promise<ReadResponse> {
  const res = await readEvents(workspaceId, params);
  await expectStatus(res, 200);
  return ReadResponse.parse(await json(res));
}

/** The whole log, paged through with `after`/`nextAfter`. */
export async function readAll(workspaceId: string, pageSize = 1000): Promise<StoredEvent[]> {
  const events: StoredEvent[] = [];
  let after = 0;
  for (;;) {
    const page = await readPage(workspaceId, { after, limit: pageSize });
    events.push(...page.events);
    if (!page.hasMore) return events;
    after = page.nextAfter;
  }
}

/** The versions the contract's rule, `max(head, lamport ?? 0) + 1`, gives new events after `head`. */
export function lamportVersions(events: readonly Pick<EventEnvelope, "lamport">[], head = 0): number[] {
  return events.map((event) => (head = Math.max(head, event.lamport ?? 0) + 1));
}

/** The envelope fields of a stored event, i.e. what the source sent. */
export function envelopeOf(stored: StoredEvent): EventEnvelope {
  const { workspaceId: _w, version: _v, receivedAt: _r, ...envelope } = stored;
  return envelope;
}

/** What a workspace exposes through the API, to compare before and after a rejected request. */
export async function observable(workspaceId: string) {
  return { info: await getWorkspace(workspaceId), events: await readAll(workspaceId) };
}

/**
 * Waits, if needed, until the current second has at least 500 ms left. Signature tests that
 * put a timestamp exactly 301 s away would otherwise flip when the clock crosses a second
 * between signing and verifying.
 */
export async function awayFromSecondBoundary(): Promise<void> {
  const intoSecond = Date.now() % 1000;
  if (intoSecond > 500) await sleep(1000 - intoSecond + 10);
}
