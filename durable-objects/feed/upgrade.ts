import { ConsumerName } from "../../src/contract/feed";
import { ReadKeyId } from "../../src/contract/keys";

/**
 * The Worker → Durable Object request that opens a feed socket. RPC cannot carry a WebSocket,
 * so the Worker forwards the upgrade with `stub.fetch`. The Worker has already authenticated
 * the caller; the request carries only what the DO needs, never the credential itself.
 */
export type FeedUpgrade = {
  after: number | undefined;
  consumer: string | undefined;
  /** The read key the socket was opened with, so revoking the key closes the socket. */
  keyId: string | undefined;
};

const FEED_PATH = "/feed";

export function feedUpgradeRequest(upgrade: FeedUpgrade): Request {
  const url = new URL(`https://workspace.internal${FEED_PATH}`);
  if (upgrade.after !== undefined) url.searchParams.set("after", String(upgrade.after));
  if (upgrade.consumer !== undefined) url.searchParams.set("consumer", upgrade.consumer);
  if (upgrade.keyId !== undefined) url.searchParams.set("keyId", upgrade.keyId);
  return new Request(url, { headers: { upgrade: "websocket" } });
}

/** The upgrade a forwarded request asks for, or undefined when it is not one. */
export function parseFeedUpgrade(request: Request): FeedUpgrade | undefined {
  const url = new URL(request.url);
  if (url.pathname !== FEED_PATH || request.headers.get("upgrade")?.toLowerCase() !== "websocket") return undefined;
  const after = url.searchParams.get("after");
  const consumer = url.searchParams.get("consumer");
  const keyId = url.searchParams.get("keyId");
  const afterNumber = after === null ? undefined : Number(after);
  if (afterNumber !== undefined && !(Number.isSafeInteger(afterNumber) && afterNumber >= 0)) return undefined;
  if (consumer !== null && !ConsumerName.safeParse(consumer).success) return undefined;
  if (keyId !== null && !ReadKeyId.safeParse(keyId).success) return undefined;
  return { after: afterNumber, consumer: consumer ?? undefined, keyId: keyId ?? undefined };
}
