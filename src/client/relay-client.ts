/**
 * The one typed client of the relay's HTTP API for Node: the `relay` CLI, `npm run demo` and
 * the end-to-end tests call the relay through it. Each method parses the answer with the
 * contract's own zod schema (`src/contract/`, the schemas `api.ts` lists per route), so a
 * relay that drifts from the contract fails loudly here instead of printing nonsense. Every
 * non-success answer becomes a `RelayApiError` carrying the contract's error code, message,
 * issues, HTTP status and `Retry-After`.
 *
 * The replicator (`replicator/`) is a separately published package with its own small client
 * of the read API; it does not import from here.
 */
import type { z } from "zod";
import { AlertDestination, AlertDestinationCreated, AlertDestinationList, type PutAlertBody } from "../contract/alerts";
import { DeliveryAttemptPage } from "../contract/attempts";
import { DirectoryPage } from "../contract/directory";
import { ErrorBody, type ValidationIssue } from "../contract/errors";
import { IngestResponse, ReadResponse, ReadResponseDesc, StoredEvent, type EventFilters } from "../contract/event";
import { ReadKeyCreated, ReadKeyList } from "../contract/keys";
import { parseRetryAfter } from "../contract/retry-after";
import { DeadLetterList, HealthResponse, SubscriberCreated, SubscriberList, SubscriberSecretRotated } from "../contract/responses";
import { WorkspaceStats, type StatsWindow } from "../contract/stats";
import { SubscriberStatus, type PutSubscriberBody } from "../contract/subscriber";
import { SecretRotated, WorkspaceCreated, WorkspaceInfo, type PutWorkspaceBody } from "../contract/workspace";
import { signedHeaders } from "../signing/standard-webhooks";

/** An answer of the relay other than the success the call expects, in the contract's terms. */
export class RelayApiError extends Error {
  override readonly name = "RelayApiError";
  readonly status: number;
  /** The contract's error code, e.g. `subscriber_not_found`; `unexpected_response` for an answer outside it. */
  readonly code: string;
  readonly issues: ValidationIssue[];
  /** From `Retry-After` on `429 rate_limited` and `503 overloaded`. */
  readonly retryAfterSeconds: number | null;

  constructor(status: number, code: string, message: string, issues: ValidationIssue[] = [], retryAfterSeconds: number | null = null) {
    super(message);
    this.status = status;
    this.code = code;
    this.issues = issues;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

export type RelayClientOptions = {
  /** The relay's origin, e.g. `http://localhost:8787`. */
  url: string;
  /** Bearer token of the admin API; calls that need it fail with `unauthorized` without it. */
  adminToken?: string;
};

/** A raw answer: for callers (tests) that look at statuses the typed methods treat as errors. */
export type RawResponse = { status: number; headers: Headers; body: any };

type Query = Record<string, string | number | undefined>;
type RequestOptions = { body?: unknown; query?: Query; headers?: Record<string, string>; token?: string | null };

/** The success of an upsert: `created` tells whether this call made it (and so shows its secret). */
export type Upserted<Created, Updated> = { created: true; value: Created } | { created: false; value: Updated };

const enc = encodeURIComponent;

export class RelayClient {
  readonly url: string;
  readonly #adminToken: string | undefined;

  constructor(options: RelayClientOptions) {
    this.url = options.url.replace(/\/+$/, "");
    this.#adminToken = options.adminToken;
  }

  /** Sends one request and returns the status and parsed body as they are, whatever they are. */
  async raw(method: string, path: string, options: RequestOptions = {}): Promise<RawResponse> {
    const headers: Record<string, string> = { ...options.headers };
    const token = options.token === undefined ? this.#adminToken : options.token;
    if (token) headers.authorization = `Bearer ${token}`;
    let body: string | undefined;
    if (options.body !== undefined) {
      body = typeof options.body === "string" ? options.body : JSON.stringify(options.body);
      headers["content-type"] ??= "application/json";
    }
    const res = await fetch(this.url + path + queryString(options.query), { method, headers, body });
    const text = await res.text();
    let parsed: unknown = null;
    if (text) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = text;
      }
    }
    return { status: res.status, headers: res.headers, body: parsed };
  }

