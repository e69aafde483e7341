import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { MAX_INGEST_BODY_BYTES, ReadQuery } from "../contract/event";
import type { AppEnv } from "../http/app-env";
import { errorResponse, unwrap } from "../http/errors";
import { requireReadAccess } from "../http/read-access";
import { query } from "../http/validate";
import { workspaceFromPath } from "../http/workspace-stub";
import { readWebhookHeaders } from "../signing/standard-webhooks";

/** Contract §2 (signed ingest) and §3 (reading the log). */
export const eventRoutes = new Hono<AppEnv>()
  .post(
    "/v1/workspaces/:workspaceId/events",
    bodyLimit({
      maxSize: MAX_INGEST_BODY_BYTES,
      onError: (c) => errorResponse(c, "payload_too_large", `request body is larger than ${MAX_INGEST_BODY_BYTES} bytes`),
    }),
    async (c) => {
      const { stub } = workspaceFromPath(c);
      // The signature covers the raw bytes, so the body goes to the workspace unparsed.
      const rawBody = await c.req.text();
      const result = unwrap(await stub.ingest(rawBody, readWebhookHeaders(c.req.raw.headers)));
      return c.json(result.body);
    },
  )
  .get("/v1/workspaces/:workspaceId/events", requireReadAccess, async (c) => {
    const { stub } = workspaceFromPath(c);
    const read = query(c, ReadQuery);
    const { json } = unwrap(await stub.read(read));
    return c.body(json, 200, { "content-type": "application/json" });
  });
