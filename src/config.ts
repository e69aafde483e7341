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
