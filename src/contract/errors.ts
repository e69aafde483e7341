import { z } from "zod";

/** Every error code the relay answers with. One list, so routes and tests agree. */
export const ERROR_STATUS = {
  invalid_request: 400,
  unauthorized: 401,
  invalid_signature: 401,
  forbidden: 403,
  not_found: 404,
  workspace_not_found: 404,
  subscriber_not_found: 404,
  dead_letter_not_found: 404,
  key_not_found: 404,
  alert_not_found: 404,
  event_not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal: 500,
  overloaded: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export const ValidationIssue = z.object({ path: z.string(), message: z.string() });
export type ValidationIssue = z.infer<typeof ValidationIssue>;

export const ErrorBody = z.object({
  error: z.object({
    code: z.string().regex(/^[a-z][a-z0-9_]*$/),
    message: z.string(),
    issues: z.array(ValidationIssue).optional(),
  }),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

/**
 * A failure that crosses the Durable Object RPC boundary as plain data. Thrown errors lose
 * their class and fields over RPC, so the DO returns these and the Worker turns them into
 * responses.
 */
export type Failure = {
  ok: false;
  code: ErrorCode;
  message: string;
  issues?: ValidationIssue[];
  /** Sent as `Retry-After` (`429 rate_limited`, `503 overloaded`). */
  retryAfterSeconds?: number;
};
export type Result<T> = ({ ok: true } & T) | Failure;

export function failure(code: ErrorCode, message: string, issues?: ValidationIssue[]): Failure {
  return issues ? { ok: false, code, message, issues } : { ok: false, code, message };
}

/**
 * `400 invalid_request` for a body that cannot even be read as JSON (not UTF-8, a byte-order
 * mark, not JSON). It is a validation error of the whole body, so it carries `issues` like any
 * other (contract §0, and §2: "`400 invalid_request` carries `issues`"), with the root path "".
 */
export function unreadableBody(message: string): Failure {
  return failure("invalid_request", message, [{ path: "", message }]);
}

/** A failure the caller should retry after `retryAfterSeconds` (sent as `Retry-After`). */
export function retryLater(code: "rate_limited" | "overloaded", message: string, retryAfterSeconds: number): Failure {
  return { ok: false, code, message, retryAfterSeconds };
}

/** Flattens zod's issues into the contract's `{path, message}` list. */
export function toValidationIssues(error: z.ZodError): ValidationIssue[] {
  return error.issues.map((issue) => ({
    path: issue.path.map(String).join("."),
    message: issue.message,
  }));
}
