import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { EventVersionParam, MAX_INGEST_BODY_BYTES, ReadQuery } from "../contract/event";
import type { AppEnv } from "../http/app-env";
import { errorResponse, unwrap } from "../http/errors";
import { requireReadAccess } from "../http/read-access";
import { query, validate } from "../http/validate";
import { workspaceFromPath } from "../http/workspace-stub";
import { decodeIngestBody } from "../ingest/prepare";
import { readWebhookHeaders } from "../signing/standard-webhooks";

/** Contract §2 (signed ingest), §3 (reading the log) and §8 (event search, one event by version). */
export const eventRoutes = new Hono<AppEnv>()
  .post(
    "/v1/workspaces/:workspaceId/events",
    bodyLimit({
      maxSize: MAX_INGEST_BODY_BYTES,
      onError: (c) => errorResponse(c, "payload_too_large", `request body is larger than ${MAX_INGEST_BODY_BYTES} bytes`),
    }),
    async (c) => {
      const { stub } = workspaceFromPath(c);
      // The signature covers the raw bytes, so they go to the workspace beside the parsed body.
      const { signedBody, prepared } = decodeIngestBody(new Uint8Array(await c.req.arrayBuffer()));
      const { json } = unwrap(await stub.ingest(signedBody, readWebhookHeaders(c.req.raw.headers), prepared));
      return c.body(json, 200, { "content-type": "application/json" });
    },
  )
  .get("/v1/workspaces/:workspaceId/events", requireReadAccess, async (c) => {
    const { stub } = workspaceFromPath(c);
    const read = query(c, ReadQuery);
    const { json } = unwrap(await stub.read(read));
    return c.body(json, 200, { "content-type": "application/json" });
  })
  .get("/v1/workspaces/:workspaceId/events/:version", requireReadAccess, async (c) => {
    const { stub } = workspaceFromPath(c);
    const version = validate(EventVersionParam, c.req.param("version"), "version");
    const { json } = unwrap(await stub.readEvent(version));
    return c.body(json, 200, { "content-type": "application/json" });
  });
