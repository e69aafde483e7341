/**
 * What an HTTP answer from a relay or a direct peer means for the events it refused.
 *
 * - **The connection, not the events** (no answer, a timeout, 5xx, 401, 403, 404, 408, 410,
 *   425, 429): the same batch is retried with backoff (or after `Retry-After`), and every
 *   later event waits behind it, so order holds and nothing is marked failed. A wrong or
 *   rotated secret (401, 403), a workspace not created yet (404) or an overloaded relay (429,
 *   503) is fixed on the other side, after which the queue drains.
 * - **This event, for good** (400, 413, 422): the receiver says what is wrong with the event
 *   itself (it breaks the contract, or is too large). The same bytes get the same answer, so
 *   retrying on a timer only adds load; the event is `failed` until someone fixes the cause
 *   and calls `retryEvent` (or `syncNow` sends the entity's state again).
 * - **This event, for now** (any other 4xx, such as 409 or 423): refused without a reason that
 *   holds for ever. The event is `failed`, and the cron puts it back every 5 minutes.
 *
 * A batch refused as an event refusal is resent one event at a time first, so that only the
 * refused event fails and the others go through.
 */
const CONNECTION_STATUSES = new Set([401, 403, 404, 408, 410, 425, 429]);
const PERMANENT_STATUSES = new Set([400, 413, 422]);

export type Refusal = "connection" | "permanent" | "transient";

/** How a non-2xx answer refuses; anything outside 4xx (3xx, 5xx) is the connection's. */
export function refusalOf(status: number): Refusal {
  if (status >= 400 && status < 500 && !CONNECTION_STATUSES.has(status)) {
    return PERMANENT_STATUSES.has(status) ? "permanent" : "transient";
  }
  return "connection";
}
