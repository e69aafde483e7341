/**
 * Fan-out latency breakdown (`npm run bench -- fanout-profile`): the relay's path from an
 * ingest request to an outbound POST, built up one hop at a time (see `steps.ts`), with no
 * relay logic in between, so the time each hop adds can be read off by difference.
 * `POST /{hop}` with header `x-forward-to: <url>` forwards its body there (except `echo`).
 */
import { DurableObject } from "cloudflare:workers";
import { post, type Sender } from "../baseline/sender";
import { FANOUT_HOPS, FORWARD_TO_HEADER, type FanoutHop } from "./steps";

export { Sender } from "../baseline/sender";

type Env = {
  HOPS: DurableObjectNamespace<HopsObject>;
  SENDER: Service<Sender>;
};

export class HopsObject extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS sent (n INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL)");
  }

  /** Starts the POST without awaiting it, as the relay's dispatcher does after its commit. */
  async forward(hop: FanoutHop, url: string, body: string): Promise<void> {
    if (hop !== "do") this.ctx.storage.sql.exec("INSERT INTO sent (at) VALUES (?)", Date.now());
    const sending = hop === "do-write-service" ? this.env.SENDER.deliver(url, body) : post(url, body);
    this.ctx.waitUntil(sending.then(() => undefined, (err: unknown) => console.error("forward failed", String(err))));
  }
}

export default {
  async fetch(request, env) {
    const hop = FANOUT_HOPS.find((h) => `/${h}` === new URL(request.url).pathname);
    if (!hop || request.method !== "POST") return new Response("not found", { status: 404 });
    const body = await request.text();
    if (hop === "echo") return new Response("{}");
    const url = request.headers.get(FORWARD_TO_HEADER);
    if (!url) return new Response(`missing ${FORWARD_TO_HEADER}`, { status: 400 });
    if (hop === "worker") return new Response(String(await post(url, body)));
    await env.HOPS.get(env.HOPS.idFromName("hops")).forward(hop, url, body);
    return new Response("{}");
  },
} satisfies ExportedHandler<Env>;
