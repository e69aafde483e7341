/**
 * The fan-out baseline: a minimal Worker of the relay's design, with none of the relay's logic.
 * A SQLite Durable Object commits the event, then hands it to service-binding calls (each a
 * Worker invocation that POSTs), without awaiting them; the Worker answers once the commit is
 * done. The DO's output gate holds the calls until the commit is durable, as it does for the
 * relay. Each path comes two ways:
 *   - one invocation per receiver, as issue 9 defines the baseline;
 *   - grouped: six receivers to an invocation (`ATTEMPTS_PER_INVOCATION`), as the relay's
 *     DeliveryWorker carries them (durable-objects/delivery/delivery-invocations.ts).
 * What the relay adds on top is its own work: signature check, validation, dedupe,
 * per-subscriber state, signing, outcomes, and reporting each outcome as its receiver answers.
 *
 * `signed-events` is the same design with the duties the contract gives any relay, and
 * nothing else: it checks the ingest's Standard Webhooks signature, commits each receiver's
 * in-flight lease with the event (what lets a delivery be re-sent after a crash), signs each
 * delivery with that receiver's own secret, and commits each answer as the receiver's new
 * cursor and one attempt row (grouped: an invocation's answers in one commit). No
 * validation, dedupe, retries, stats, logs or alarms.
 * See paths.ts for the routes; `/forward` is the Worker-only reference line.
 */
import { DurableObject } from "cloudflare:workers";
import { readWebhookHeaders, signedHeaders, verify, type WebhookHeaders } from "../../../src/signing/standard-webhooks";
import { ATTEMPTS_PER_INVOCATION } from "../../../src/contract/delivery-messages";
import { post, type Post, type Sender } from "./sender";
import { BASELINE_PATH, DUTIES_PATH, FORWARD_PATH, FORWARD_TO_HEADER, GROUPED_DUTIES_PATH, GROUPED_PARAM, GROUPED_PATH } from "./paths";

export { Sender } from "./sender";

type Env = {
  GROUPS: DurableObjectNamespace<FanoutGroupLog>;
  SENDER: Service<Sender>;
};

/** A receiver's base URL and secret, with the URLs of every path worked out once. */
type Receiver = { url: string; secret: string; baselineUrl: string; dutiesUrl: string; groupedUrl: string; groupedDutiesUrl: string };
const receiver = (url: string, secret: string): Receiver => ({
  url,
  secret,
  baselineUrl: new URL(BASELINE_PATH, url).href,
  dutiesUrl: new URL(DUTIES_PATH, url).href,
  groupedUrl: new URL(GROUPED_PATH, url).href,
  groupedDutiesUrl: new URL(GROUPED_DUTIES_PATH, url).href,
});

/** `items` in runs of at most `size`, in order. */
function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
type Registration = { urls: string[]; ingressSecret?: string; secrets?: string[] };

/** How long a delivery may stay unanswered before it would be re-sent (not acted on here). */
const LEASE_MS = 30_000;

