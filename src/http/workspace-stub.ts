import type { Context } from "hono";
import { WorkspaceId } from "../contract/ids";
import type { AppEnv } from "./app-env";
import { validate } from "./validate";

/** The workspace named in the path, validated, and the stub of its Durable Object. */
export function workspaceFromPath(c: Context<AppEnv>) {
  const workspaceId = validate(WorkspaceId, c.req.param("workspaceId"), "workspaceId");
  const stub = c.env.WORKSPACE.get(c.env.WORKSPACE.idFromName(workspaceId));
  return { workspaceId, stub };
}
