/** Worker vars, parsed once each with their documented defaults. */

const DEFAULT_MAX_RETENTION_DAYS = 30;

function positiveInt(value: string | undefined, fallback: number): number {
  const parsed = Number(value);
  return value && Number.isInteger(parsed) && parsed > 0 ? parsed : fallback;
}

export function maxRetentionDays(env: Pick<Env, "RELAY_MAX_RETENTION_DAYS">): number {
  return positiveInt(env.RELAY_MAX_RETENTION_DAYS, DEFAULT_MAX_RETENTION_DAYS);
}