export class FanoutGroupLog extends DurableObject<Env> {
  private receivers: Receiver[];
  private ingressSecret = "";

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec(`CREATE TABLE IF NOT EXISTS events (version INTEGER PRIMARY KEY AUTOINCREMENT, received_at INTEGER NOT NULL, body TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS receivers (url TEXT PRIMARY KEY, secret TEXT NOT NULL, cursor INTEGER NOT NULL DEFAULT 0, in_flight INTEGER, lease_until INTEGER);
      CREATE TABLE IF NOT EXISTS attempts (id INTEGER PRIMARY KEY AUTOINCREMENT, url TEXT NOT NULL, version INTEGER NOT NULL, status INTEGER NOT NULL, at INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS settings (name TEXT PRIMARY KEY, value TEXT NOT NULL)`);
    this.receivers = ctx.storage.sql.exec<{ url: string; secret: string }>("SELECT url, secret FROM receivers").toArray().map((r) => receiver(r.url, r.secret));
    this.ingressSecret = ctx.storage.sql.exec<{ value: string }>("SELECT value FROM settings WHERE name = 'ingress_secret'").toArray()[0]?.value ?? "";
  }

  async setReceivers(registration: Registration): Promise<void> {
    const receivers = registration.urls.map((url, i) => receiver(url, registration.secrets?.[i] ?? ""));
    this.ctx.storage.transactionSync(() => {
      this.ctx.storage.sql.exec("DELETE FROM receivers");
      for (const r of receivers) this.ctx.storage.sql.exec("INSERT INTO receivers (url, secret) VALUES (?, ?)", r.url, r.secret);
      this.ctx.storage.sql.exec("INSERT OR REPLACE INTO settings (name, value) VALUES ('ingress_secret', ?)", registration.ingressSecret ?? "");
    });
    this.receivers = receivers;
    this.ingressSecret = registration.ingressSecret ?? "";
  }

  /** Commits the body, then hands it to the receivers' Worker invocations. */
  async ingest(body: string, grouped: boolean): Promise<number> {
    const version = this.append(body);
    if (grouped) {
      for (const group of chunks(this.receivers, ATTEMPTS_PER_INVOCATION)) {
        const posts = group.map((r) => ({ url: r.groupedUrl }));
        this.ctx.waitUntil(this.env.SENDER.deliverEach(posts, body).then(() => undefined, logFailure));
      }
    } else {
      for (const r of this.receivers) {
        this.ctx.waitUntil(this.env.SENDER.deliver(r.baselineUrl, body).then(() => undefined, logFailure));
      }
    }
    return version;
  }

  /** `ingest` with the contract's duties (see the top of this file); null when the signature fails. */
  async ingestSigned(body: string, headers: Partial<WebhookHeaders>, grouped: boolean): Promise<number | null> {
    const verified = await verify({ headers, body, secrets: [this.ingressSecret] });
    if (!verified.ok) return null;
    const now = Date.now();
    const version = this.ctx.storage.transactionSync(() => {
      const appended = this.append(body);
      this.ctx.storage.sql.exec("UPDATE receivers SET in_flight = ?, lease_until = ?", appended, now + LEASE_MS);
      return appended;
    });
    if (grouped) {
      for (const group of chunks(this.receivers, ATTEMPTS_PER_INVOCATION)) {
        this.ctx.waitUntil(this.deliverSignedGroup(group, version, body).catch(logFailure));
      }
    } else {
      for (const r of this.receivers) this.ctx.waitUntil(this.deliverSigned(r, version, body).catch(logFailure));
    }
    return version;
  }

  private append(body: string): number {
    return this.ctx.storage.sql
      .exec<{ version: number }>("INSERT INTO events (received_at, body) VALUES (?, ?) RETURNING version", Date.now(), body)
      .one().version;
  }

  private signFor(r: Receiver, version: number, body: string): Promise<Record<string, string>> {
    return signedHeaders({ id: `msg_${version}`, timestampSeconds: Math.floor(Date.now() / 1000), body, secrets: [r.secret] });
  }

  private async deliverSigned(r: Receiver, version: number, body: string): Promise<void> {
    const status = await this.env.SENDER.deliver(r.dutiesUrl, body, await this.signFor(r, version, body));
    this.ctx.storage.transactionSync(() => this.commitAnswer(r, version, status, Date.now()));
  }

  private async deliverSignedGroup(group: readonly Receiver[], version: number, body: string): Promise<void> {
    const posts: Post[] = await Promise.all(group.map(async (r) => ({ url: r.groupedDutiesUrl, headers: await this.signFor(r, version, body) })));
    const statuses = await this.env.SENDER.deliverEach(posts, body);
    const at = Date.now();
    this.ctx.storage.transactionSync(() => group.forEach((r, i) => this.commitAnswer(r, version, statuses[i]!, at)));
  }

  /** A receiver's answer: one attempt row, and its cursor moved on a 2xx. */
  private commitAnswer(r: Receiver, version: number, status: number, at: number): void {
    this.ctx.storage.sql.exec("INSERT INTO attempts (url, version, status, at) VALUES (?, ?, ?, ?)", r.url, version, status, at);
    if (status >= 200 && status < 300) {
      this.ctx.storage.sql.exec("UPDATE receivers SET cursor = ?, in_flight = NULL, lease_until = NULL WHERE url = ? AND in_flight = ?", version, r.url, version);
    }
  }
}

function logFailure(err: unknown): void {
  console.error("delivery failed", String(err));
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const path = url.pathname;
    const grouped = url.searchParams.has(GROUPED_PARAM);
    const group = path.match(/^\/groups\/([^/]+)\/(receivers|events|signed-events)$/);
    const stub = group ? env.GROUPS.get(env.GROUPS.idFromName(group[1]!)) : undefined;
    if (stub && request.method === "PUT" && group![2] === "receivers") {
      const registration = (await request.json()) as Registration;
      await stub.setReceivers(registration);
      return new Response(null, { status: 204 });
    }
    if (stub && request.method === "POST" && group![2] === "events") {
      return Response.json({ head: await stub.ingest(await request.text(), grouped) });
    }
    if (stub && request.method === "POST" && group![2] === "signed-events") {
      const version = await stub.ingestSigned(await request.text(), readWebhookHeaders(request.headers), grouped);
      return version === null ? Response.json({ error: "invalid_signature" }, { status: 401 }) : Response.json({ head: version });
    }
    if (path === FORWARD_PATH && request.method === "POST") {
      const body = await request.text();
      const urls = (request.headers.get(FORWARD_TO_HEADER) ?? "").split(",").filter(Boolean);
      await Promise.all(urls.map((u) => post(new URL(FORWARD_PATH, u).href, body)));
      return Response.json({ forwarded: urls.length });
    }
    return new Response("not found", { status: 404 });
  },
} satisfies ExportedHandler<Env>;
