import type { DeliveryOutcome, DeliveryRequest } from "../contract/delivery-messages";
import { parseRetryAfter } from "./retry-schedule";

export const DELIVERY_TIMEOUT_MS = 15_000;
/** Enough of a failing receiver's answer to tell an operator what went wrong. */
const ERROR_SNIPPET_CHARS = 200;

/**
 * Sends one delivery attempt and reports what happened. Never throws: every failure is an
 * outcome. Redirects are not followed (a 3xx is a failure), and the attempt gives up after
 * 15 s.
 */
export async function performDelivery(request: DeliveryRequest): Promise<DeliveryOutcome> {
  try {
    const response = await fetch(request.url, {
      method: "POST",
      headers: request.headers,
      body: request.body,
      redirect: "manual",
      signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
    });
    const at = Date.now();
    const text = await response.text().catch(() => "");
    if (response.status >= 200 && response.status < 300) {
      return { status: response.status, retryAfterSeconds: null, message: "ok", at };
    }
    const retryAfter =
      response.status === 429 || response.status === 503
        ? parseRetryAfter(response.headers.get("retry-after"), at)
        : null;
    const snippet = text.slice(0, ERROR_SNIPPET_CHARS).trim();
    return {
      status: response.status,
      retryAfterSeconds: retryAfter,
      message: `HTTP ${response.status}${snippet ? `: ${snippet}` : ""}`,
      at,
    };
  } catch (err) {
    const timedOut = err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError");
    return {
      status: null,
      retryAfterSeconds: null,
      message: timedOut ? `timed out after ${DELIVERY_TIMEOUT_MS / 1000} s` : `network error: ${errorMessage(err)}`,
      at: Date.now(),
    };
  }
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
