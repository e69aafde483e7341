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
  ) {
    super(message);
  }

  static from(failure: Failure): ApiError {
    return new ApiError(failure.code, failure.message, failure.issues);
  }
}

export function errorResponse(c: Context, code: ErrorCode, message: string, issues?: ValidationIssue[]): Response {
  const body: ErrorBody = { error: issues ? { code, message, issues } : { code, message } };
  return c.json(body, ERROR_STATUS[code] as ContentfulStatusCode);
}

/** Maps anything thrown in a route to the contract's error shape; real bugs become `500 internal`. */
export function handleError(err: Error, c: Context): Response {
  if (err instanceof ApiError) return errorResponse(c, err.code, err.message, err.issues);
  if (err instanceof HTTPException) {
    if (err.status === 413) return errorResponse(c, "payload_too_large", "request body is larger than allowed");
    if (err.status === 400) return errorResponse(c, "invalid_request", err.message || "bad request");
  }
  // Log the message and stack for operators; the response carries neither.
  console.error("internal error", err.stack ?? err.message);
  return errorResponse(c, "internal", "internal error");
}

/** Unwraps a Durable Object result, throwing its failure as an ApiError. */
export function unwrap<R extends { ok: boolean }>(result: R): Extract<R, { ok: true }> {
  if (!result.ok) throw ApiError.from(result as unknown as Failure);
  return result as Extract<R, { ok: true }>;
}
