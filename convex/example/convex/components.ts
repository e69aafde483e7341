import { componentsGeneric } from "convex/server";
import type { ComponentApi } from "../../client";

/**
 * `components.federation`, as `npx convex dev` generates it into `_generated/api` for an app
 * that mounts the component. This example's `_generated` comes from the offline codegen
 * (`npm run codegen`: no deployment here), which leaves components out; this module stands
 * in for that one export. In your app, import `components` from "./_generated/api".
 */
export const components = componentsGeneric() as unknown as { federation: ComponentApi<"federation"> };
