import { Hono } from "hono";
import { FeedQuery } from "../contract/feed";
import type { AppEnv } from "../http/app-env";
import { ApiError } from "../http/errors";
import { authorizeRead } from "../http/read-access";
import { query } from "../http/validate";
import { workspaceFromPath } from "../http/workspace-stub";
import { feedUpgradeRequest } from "../../durable-objects/feed/upgrade";

/**
 * Contract §6: the live feed. The Worker authenticates and validates; the workspace's Durable
 * Object owns the socket (Hibernation API), so the upgrade is forwarded with `stub.fetch`.
 */
export const feedRoutes = new Hono<AppEnv>().get("/v1/workspaces/:workspaceId/feed", async (c) => {
  const access = await authorizeRead(c, { allowQueryToken: true });
  if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
    throw new ApiError("invalid_request", "the feed is a WebSocket: send Upgrade: websocket");
  }
  const params = query(c, FeedQuery);
  const { stub } = workspaceFromPath(c);
  return stub.fetch(
    feedUpgradeRequest({
      after: params.after,
      consumer: params.consumer,
      keyId: access.via === "key" ? access.keyId : undefined,
    }),
  );
});
