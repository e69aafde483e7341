import { Hono } from "hono";
import { SubscriberId } from "../contract/ids";
import { AttemptQuery } from "../contract/attempts";
import { StatsQuery } from "../contract/stats";
import { requireAdmin } from "../http/admin-auth";
import type { AppEnv } from "../http/app-env";
import { unwrap } from "../http/errors";
import { query, validate } from "../http/validate";
import { workspaceFromPath } from "../http/workspace-stub";

/** Contract §8: a subscriber's delivery attempts and a workspace's stats (admin). */
export const operatorViewRoutes = new Hono<AppEnv>()
  .use("/v1/workspaces/:workspaceId/subscribers/:subscriberId/attempts", requireAdmin)
  .use("/v1/workspaces/:workspaceId/stats", requireAdmin)
  .get("/v1/workspaces/:workspaceId/subscribers/:subscriberId/attempts", async (c) => {
    const { stub } = workspaceFromPath(c);
    const subscriberId = validate(SubscriberId, c.req.param("subscriberId"), "subscriberId");
    return c.json(unwrap(await stub.listAttempts(subscriberId, query(c, AttemptQuery))).body);
  })
  .get("/v1/workspaces/:workspaceId/stats", async (c) => {
    const { stub } = workspaceFromPath(c);
    return c.json(unwrap(await stub.workspaceStats(query(c, StatsQuery).window)).body);
  });
