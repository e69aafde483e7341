import { componentsGeneric } from "convex/server";
import type { ComponentApi } from "@convex-edge-relay/federation/_generated/component";

// Offline codegen (`npx convex codegen --system-udfs --typecheck disable`) leaves
// `components` out of `_generated/api`; with a deployment, import it from there instead.
export const components = componentsGeneric() as unknown as { federation: ComponentApi<"federation"> };
