/**
 * The env vars declared in `convex.config.ts`: the only ones the component's own functions
 * (the dispatcher) can read on a deployment. Kept in step by a type test.
 */
export const COMPONENT_ENV_VARS = ["RELAY_INGRESS_SECRET", "FEDERATION_SECRET"] as const;
export type ComponentEnvVar = (typeof COMPONENT_ENV_VARS)[number];

export function isComponentEnvVar(name: string): name is ComponentEnvVar {
  return (COMPONENT_ENV_VARS as readonly string[]).includes(name);
}
