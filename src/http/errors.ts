import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { ERROR_STATUS, type ErrorBody, type ErrorCode, type Failure, type ValidationIssue } from "../contract/errors";

/** An error with a contract code, thrown by routes and turned into the contract's shape. */
export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly issues?: ValidationIssue[],
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }

  static from(failure: Failure): ApiError {
    return new ApiError(failure.code, failure.message, failure.issues, failure.retryAfterSeconds);
  }
}

export function errorResponse(
  c: Context,
  code: ErrorCode,
  message: string,
  issues?: ValidationIssue[],
  retryAfterSeconds?: number,
): Response {
  const body: ErrorBody = { error: issues ? { code, message, issues } : { code, message } };
  const headers = retryAfterSeconds === undefined ? undefined : { "retry-after": String(Math.ceil(retryAfterSeconds)) };
  return c.json(body, ERROR_STATUS[code] as ContentfulStatusCode, headers);
}

/** Signing secrets (`whsec_…`) and read keys (`rk_…`) as they appear in text. */
const SECRET_SHAPED = /\b(whsec_|rk_)[A-Za-z0-9+/=_.-]+/g;

export function redactSecrets(text: string): string {
  return text.replace(SECRET_SHAPED, "$1[redacted]");
}

/** How long a caller is asked to wait when the workspace's Durable Object is overloaded. */
const OVERLOADED_RETRY_AFTER_SECONDS = 1;

/**
 * Errors the Durable Object runtime raises about the object rather than about the request:
 * `.overloaded` (too many requests queued; the runtime says not to retry at once) and
 * `.retryable` infrastructure errors that outlived the runtime's own retries. Neither is a bug
 * of the relay, and both clear on their own, so the caller gets `503` with `Retry-After`. Ingest
 * is idempotent by event id, so a sender that retries loses and doubles nothing.
 */
function isTransientDurableObjectError(err: Error): boolean {
  const flags = err as Error & { overloaded?: boolean; retryable?: boolean; remote?: boolean };
  return flags.overloaded === true || (flags.retryable === true && flags.remote !== true);
}

/** Maps anything thrown in a route to the contract's error shape; real bugs become `500 internal`. */
export function handleError(err: Error, c: Context): Response {
  if (err instanceof ApiError) return errorResponse(c, err.code, err.message, err.issues, err.retryAfterSeconds);
  if (isTransientDurableObjectError(err)) {
    return errorResponse(c, "overloaded", "the workspace is overloaded; retry later", undefined, OVERLOADED_RETRY_AFTER_SECONDS);
  }
  if (err instanceof HTTPException) {
    if (err.status === 413) return errorResponse(c, "payload_too_large", "request body is larger than allowed");
    if (err.status === 400) return errorResponse(c, "invalid_request", err.message || "bad request");
  }
  // Log the message and stack for operators; the response carries neither. A bug's message
  // can quote any value it touched, so anything shaped like a secret is masked first.
  console.error("internal error", redactSecrets(err.stack ?? err.message));
  return errorResponse(c, "internal", "internal error");
}

/** Unwraps a Durable Object result, throwing its failure as an ApiError. */
export function unwrap<R extends { ok: boolean }>(result: R): Extract<R, { ok: true }> {
  if (!result.ok) throw ApiError.from(result as unknown as Failure);
  return result as Extract<R, { ok: true }>;
}