  /** One call whose success statuses map to schemas; anything else throws `RelayApiError`. */
  async #send<S extends Record<number, z.ZodType | null>>(
    method: string,
    path: string,
    success: S,
    options: RequestOptions = {},
  ): Promise<{ [K in keyof S]: { status: K; body: S[K] extends z.ZodType ? z.infer<S[K]> : null } }[keyof S]> {
    const res = await this.raw(method, path, options);
    if (res.status in success) {
      const schema = success[res.status];
      if (!schema) return { status: res.status, body: null } as never;
      const parsed = schema.safeParse(res.body);
      if (!parsed.success) {
        throw new RelayApiError(res.status, "unexpected_response", `${method} ${path}: the relay's answer does not match the contract: ${parsed.error.message}`);
      }
      return { status: res.status, body: parsed.data } as never;
    }
    throw toApiError(res, Date.now());
  }

  async #get<T extends z.ZodType>(path: string, schema: T, query?: Query): Promise<z.infer<T>> {
    return (await this.#send("GET", path, { 200: schema }, { query })).body as z.infer<T>;
  }

  async #status(method: string, path: string, body?: unknown): Promise<SubscriberStatus> {
    return (await this.#send(method, path, { 200: SubscriberStatus }, { body })).body;
  }

  async #delete(path: string): Promise<void> {
    await this.#send("DELETE", path, { 204: null });
  }

  health() {
    return this.#get("/health", HealthResponse);
  }

  // ─── Workspaces (§1, §8) ─────────────────────────────────────────────────────────────

  listWorkspaces(query: { limit?: number; cursor?: string } = {}) {
    return this.#get("/v1/workspaces", DirectoryPage, query);
  }

  getWorkspace(workspaceId: string) {
    return this.#get(ws(workspaceId), WorkspaceInfo);
  }

  /** Creates the workspace (its ingress secret is in the answer this once) or updates its settings. */
  async putWorkspace(workspaceId: string, body: PutWorkspaceBody = {}): Promise<Upserted<WorkspaceCreated, WorkspaceInfo>> {
    const res = await this.#send("PUT", ws(workspaceId), { 201: WorkspaceCreated, 200: WorkspaceInfo }, { body });
    return res.status === 201 ? { created: true, value: res.body as WorkspaceCreated } : { created: false, value: res.body as WorkspaceInfo };
  }

  deleteWorkspace(workspaceId: string) {
    return this.#delete(ws(workspaceId));
  }

  async rotateIngressSecret(workspaceId: string, body: { graceSeconds?: number } = {}) {
    return (await this.#send("POST", `${ws(workspaceId)}/ingress-secrets/rotate`, { 200: SecretRotated }, { body })).body;
  }

  // ─── Ingest and the log (§2, §3, §8) ─────────────────────────────────────────────────

  /** Signs `{events}` with the ingress secret (Standard Webhooks) and ingests it. */
  async ingest(workspaceId: string, ingressSecret: string, events: unknown[]) {
    const body = JSON.stringify({ events });
    const signature = await signedHeaders({
      id: `msg_${crypto.randomUUID().replaceAll("-", "")}`,
      timestampSeconds: Math.floor(Date.now() / 1000),
      body,
      secrets: [ingressSecret],
    });
    const res = await this.#send("POST", `${ws(workspaceId)}/events`, { 200: IngestResponse }, { body, headers: { ...signature }, token: null });
    return res.body;
  }

  /** Reads or searches the log; `order: "desc"` pages newest first with `before`. */
  readEvents(workspaceId: string, query: EventFilters & { after?: number; limit?: number; wait?: number } = {}, token?: string) {
    return this.#sendGet(workspaceId, query, ReadResponse, token);
  }

  readEventsDesc(workspaceId: string, query: EventFilters & { before?: number; limit?: number } = {}, token?: string) {
    return this.#sendGet(workspaceId, { ...query, order: "desc" }, ReadResponseDesc, token);
  }

  async #sendGet<T extends z.ZodType>(workspaceId: string, query: Query, schema: T, token?: string): Promise<z.infer<T>> {
    return (await this.#send("GET", `${ws(workspaceId)}/events`, { 200: schema }, { query, token })).body as z.infer<T>;
  }

  getEvent(workspaceId: string, version: number) {
    return this.#get(`${ws(workspaceId)}/events/${version}`, StoredEvent);
  }

  /** The feed's WebSocket URL (`ws:` or `wss:`); authorise it with a read key in a header, never here. */
  feedUrl(workspaceId: string, query: { after?: number; consumer?: string } = {}): string {
    return `${this.url.replace(/^http/, "ws")}${ws(workspaceId)}/feed${queryString(query)}`;
  }

  // ─── Subscribers (§4, §8, §9) ────────────────────────────────────────────────────────

  async listSubscribers(workspaceId: string) {
    return (await this.#get(`${ws(workspaceId)}/subscribers`, SubscriberList)).subscribers;
  }

  getSubscriber(workspaceId: string, subscriberId: string) {
    return this.#get(sub(workspaceId, subscriberId), SubscriberStatus);
  }

  /** Creates the subscriber (its signing secret is in the answer this once) or updates it. */
  async putSubscriber(
    workspaceId: string,
    subscriberId: string,
    body: PutSubscriberBody,
  ): Promise<Upserted<z.infer<typeof SubscriberCreated>, SubscriberStatus>> {
    const res = await this.#send("PUT", sub(workspaceId, subscriberId), { 201: SubscriberCreated, 200: SubscriberStatus }, { body });
    return res.status === 201
      ? { created: true, value: res.body as z.infer<typeof SubscriberCreated> }
      : { created: false, value: res.body as SubscriberStatus };
  }

  deleteSubscriber(workspaceId: string, subscriberId: string) {
    return this.#delete(sub(workspaceId, subscriberId));
  }

  /** `pause`, `resume`, `enable` or `disable`: each answers the new status. */
  setDelivery(workspaceId: string, subscriberId: string, action: "pause" | "resume" | "enable" | "disable") {
    return this.#status("POST", `${sub(workspaceId, subscriberId)}/${action}`);
  }

  replay(workspaceId: string, subscriberId: string, afterVersion: number) {
    return this.#status("POST", `${sub(workspaceId, subscriberId)}/replay`, { afterVersion });
  }

  async rotateSubscriberSecret(workspaceId: string, subscriberId: string, body: { graceSeconds?: number } = {}) {
    return (await this.#send("POST", `${sub(workspaceId, subscriberId)}/secret/rotate`, { 200: SubscriberSecretRotated }, { body })).body;
  }

  listAttempts(workspaceId: string, subscriberId: string, query: { limit?: number; before?: string } = {}) {
    return this.#get(`${sub(workspaceId, subscriberId)}/attempts`, DeliveryAttemptPage, query);
  }

  // ─── Dead letters (§4) ───────────────────────────────────────────────────────────────

  async listDeadLetters(workspaceId: string, query: { subscriberId?: string; limit?: number } = {}) {
    return (await this.#get(`${ws(workspaceId)}/dead-letters`, DeadLetterList, query)).deadLetters;
  }

  async redeliverDeadLetter(workspaceId: string, deadLetterId: string): Promise<void> {
    await this.#send("POST", `${ws(workspaceId)}/dead-letters/${enc(deadLetterId)}/redeliver`, { 202: null });
  }

  // ─── Stats (§8) ──────────────────────────────────────────────────────────────────────

  stats(workspaceId: string, window: StatsWindow = "1h") {
    return this.#get(`${ws(workspaceId)}/stats`, WorkspaceStats, { window });
  }

  // ─── Read keys (§6) ──────────────────────────────────────────────────────────────────

  async createReadKey(workspaceId: string, name: string) {
    return (await this.#send("POST", `${ws(workspaceId)}/keys`, { 201: ReadKeyCreated }, { body: { name, scopes: ["read"] } })).body;
  }

  async listReadKeys(workspaceId: string) {
    return (await this.#get(`${ws(workspaceId)}/keys`, ReadKeyList)).keys;
  }

  revokeReadKey(workspaceId: string, keyId: string) {
    return this.#delete(`${ws(workspaceId)}/keys/${enc(keyId)}`);
  }

  // ─── Alerts (§9) ─────────────────────────────────────────────────────────────────────

  async putAlert(workspaceId: string, alertId: string, body: PutAlertBody): Promise<Upserted<AlertDestinationCreated, AlertDestination>> {
    const res = await this.#send("PUT", `${ws(workspaceId)}/alerts/${enc(alertId)}`, { 201: AlertDestinationCreated, 200: AlertDestination }, { body });
    return res.status === 201
      ? { created: true, value: res.body as AlertDestinationCreated }
      : { created: false, value: res.body as AlertDestination };
  }

  async listAlerts(workspaceId: string) {
    return (await this.#get(`${ws(workspaceId)}/alerts`, AlertDestinationList)).alerts;
  }

  deleteAlert(workspaceId: string, alertId: string) {
    return this.#delete(`${ws(workspaceId)}/alerts/${enc(alertId)}`);
  }
}

/** The contract's error body, or what can be said about an answer that is not one. */
export function toApiError(res: RawResponse, now: number): RelayApiError {
  const retryAfter = parseRetryAfter(res.headers.get("retry-after"), now);
  const parsed = ErrorBody.safeParse(res.body);
  if (parsed.success) {
    const { code, message, issues } = parsed.data.error;
    return new RelayApiError(res.status, code, message, issues ?? [], retryAfter);
  }
  const text = typeof res.body === "string" ? res.body.slice(0, 200) : JSON.stringify(res.body)?.slice(0, 200);
  return new RelayApiError(res.status, "unexpected_response", `HTTP ${res.status}${text ? `: ${text}` : ""}`, [], retryAfter);
}

function ws(workspaceId: string): string {
  return `/v1/workspaces/${enc(workspaceId)}`;
}

function sub(workspaceId: string, subscriberId: string): string {
  return `${ws(workspaceId)}/subscribers/${enc(subscriberId)}`;
}

function queryString(query: Query | undefined): string {
  if (!query) return "";
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value !== undefined) params.set(name, String(value));
  const text = params.toString();
  return text ? `?${text}` : "";
}
