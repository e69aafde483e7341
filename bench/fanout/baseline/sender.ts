import { WorkerEntrypoint } from "cloudflare:workers";

/** POSTs `body` to `url` and reads the answer whole. */
export async function post(url: string, body: string, headers: Record<string, string> = {}): Promise<number> {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body });
  await res.arrayBuffer();
  return res.status;
}

/** One outbound POST of a Sender call. */
export type Post = { url: string; headers?: Record<string, string> };

/**
 * A DeliveryWorker in miniature. Bench Workers export it and bind to it by service binding;
 * every call is a Worker invocation of its own. `deliver` makes one POST, as issue 9's
 * baseline does per receiver. `deliverEach` makes several at once and answers with every
 * status when the last has answered: the relay's design of six attempts to an invocation,
 * without its per-attempt reporting (the relay hands each outcome back as its receiver answers).
 */
export class Sender extends WorkerEntrypoint {
  async deliver(url: string, body: string, headers?: Record<string, string>): Promise<number> {
    return post(url, body, headers);
  }

  async deliverEach(posts: Post[], body: string): Promise<number[]> {
    return Promise.all(posts.map((p) => post(p.url, body, p.headers)));
  }
}
