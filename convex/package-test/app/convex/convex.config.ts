import { defineApp } from "convex/server";
import federation from "@convex-edge-relay/federation/convex.config";

const app = defineApp();
app.use(federation);
export default app;
