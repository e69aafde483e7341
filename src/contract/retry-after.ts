/**
 * `Retry-After` as seconds: either delta-seconds or an HTTP date (RFC 9110 §10.2.3). Read by
 * delivery (a receiver's 429/503) and by the relay's own clients (the relay's 429 rate_limited
 * and 503 overloaded, contract §9), so both wait the same way.
 */
export function parseRetryAfter(value: string | null, now: number): number | null {
  if (!value) return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, (at - now) / 1000);
}
