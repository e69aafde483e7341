import type { Context, MiddlewareHandler } from "hono";
import { readKeyWorkspace, type ReadKeyScope } from "../contract/keys";
import { bearerToken, isAdmin } from "./admin-auth";
import type { AppEnv } from "./app-env";
import { ApiError } from "./errors";
import { workspaceFromPath } from "./workspace-stub";

/** Who is reading: the operator, or the holder of one of the workspace's read keys. */
export type ReadAccess = { via: "admin" } | { via: "key"; keyId: string };

const REQUIRED_SCOPE: ReadKeyScope = "read";

/**
 * Authorises a read of the workspace in the path (contract §3 and §6): the admin token, or a
 * read key of this workspace holding the `read` scope.
 * - A call with a read key is a non-admin call, so an unknown workspace answers it first with
 *   `404 workspace_not_found` (contract §1), as ingest answers an unsigned request; ingest
 *   already tells anyone that, so this reveals nothing new. A call with no credential, or one
 *   that is not a read key, is a failed admin call: `401 unauthorized` (contract §0), and the
 *   workspace is not asked.
 * - `401 unauthorized`: no credential, or one that is neither the admin token nor a live key.
 * - `403 forbidden`: a live key of another workspace, or a key without the `read` scope.
 * `allowQueryToken` accepts a read key as `?token=` as well, for the feed only: browsers
 * cannot set headers on a WebSocket. The admin token is never taken from a URL.
 */
export async function authorizeRead(c: Context<AppEnv>, opts: { allowQueryToken: boolean }): Promise<ReadAccess> {
  const header = bearerToken(c.req.header("authorization"));
  if (await isAdmin(header, c.env.RELAY_ADMIN_TOKEN)) return { via: "admin" };
  const token = header ?? (opts.allowQueryToken ? c.req.query("token") : undefined);
  if (!token) throw new ApiError("unauthorized", "missing admin token or read key");
  const keyWorkspace = readKeyWorkspace(token);
  if (keyWorkspace === undefined) throw new ApiError("unauthorized", "wrong admin token or read key");
  const { workspaceId, stub } = workspaceFromPath(c);

  if (keyWorkspace === workspaceId) {
    // The workspace's own check answers 404 when it does not exist.
    const verified = await stub.verifyReadKey(token);
    if (!verified.ok) throw ApiError.from(verified);
    if (!verified.scopes.includes(REQUIRED_SCOPE)) {
      throw new ApiError("forbidden", `this read key lacks the "${REQUIRED_SCOPE}" scope`);
    }
    return { via: "key", keyId: verified.keyId };
  }

  const exists = await stub.info();
  if (!exists.ok) throw ApiError.from(exists);
  // Ask the workspace the key names, so that only a key that really works there earns a 403.
  const owner = c.env.WORKSPACE.get(c.env.WORKSPACE.idFromName(keyWorkspace));
  const elsewhere = await owner.verifyReadKey(token);
  if (elsewhere.ok) throw new ApiError("forbidden", "this read key belongs to another workspace");
  throw new ApiError("unauthorized", "unknown or revoked read key");
}

/** Middleware form of `authorizeRead` for the read API (header credentials only). */
export const requireReadAccess: MiddlewareHandler<AppEnv> = async (c, next) => {
  await authorizeRead(c, { allowQueryToken: false });
  await next();
};
