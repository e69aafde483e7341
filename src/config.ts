/** Worker vars, parsed once each with their documented defaults. */

const DEFAULT_MAX_RETENTION_DAYS = 30;
const DEFAULT_INGEST_REQUESTS_PER_MINUTE = 6000;

function positiveInt(value: string | undefined, fallback: number): number {
  const parsed = Number(value);
  return value && Number.isInteger(parsed) && parsed > 0 ? parsed : fallback;
}

export function maxRetentionDays(env: Pick<Env, "RELAY_MAX_RETENTION_DAYS">): number {
  return positiveInt(env.RELAY_MAX_RETENTION_DAYS, DEFAULT_MAX_RETENTION_DAYS);
}

/** Signed ingest requests a workspace accepts per minute (contract §9). */
export function ingestRequestsPerMinute(env: Pick<Env, "RELAY_INGEST_REQUESTS_PER_MINUTE">): number {
  return positiveInt(env.RELAY_INGEST_REQUESTS_PER_MINUTE, DEFAULT_INGEST_REQUESTS_PER_MINUTE);
}

/**
 * Bindings an operator may add to wrangler.toml; absent by default, so not in the generated
 * `Env`. `DELIVERY_ANALYTICS`: a Workers Analytics Engine dataset that gets one data point per
 * delivery attempt.
 */
type OptionalBindings = { DELIVERY_ANALYTICS?: AnalyticsEngineDataset };

export function deliveryAnalytics(env: Env): AnalyticsEngineDataset | undefined {
  return (env as Env & OptionalBindings).DELIVERY_ANALYTICS;
}
