import { Hono, type Context } from "hono";
import { SubscriberId } from "../contract/ids";
import {
  DeadLetterQuery,
  PutSubscriberBody,
  ReplayBody,
  RotateSubscriberSecretBody,
} from "../contract/subscriber";
import { destinationProblem } from "../delivery/destination";
import { requireAdmin } from "../http/admin-auth";
import type { AppEnv } from "../http/app-env";
import { ApiError, unwrap } from "../http/errors";
import { jsonBody, query, validate } from "../http/validate";
import { workspaceFromPath } from "../http/workspace-stub";

const SUBSCRIBER = "/v1/workspaces/:workspaceId/subscribers/:subscriberId";

function subscriberFromPath(c: Context<AppEnv>) {
  return { ...workspaceFromPath(c), subscriberId: validate(SubscriberId, c.req.param("subscriberId"), "subscriberId") };
}

/** Contract §4: subscribers and dead letters (admin). */
export const subscriberRoutes = new Hono<AppEnv>()
  .use("/v1/workspaces/:workspaceId/subscribers", requireAdmin)
  .use("/v1/workspaces/:workspaceId/subscribers/*", requireAdmin)
  .use("/v1/workspaces/:workspaceId/dead-letters", requireAdmin)
  .use("/v1/workspaces/:workspaceId/dead-letters/*", requireAdmin)
  .put(SUBSCRIBER, async (c) => {
    const { stub, subscriberId } = subscriberFromPath(c);
    const body = await jsonBody(c, PutSubscriberBody);
    const problem = destinationProblem(body.kind, body.url, c.env.RELAY_ALLOW_INSECURE_DESTINATIONS === "true");
    if (problem) throw new ApiError("invalid_request", "body is invalid", [{ path: "url", message: problem }]);
    const result = unwrap(await stub.putSubscriber(subscriberId, body));
    return c.json(result.body, result.created ? 201 : 200);
  })
  .get("/v1/workspaces/:workspaceId/subscribers", async (c) => {
    const { stub } = workspaceFromPath(c);
    return c.json(unwrap(await stub.listSubscribers()).body);
  })
  .get(SUBSCRIBER, async (c) => {
    const { stub, subscriberId } = subscriberFromPath(c);
    return c.json(unwrap(await stub.getSubscriber(subscriberId)).body);
  })
  .delete(SUBSCRIBER, async (c) => {
    const { stub, subscriberId } = subscriberFromPath(c);
    unwrap(await stub.deleteSubscriber(subscriberId));
    return c.body(null, 204);
  })
  .post(`${SUBSCRIBER}/replay`, async (c) => {
    const { stub, subscriberId } = subscriberFromPath(c);
    const body = await jsonBody(c, ReplayBody);
    return c.json(unwrap(await stub.replaySubscriber(subscriberId, body.afterVersion)).body);
  })
  .post(`${SUBSCRIBER}/pause`, async (c) => {
    const { stub, subscriberId } = subscriberFromPath(c);
    return c.json(unwrap(await stub.pauseSubscriber(subscriberId)).body);
  })
  .post(`${SUBSCRIBER}/resume`, async (c) => {
    const { stub, subscriberId } = subscriberFromPath(c);
    return c.json(unwrap(await stub.resumeSubscriber(subscriberId)).body);
  })
  .post(`${SUBSCRIBER}/disable`, async (c) => {
    const { stub, subscriberId } = subscriberFromPath(c);
    return c.json(unwrap(await stub.disableSubscriber(subscriberId)).body);
  })
  .post(`${SUBSCRIBER}/enable`, async (c) => {
    const { stub, subscriberId } = subscriberFromPath(c);
    return c.json(unwrap(await stub.enableSubscriber(subscriberId)).body);
  })
  .post(`${SUBSCRIBER}/secret/rotate`, async (c) => {
    const { stub, subscriberId } = subscriberFromPath(c);
    const body = await jsonBody(c, RotateSubscriberSecretBody);
    return c.json(unwrap(await stub.rotateSubscriberSecret(subscriberId, body.graceSeconds)).body);
  })
  .get("/v1/workspaces/:workspaceId/dead-letters", async (c) => {
    const { stub } = workspaceFromPath(c);
    return c.json(unwrap(await stub.listDeadLetters(query(c, DeadLetterQuery))).body);
  })
  .post("/v1/workspaces/:workspaceId/dead-letters/:deadLetterId/redeliver", async (c) => {
    const { stub } = workspaceFromPath(c);
    const id = c.req.param("deadLetterId");
    unwrap(await stub.redeliverDeadLetter(id));
    return c.body(null, 202);
  });
