import type { MiddlewareHandler } from "hono";
import { timingSafeEqual } from "hono/utils/buffer";
import { ApiError } from "./errors";
import type { AppEnv } from "./app-env";

/** The bearer token of a request, if it sent one. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = header?.match(/^Bearer\s+(\S+)\s*$/i);
  return match?.[1];
}

/** True when the request carries the admin token. Compared in constant time. */
export async function isAdmin(token: string | undefined, adminToken: string | undefined): Promise<boolean> {
  // With no token configured, nobody is admin: an unset secret must not open the API.
  if (!token || !adminToken) return false;
  return timingSafeEqual(token, adminToken);
}

/** Admin routes: `Authorization: Bearer <RELAY_ADMIN_TOKEN>`, else `401 unauthorized`. */
export const requireAdmin: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (!(await isAdmin(bearerToken(c.req.header("authorization")), c.env.RELAY_ADMIN_TOKEN))) {
    throw new ApiError("unauthorized", "missing or wrong admin token");
  }
  await next();
};
