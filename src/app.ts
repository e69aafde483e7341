import { Hono } from "hono";
import type { AppEnv } from "./http/app-env";
import { errorResponse, handleError } from "./http/errors";
import { consoleApp } from "./console/routes";
import { alertRoutes } from "./routes/alerts";
import { directoryRoutes } from "./routes/directory";
import { eventRoutes } from "./routes/events";
import { feedRoutes } from "./routes/feed";
import { healthRoutes } from "./routes/health";
import { keyRoutes } from "./routes/keys";
import { operatorViewRoutes } from "./routes/operator-views";
import { openApiRoutes } from "./routes/openapi";
import { subscriberRoutes } from "./routes/subscribers";
import { workspaceRoutes } from "./routes/workspaces";

/** The relay's HTTP API. Every error leaves in the contract's shape. */
export const app = new Hono<AppEnv>()
  .route("/", healthRoutes)
  .route("/", openApiRoutes)
  .route("/", directoryRoutes)
  .route("/", workspaceRoutes)
  .route("/", eventRoutes)
  .route("/", subscriberRoutes)
  .route("/", keyRoutes)
  .route("/", alertRoutes)
  .route("/", feedRoutes)
  .route("/", operatorViewRoutes)
  .notFound((c) => errorResponse(c, "not_found", `no route for ${c.req.method} ${new URL(c.req.url).pathname}`))
  .onError(handleError);

// The operator console (HTML, behind its own session), calling this API in process.
app.mount("/console", consoleApp((request, env, ctx) => app.fetch(request, env, ctx)).fetch);
