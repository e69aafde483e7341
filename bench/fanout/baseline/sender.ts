import { WorkerEntrypoint } from "cloudflare:workers";

/** POSTs `body` to `url` and reads the answer whole. */
export async function post(url: string, body: string, headers: Record<string, string> = {}): Promise<number> {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body });
  await res.arrayBuffer();
  return res.status;
}

/**
 * A DeliveryWorker in miniature: one outbound POST per call, each call its own Worker
 * invocation (the relay's carries up to six per call). Bench Workers export it and bind to it
 * by service binding.
 */
export class Sender extends WorkerEntrypoint {
  async deliver(url: string, body: string, headers?: Record<string, string>): Promise<number> {
    return post(url, body, headers);
  }
}
