import { Hono, type Context } from "hono";
import { PutAlertBody } from "../contract/alerts";
import { AlertId } from "../contract/ids";
import { destinationProblem } from "../delivery/destination";
import { requireAdmin } from "../http/admin-auth";
import type { AppEnv } from "../http/app-env";
import { ApiError, unwrap } from "../http/errors";
import { jsonBody, validate } from "../http/validate";
import { workspaceFromPath } from "../http/workspace-stub";

const ALERT = "/v1/workspaces/:workspaceId/alerts/:alertId";

function alertFromPath(c: Context<AppEnv>) {
  return { ...workspaceFromPath(c), alertId: validate(AlertId, c.req.param("alertId"), "alertId") };
}

/** Contract §9: alert destinations (admin). The secret is shown once, in the create response. */
export const alertRoutes = new Hono<AppEnv>()
  .use("/v1/workspaces/:workspaceId/alerts", requireAdmin)
  .use("/v1/workspaces/:workspaceId/alerts/*", requireAdmin)
  .put(ALERT, async (c) => {
    const { stub, alertId } = alertFromPath(c);
    const body = await jsonBody(c, PutAlertBody);
    // The same URL rules as for subscribers: an alert is a webhook.
    const problem = destinationProblem("webhook", body.url, c.env.RELAY_ALLOW_INSECURE_DESTINATIONS === "true");
    if (problem) throw new ApiError("invalid_request", "body is invalid", [{ path: "url", message: problem }]);
    const result = unwrap(await stub.putAlert(alertId, body));
    return c.json(result.body, result.created ? 201 : 200);
  })
  .get("/v1/workspaces/:workspaceId/alerts", async (c) => {
    const { stub } = workspaceFromPath(c);
    return c.json(unwrap(await stub.listAlerts()).body);
  })
  .delete(ALERT, async (c) => {
    const { stub, alertId } = alertFromPath(c);
    unwrap(await stub.deleteAlert(alertId));
    return c.body(null, 204);
  });
