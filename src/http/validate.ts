import type { Context } from "hono";
import type { z } from "zod";
import { toValidationIssues, unreadableBody } from "../contract/errors";
import { ApiError } from "./errors";

/** Validates a value against a schema, throwing the contract's `400 invalid_request`. */
export function validate<S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new ApiError("invalid_request", `${what} is invalid`, toValidationIssues(parsed.error));
  return parsed.data;
}

/** Reads a JSON body (an empty body counts as `{}`) and validates it. */
export async function jsonBody<S extends z.ZodType>(c: Context, schema: S): Promise<z.infer<S>> {
  const text = await c.req.text();
  let value: unknown = {};
  if (text.trim() !== "") {
    try {
      value = JSON.parse(text);
    } catch {
      throw ApiError.from(unreadableBody("body is not valid JSON"));
    }
  }
  return validate(schema, value, "body");
}

/** Validates the query string. */
export function query<S extends z.ZodType>(c: Context, schema: S): z.infer<S> {
  return validate(schema, c.req.query(), "query");
}
