/**
 * When to try a failed batch again (contract §5). The default schedule runs 5 s … 12 h, then
 * every 12 h, until the batch has been failing for 72 h. `RELAY_RETRY_SCHEDULE` replaces the
 * list, and like the default its last delay repeats: only the max age
 * (`RELAY_RETRY_MAX_AGE_SECONDS`) ends the retries, so a short list never turns a receiver's
 * brief outage into a dead letter.
 */
const DEFAULT_SCHEDULE_SECONDS = [5, 30, 120, 600, 1800, 3600, 7200, 14400, 28800, 43200];
const DEFAULT_MAX_AGE_SECONDS = 72 * 3600;
const JITTER = 0.2;
export const MAX_RETRY_AFTER_SECONDS = 3600;

/** `schedule` is never empty; its last delay repeats until `maxAgeSeconds`. */
export type RetryPolicy = { schedule: number[]; maxAgeSeconds: number };

export function retryPolicy(env: Pick<Env, "RELAY_RETRY_SCHEDULE" | "RELAY_RETRY_MAX_AGE_SECONDS">): RetryPolicy {
  const override = (env.RELAY_RETRY_SCHEDULE ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "")
    .map(Number);
  const overrideValid = override.length > 0 && override.every((n) => Number.isFinite(n) && n >= 0);
  const maxAge = Number(env.RELAY_RETRY_MAX_AGE_SECONDS);
  return {
    schedule: overrideValid ? override : DEFAULT_SCHEDULE_SECONDS,
    maxAgeSeconds: env.RELAY_RETRY_MAX_AGE_SECONDS && maxAge > 0 ? maxAge : DEFAULT_MAX_AGE_SECONDS,
  };
}

/**
 * The delay before retry number `failures` (1 = the first retry), or undefined when the batch
 * is exhausted. `random` is injectable so jitter can be checked.
 */
export function nextRetryDelaySeconds(input: {
  policy: RetryPolicy;
  failures: number;
  failingForSeconds: number;
  retryAfterSeconds: number | null;
  random?: () => number;
}): number | undefined {
  const { policy } = input;
  const planned = policy.schedule[Math.min(input.failures, policy.schedule.length) - 1]!;
  const jitter = 1 + (((input.random ?? Math.random)() * 2 - 1) * JITTER);
  let delay = planned * jitter;
  if (input.retryAfterSeconds !== null) {
    delay = Math.max(delay, Math.min(input.retryAfterSeconds, MAX_RETRY_AFTER_SECONDS));
  }
  if (input.failingForSeconds + delay > policy.maxAgeSeconds) return undefined;
  return delay;
}
