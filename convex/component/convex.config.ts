import { defineComponent } from "convex/server";
import { v } from "convex/values";

/**
 * A component sees only the env vars it declares, bound by the app with
 * `app.use(federation, { env: { … } })`. These are the names a connection's `secretEnvVar`
 * may use for the secret the dispatcher signs with (`lib/env.ts` lists them for validation);
 * the receiver runs in the app and can read any of the app's own vars.
 */
const component = defineComponent("federation", {
  env: {
    RELAY_INGRESS_SECRET: v.optional(v.string()),
    FEDERATION_SECRET: v.optional(v.string()),
  },
});

export default component;
