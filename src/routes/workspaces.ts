import { Hono } from "hono";
import { PutWorkspaceBody, RotateSecretBody } from "../contract/workspace";
import { requireAdmin } from "../http/admin-auth";
import type { AppEnv } from "../http/app-env";
import { ApiError, unwrap } from "../http/errors";
import { jsonBody } from "../http/validate";
import { workspaceFromPath } from "../http/workspace-stub";
import { maxRetentionDays } from "../config";
import { openDirectoryIntent } from "../directory/registry";

/** Contract §1: workspaces (admin). */
export const workspaceRoutes = new Hono<AppEnv>()
  .use("/v1/workspaces/:workspaceId", requireAdmin)
  .use("/v1/workspaces/:workspaceId/ingress-secrets/*", requireAdmin)
  .put("/v1/workspaces/:workspaceId", async (c) => {
    const { workspaceId, stub } = workspaceFromPath(c);
    const body = await jsonBody(c, PutWorkspaceBody);
    const max = maxRetentionDays(c.env);
    if (body.retentionDays !== undefined && body.retentionDays > max) {
      throw new ApiError("invalid_request", "body is invalid", [
        { path: "retentionDays", message: `must be at most ${max} (RELAY_MAX_RETENTION_DAYS)` },
      ]);
    }
    const intent = await openDirectoryIntent(c.env, workspaceId);
    const result = unwrap(await stub.put(workspaceId, body));
    await intent.settle({ exists: true, createdAt: result.body.createdAt });
    return c.json(result.body, result.created ? 201 : 200);
  })
  .get("/v1/workspaces/:workspaceId", async (c) => {
    const { stub } = workspaceFromPath(c);
    return c.json(unwrap(await stub.info()).body);
  })
  .delete("/v1/workspaces/:workspaceId", async (c) => {
    const { workspaceId, stub } = workspaceFromPath(c);
    const intent = await openDirectoryIntent(c.env, workspaceId);
    const destroyed = await stub.destroy();
    // Found or not, the workspace does not exist once destroy() has answered.
    await intent.settle({ exists: false });
    unwrap(destroyed);
    return c.body(null, 204);
  })
  .post("/v1/workspaces/:workspaceId/ingress-secrets/rotate", async (c) => {
    const { stub } = workspaceFromPath(c);
    const body = await jsonBody(c, RotateSecretBody);
    return c.json(unwrap(await stub.rotateIngressSecret(body.graceSeconds)).body);
  });
