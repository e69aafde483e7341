import type { TestConvex } from "convex-test";
import { componentsGeneric, type GenericSchema, type SchemaDefinition } from "convex/server";
import schema from "./component/schema";

const modules = import.meta.glob(["./component/**/*.ts", "!./component/**/*.test.ts"]);

/** Instances registered so far in this process, for distinct default origins. */
let registered = 0;

/** The `t` methods that run functions: each waits for the instance's origin to be set first. */
const ENTRY_POINTS = [
  "query",
  "mutation",
  "action",
  "run",
  "fetch",
  "finishInProgressScheduledFunctions",
  "finishAllScheduledFunctions",
] as const;
const DERIVED = ["withIdentity", "withRequestMetadata"] as const;

/**
 * Registers the component with a convex-test instance, for the app's tests:
 *
 * ```ts
 * import federationTest from "@convex-edge-relay/federation/test";
 * const t = convexTest(schema, modules);
 * federationTest.register(t);                       // origin "convex-test-1", then "-2"…
 * federationTest.register(t2, "federation", { origin: "app-b" });
 * ```
 *
 * Under convex-test every instance has the deployment name `"test"`, and the component's
 * default origin is the deployment name: several instances would all be `"test"` and drop
 * each other's events as their own echoes. So each registered instance gets its own origin,
 * `options.origin` or `convex-test-<n>`, set before the first function the test runs
 * (`configure({ origin })` later still overrides it).
 *
 * @param name - The name the app mounts it under (`app.use(federation)` names it "federation").
 */
export function register<Schema extends SchemaDefinition<GenericSchema, boolean>>(
  t: TestConvex<Schema>,
  name: string = "federation",
  options: { origin?: string } = {},
): void {
  t.registerComponent(name, schema, modules);
  const origin = options.origin ?? `convex-test-${++registered}`;
  const configure = (componentsGeneric() as Record<string, any>)[name].settings.configure;
  const runMutation = t.mutation.bind(t);
  let ready: Promise<unknown> | undefined;
  const originSet = () => (ready ??= runMutation(configure, { origin }));

  const withOrigin = (accessor: Record<string, unknown>) => {
    for (const method of ENTRY_POINTS) {
      const original = accessor[method] as ((...args: unknown[]) => Promise<unknown>) | undefined;
      if (typeof original !== "function") continue;
      accessor[method] = async (...args: unknown[]) => {
        await originSet();
        return await original.apply(accessor, args);
      };
    }
    for (const method of DERIVED) {
      const original = accessor[method] as ((...args: unknown[]) => Record<string, unknown>) | undefined;
      if (typeof original !== "function") continue;
      accessor[method] = (...args: unknown[]) => withOrigin(original.apply(accessor, args));
    }
    return accessor;
  };
  withOrigin(t as unknown as Record<string, unknown>);
}

export default { register, schema, modules };
