import { signedHeaders } from "../../src/signing/standard-webhooks.ts";
import type { PreparedRequest } from "./load.ts";

/** Standard Webhooks allows ±300 s; a presigned request must be sent well within that. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

let messageCounter = 0;

/**
 * A signed JSON POST, built with the relay's own Standard Webhooks module and the workspace's
 * real ingress secret. Signing happens here, before timing, so the load generator's clock
 * measures only the server; the timestamp is "now", so send within the tolerance.
 */
export async function signedPost(input: { path: string; body: string; secret: string }): Promise<PreparedRequest> {
  const webhook = await signedHeaders({
    id: `msg_bench_${process.pid}_${++messageCounter}`,
    timestampSeconds: Math.floor(Date.now() / 1000),
    body: input.body,
    secrets: [input.secret],
  });
  return {
    method: "POST",
    path: input.path,
    headers: { "content-type": "application/json", ...webhook },
    body: Buffer.from(input.body, "utf8"),
  };
}

/** Signs many bodies for one path (e.g. one run of a benchmark), in order. */
export function signedPosts(input: { path: string; bodies: readonly string[]; secret: string }): Promise<PreparedRequest[]> {
  return Promise.all(input.bodies.map((body) => signedPost({ path: input.path, body, secret: input.secret })));
}
