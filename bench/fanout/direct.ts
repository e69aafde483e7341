import type { EventEnvelope } from "../../src/contract/event.ts";
import { generateSecret } from "../../src/signing/standard-webhooks.ts";
import type { PreparedRequest } from "../lib/load.ts";
import { signedPost } from "../lib/signed-request.ts";

/** Where the direct POSTs go on every receiver, apart from the relay's deliveries. */
export const DIRECT_PATH = "/direct";

/**
 * What the client would send if it called a receiver itself instead of going through the
 * relay: a delivery-shaped body (contract §5) carrying the same events as stored events,
 * signed with Standard Webhooks, so both paths move the same bytes. Signed before timing, as
 * the relay path's ingest requests are.
 */
export function directPost(input: {
  workspaceId: string;
  prevVersion: number;
  events: readonly EventEnvelope[];
  secret: string;
}): Promise<PreparedRequest> {
  const receivedAt = Date.now();
  const events = input.events.map((event, i) => ({
    workspaceId: input.workspaceId,
    version: input.prevVersion + i + 1,
    receivedAt,
    ...event,
  }));
  const body = JSON.stringify({ workspaceId: input.workspaceId, subscriberId: "direct", prevVersion: input.prevVersion, events });
  return signedPost({ path: DIRECT_PATH, body, secret: input.secret });
}

/** A secret per receiver, as a client calling several webhooks itself would hold. */
export function receiverSecrets(count: number): string[] {
  return Array.from({ length: count }, () => generateSecret());
}
