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

/**
 * Validates the query string. A number parameter given with no value (`?limit=`, `?before=`)
 * counts as absent, so its default applies: coerced, the empty string would be the number 0,
 * which is a page of nothing, a cursor of the other order, or a limit below 1. The contract
 * writes calls that way (`dead-letters?subscriberId=&limit=`). Text parameters keep the empty
 * string, so `?entityId=` is still refused rather than read as "no filter".
 */
export function query<S extends z.ZodObject>(c: Context, schema: S): z.infer<S> {
  const numbers = numberFields(schema);
  const given = Object.entries(c.req.query()).filter(([name, value]) => !(value === "" && numbers.has(name)));
  return validate(schema, Object.fromEntries(given), "query");
}

const numberFieldsOf = new WeakMap<z.ZodObject, ReadonlySet<string>>();

/** The fields of a query schema that take numbers: "1" is valid for them and "x" is not. */
function numberFields(schema: z.ZodObject): ReadonlySet<string> {
  let fields = numberFieldsOf.get(schema);
  if (!fields) {
    const shape = schema.shape as Record<string, z.ZodType>;
    fields = new Set(Object.keys(shape).filter((name) => shape[name]!.safeParse("1").success && !shape[name]!.safeParse("x").success));
    numberFieldsOf.set(schema, fields);
  }
  return fields;
}
