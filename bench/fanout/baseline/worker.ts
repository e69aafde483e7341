/**
 * The fan-out baseline: a minimal Worker of the relay's own design, with none of the relay's
 * logic. A SQLite Durable Object commits the event, then makes one service-binding call per
 * receiver (each a Worker invocation that POSTs, as the relay's DeliveryWorker does), without
 * awaiting them; the Worker answers once the commit is done. The DO's output gate holds the
 * calls until the commit is durable, as it does for the relay. What the relay adds on top is
 * its own work: signature check, validation, dedupe, per-subscriber state, signing, outcomes.
 * See paths.ts for the routes; `/forward` is the Worker-only reference line.
 */
import { DurableObject } from "cloudflare:workers";
import { post, type Sender } from "./sender";
import { BASELINE_PATH, FORWARD_PATH, FORWARD_TO_HEADER } from "./paths";

export { Sender } from "./sender";

type Env = {
  GROUPS: DurableObjectNamespace<FanoutGroupLog>;
  SENDER: Service<Sender>;
};

export class FanoutGroupLog extends DurableObject<Env> {
  private receivers: string[];

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec(`CREATE TABLE IF NOT EXISTS events (version INTEGER PRIMARY KEY AUTOINCREMENT, received_at INTEGER NOT NULL, body TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS receivers (url TEXT PRIMARY KEY)`);
    this.receivers = ctx.storage.sql.exec<{ url: string }>("SELECT url FROM receivers").toArray().map((r) => r.url);
  }

  async setReceivers(urls: string[]): Promise<void> {
    this.ctx.storage.transactionSync(() => {
      this.ctx.storage.sql.exec("DELETE FROM receivers");
      for (const url of urls) this.ctx.storage.sql.exec("INSERT INTO receivers (url) VALUES (?)", url);
    });
    this.receivers = urls;
  }

  /** Commits the body, then hands it to every receiver's Worker invocation. */
  async ingest(body: string): Promise<number> {
    const version = this.ctx.storage.sql
      .exec<{ version: number }>("INSERT INTO events (received_at, body) VALUES (?, ?) RETURNING version", Date.now(), body)
      .one().version;
    for (const url of this.receivers) {
      this.ctx.waitUntil(this.env.SENDER.deliver(url, body).then(() => undefined, (err: unknown) => console.error("delivery failed", String(err))));
    }
    return version;
  }
}

export default {
  async fetch(request, env) {
    const path = new URL(request.url).pathname;
    const group = path.match(/^\/groups\/([^/]+)\/(receivers|events)$/);
    if (group && request.method === "PUT" && group[2] === "receivers") {
      const { urls } = (await request.json()) as { urls: string[] };
      await env.GROUPS.get(env.GROUPS.idFromName(group[1]!)).setReceivers(urls.map((u) => new URL(BASELINE_PATH, u).href));
      return new Response(null, { status: 204 });
    }
    if (group && request.method === "POST" && group[2] === "events") {
      const version = await env.GROUPS.get(env.GROUPS.idFromName(group[1]!)).ingest(await request.text());
      return Response.json({ head: version });
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
