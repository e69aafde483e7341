import { defineApp } from "convex/server";
import { v } from "convex/values";
// In an app: import federation from "@convex-edge-relay/federation/convex.config";
import federation from "../../component/convex.config";

// The dispatcher runs inside the component, which reads only the env vars it is given here.
const app = defineApp({
  env: { RELAY_INGRESS_SECRET: v.optional(v.string()) },
});
app.use(federation, { env: { RELAY_INGRESS_SECRET: app.env.RELAY_INGRESS_SECRET } });

export default app;
