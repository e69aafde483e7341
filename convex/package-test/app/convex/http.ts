import { makeFederationHealthHandler, makeFederationHttpHandler } from "@convex-edge-relay/federation";
import { httpRouter } from "convex/server";
import { internal } from "./_generated/api";
import { httpAction } from "./_generated/server";
import { components } from "./federationComponent";

const http = httpRouter();
http.route({
  path: "/federation/receive",
  method: "POST",
  handler: httpAction(makeFederationHttpHandler(components.federation, internal.federationHandler.applyFederatedData, "fresh-app")),
});
http.route({ path: "/federation/health", method: "GET", handler: httpAction(makeFederationHealthHandler("fresh-app")) });
export default http;
