/// <reference types="vite/client" />
import type { TestConvex } from "convex-test";
import type { GenericSchema, SchemaDefinition } from "convex/server";
import schema from "./component/schema";

const modules = import.meta.glob(["./component/**/*.ts", "!./component/**/*.test.ts"]);

/**
 * Registers the component with a convex-test instance, for the app's tests:
 *
 * ```ts
 * import federationTest from "@convex-edge-relay/federation/test";
 * const t = convexTest(schema, modules);
 * federationTest.register(t);
 * ```
 *
 * @param name - The name the app mounts it under (`app.use(federation)` names it "federation").
 */
export function register<Schema extends SchemaDefinition<GenericSchema, boolean>>(
  t: TestConvex<Schema>,
  name: string = "federation",
): void {
  t.registerComponent(name, schema, modules);
}

export default { register, schema, modules };
