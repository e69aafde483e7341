import type { GenericActionCtx, GenericDataModel } from "convex/server";
import { readEnv } from "../shared/env";
import { parseSecretList, toWebhookSecret } from "../shared/secrets";
import type { ComponentApi } from "./types";

/** The seed's shared secret, still honoured for direct peers that sign with it. */
export const SEED_SECRET_ENV_VAR = "FEDERATION_SECRET";

/**
 * Every secret a delivery may be signed with: those stored on connections, those in the app
 * env vars connections name, and `FEDERATION_SECRET`. Read here, in the app's HTTP action,
 * because the app (unlike the component) can read all of its env vars.
 */
export async function verificationSecrets(
  ctx: Pick<GenericActionCtx<GenericDataModel>, "runQuery">,
  component: ComponentApi,
): Promise<string[]> {
  const { secrets, envVars } = await ctx.runQuery(component.connections.verificationSecrets, {});
  const all = new Set(secrets.map(toWebhookSecret));
  for (const name of [...envVars, SEED_SECRET_ENV_VAR]) {
    for (const secret of parseSecretList(readEnv(name))) all.add(secret);
  }
  return [...all];
}
