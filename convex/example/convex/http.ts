import { httpRouter } from "convex/server";
// In an app: import { … } from "@convex-edge-relay/federation";
import { makeFederationHealthHandler, makeFederationHttpHandler } from "../../client";
import { internal } from "./_generated/api";
import { httpAction } from "./_generated/server";
import { components } from "./components";

const http = httpRouter();

http.route({
  path: "/federation/receive",
  method: "POST",
  handler: httpAction(
    makeFederationHttpHandler(components.federation, internal.federationHandler.applyFederatedData, "example-app"),
  ),
});

http.route({
  path: "/federation/health",
  method: "GET",
  handler: httpAction(makeFederationHealthHandler("example-app")),
});

export default http;
