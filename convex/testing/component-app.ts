/// <reference types="vite/client" />
import { convexTest } from "convex-test";
import { api } from "../component/_generated/api";
import schema from "../component/schema";
import { INGRESS_SECRET } from "./fixtures";

const modules = import.meta.glob(["../component/**/*.ts", "!../component/**/*.test.ts"]);

/**
 * The component on its own, as the root of a convex-test instance, so tests can call its
 * internal functions and read its tables (including `_scheduled_functions`) directly.
 */
export function makeComponentApp() {
  return convexTest(schema, modules);
}

/** The component as a deployment `app-a` sees it: `User` registered, one relay connection. */
export async function setupComponentApp() {
  const t = makeComponentApp();
  await t.mutation(api.settings.configure, { origin: "app-a" });
  await t.mutation(api.entities.register, { name: "User", table: "users", strategy: "bidirectional" });
  await t.mutation(api.connections.add, { projectId: "relay", url: "https://relay.example.com", workspace: "ws", secret: INGRESS_SECRET });
  return t;
}
