/**
 * Helpers for the feed and read-key tests: read keys through the admin API, and a feed client
 * that opens the WebSocket through the public Worker (`SELF`) and records every frame.
 */
import { SELF } from "cloudflare:test";
import { expect } from "vitest";
import type { StoredEvent } from "../../src/contract/event";
import { ServerFrame, type ErrorFrame, type HeartbeatFrame } from "../../src/contract/feed";
import { ReadKeyCreated } from "../../src/contract/keys";
import { BASE_URL, expectStatus, ingest, json, makeEvents, pollUntil, relayFetch, workspacePath } from "./helpers";

const utf8 = new TextEncoder();

export const keysPath = (workspaceId: string) => `${workspacePath(workspaceId)}/keys`;
export const feedPath = (workspaceId: string) => `${workspacePath(workspaceId)}/feed`;

export async function createReadKey(workspaceId: string, name = "replica"): Promise<ReadKeyCreated> {
  const res = await relayFetch(keysPath(workspaceId), { method: "POST", body: { name, scopes: ["read"] } });
  await expectStatus(res, 201);
  return ReadKeyCreated.parse(await json(res));
}

/** Ingests `count` generated events in requests of `perRequest`, one request after the other. */
export async function ingestMany(
  workspaceId: string,
  secret: string,
  count: number,
  perRequest = 100,
): Promise<number[]> {
  const versions: number[] = [];
  for (let sent = 0; sent < count; sent += perRequest) {
    const response = await ingest(workspaceId, secret, makeEvents(Math.min(perRequest, count - sent)));
    versions.push(...response.results.map((r) => r.version));
  }
  return versions;
}

export type FeedOpenOptions = {
  after?: number;
  consumer?: string;
  /** Sent as `Authorization: Bearer` unless `tokenInQuery`; null sends no credential. */
  token: string | null;
  tokenInQuery?: boolean;
  /** Extra query text, sent verbatim (for invalid-input tests). */
  extraQuery?: string;
  upgrade?: boolean;
};

/** The raw upgrade response, for tests of refusals. */
export function feedRequest(workspaceId: string, opts: FeedOpenOptions): Promise<Response> {
  const params = new URLSearchParams();
  if (opts.after !== undefined) params.set("after", String(opts.after));
  if (opts.consumer !== undefined) params.set("consumer", opts.consumer);
  if (opts.token !== null && opts.tokenInQuery) params.set("token", opts.token);
  let query = params.toString();
  if (opts.extraQuery) query = query ? `${query}&${opts.extraQuery}` : opts.extraQuery;
  const headers: Record<string, string> = {};
  if (opts.upgrade !== false) headers.upgrade = "websocket";
  if (opts.token !== null && !opts.tokenInQuery) headers.authorization = `Bearer ${opts.token}`;
  return SELF.fetch(`${BASE_URL}${feedPath(workspaceId)}${query ? `?${query}` : ""}`, { headers });
}

/** A connected feed socket and everything it has received, parsed against the contract. */
export class FeedClient {
  readonly events: StoredEvent[] = [];
  readonly heartbeats: HeartbeatFrame[] = [];
  readonly errors: ErrorFrame[] = [];
  /** Every events frame's event count and size in UTF-8 bytes, to check paging. */
  readonly frameSizes: number[] = [];
  readonly frameBytes: number[] = [];
  /** Frames that did not match the contract (must stay empty). */
  readonly malformed: string[] = [];
  closed: { code: number; reason: string } | undefined;

  constructor(readonly ws: WebSocket) {
    ws.accept();
    ws.addEventListener("message", (event) => {
      const text = typeof event.data === "string" ? event.data : "<binary>";
      const parsed = ServerFrame.safeParse(safeJson(text));
      if (!parsed.success) {
        this.malformed.push(text.slice(0, 300));
        return;
      }
      const frame = parsed.data;
      if (frame.type === "events") {
        this.events.push(...frame.events);
        this.frameSizes.push(frame.events.length);
        this.frameBytes.push(utf8.encode(text).length);
      } else if (frame.type === "heartbeat") {
        this.heartbeats.push(frame);
      } else {
        this.errors.push(frame);
      }
    });
    ws.addEventListener("close", (event) => {
      this.closed = { code: event.code, reason: event.reason };
    });
  }

  get versions(): number[] {
    return this.events.map((e) => e.version);
  }

  get lastVersion(): number {
    return this.events.at(-1)?.version ?? 0;
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === "string" ? frame : JSON.stringify(frame));
  }

  ack(version: number): void {
    this.send({ type: "ack", version });
  }

  close(): void {
    this.ws.close(1000, "done");
  }

  /** Waits until the socket has received events up to `version`. */
  async waitForVersion(version: number, timeoutMs = 60_000): Promise<void> {
    await pollUntil(() => this.lastVersion >= version, { timeoutMs, what: `feed to reach version ${version}` });
  }

  async waitForEventCount(count: number, timeoutMs = 60_000): Promise<void> {
    await pollUntil(() => this.events.length >= count, {
      timeoutMs,
      what: `${count} feed events (have ${this.events.length})`,
    });
  }

  async waitForError(code: string): Promise<ErrorFrame> {
    return pollUntil(() => this.errors.find((e) => e.code === code), { what: `error frame ${code}` });
  }

  async waitForClose(): Promise<{ code: number; reason: string }> {
    return pollUntil(() => this.closed, { what: "socket close" });
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Opens the feed, expecting `101` and a socket. */
export async function openFeed(workspaceId: string, opts: FeedOpenOptions): Promise<FeedClient> {
  const res = await feedRequest(workspaceId, opts);
  if (res.status !== 101) await expectStatus(res, 101);
  expect(res.webSocket).toBeTruthy();
  return new FeedClient(res.webSocket!);
}

/** Asserts versions strictly increase. */
export function expectStrictlyIncreasing(versions: readonly number[]): void {
  for (let i = 1; i < versions.length; i++) {
    if (versions[i]! <= versions[i - 1]!) {
      expect.fail(`versions not strictly increasing at ${i}: ${versions[i - 1]} then ${versions[i]}`);
    }
  }
}
