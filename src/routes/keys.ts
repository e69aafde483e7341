import { Hono } from "hono";
import { CreateReadKeyBody } from "../contract/keys";
import { requireAdmin } from "../http/admin-auth";
import type { AppEnv } from "../http/app-env";
import { unwrap } from "../http/errors";
import { jsonBody } from "../http/validate";
import { workspaceFromPath } from "../http/workspace-stub";

/** Contract §6: read keys (admin). The key itself is shown once, in the create response. */
export const keyRoutes = new Hono<AppEnv>()
  .post("/v1/workspaces/:workspaceId/keys", requireAdmin, async (c) => {
    const { stub } = workspaceFromPath(c);
    const body = await jsonBody(c, CreateReadKeyBody);
    return c.json(unwrap(await stub.createReadKey(body)).body, 201);
  })
  .get("/v1/workspaces/:workspaceId/keys", requireAdmin, async (c) => {
    const { stub } = workspaceFromPath(c);
    return c.json(unwrap(await stub.listReadKeys()).body);
  })
  .delete("/v1/workspaces/:workspaceId/keys/:keyId", requireAdmin, async (c) => {
    const { stub } = workspaceFromPath(c);
    unwrap(await stub.revokeReadKey(c.req.param("keyId")));
    return c.body(null, 204);
  });
