import { ATTEMPT_RESPONSE_BODY_BYTES } from "../contract/attempts";
import type { DeliveryOutcome, DeliveryRequest } from "../contract/delivery-messages";
import { readBodyPrefix } from "./response-body";
import { parseRetryAfter } from "../contract/retry-after";

export const DELIVERY_TIMEOUT_MS = 15_000;
/** Enough of a failing receiver's answer to tell an operator what went wrong in the status. */
const ERROR_SNIPPET_CHARS = 200;

/**
 * Sends one delivery attempt and reports what happened. Never throws: every failure is an
 * outcome. Redirects are not followed (a 3xx is a failure), and the attempt gives up after
 * 15 s, reading the answer included. At most 1 KiB of the answer is read, for the attempt log.
 */
export async function performDelivery(request: DeliveryRequest): Promise<DeliveryOutcome> {
  const startedAt = Date.now();
  try {
    const response = await fetch(request.url, {
      method: "POST",
      headers: request.headers,
      body: request.body,
      redirect: "manual",
      signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
    });
    const at = Date.now();
    const responseBody = await readBodyPrefix(response, ATTEMPT_RESPONSE_BODY_BYTES).catch(() => "");
    if (response.status >= 200 && response.status < 300) {
      return { kind: "success", status: response.status, retryAfterSeconds: null, message: "ok", startedAt, at, responseBody };
    }
    const retryAfter =
      response.status === 429 || response.status === 503
        ? parseRetryAfter(response.headers.get("retry-after"), at)
        : null;
    const snippet = responseBody.slice(0, ERROR_SNIPPET_CHARS).trim();
    return {
      kind: "failure",
      status: response.status,
      retryAfterSeconds: retryAfter,
      message: `HTTP ${response.status}${snippet ? `: ${snippet}` : ""}`,
      startedAt,
      at,
      responseBody,
    };
  } catch (err) {
    const timedOut = err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError");
    return {
      kind: timedOut ? "timeout" : "network_error",
      status: null,
      retryAfterSeconds: null,
      message: timedOut ? `timed out after ${DELIVERY_TIMEOUT_MS / 1000} s` : `network error: ${errorMessage(err)}`,
      startedAt,
      at: Date.now(),
      responseBody: null,
    };
  }
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
