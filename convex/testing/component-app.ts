/// <reference types="vite/client" />
import { convexTest } from "convex-test";
import schema from "../component/schema";

const modules = import.meta.glob(["../component/**/*.ts", "!../component/**/*.test.ts"]);

/**
 * The component on its own, as the root of a convex-test instance, so tests can call its
 * internal functions and read its tables (including `_scheduled_functions`) directly.
 */
export function makeComponentApp() {
  return convexTest(schema, modules);
}
