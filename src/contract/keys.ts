import { z } from "zod";
import { WorkspaceId } from "./ids";

/** Contract §6: read keys. They authorise the read API and the feed of one workspace, nothing else. */

export const READ_KEY_PREFIX = "rk_";
/** Random bytes in a key's secret part: as many as a signing secret carries. */
export const READ_KEY_SECRET_BYTES = 32;
/** Active keys one workspace may hold; keys are for a handful of replicas, not per end user. */
export const MAX_READ_KEYS = 100;

export const ReadKeyScope = z.enum(["read"]);
export type ReadKeyScope = z.infer<typeof ReadKeyScope>;

export const ReadKeyId = z.string().regex(/^key_[0-9a-f]{16}$/, "must be a read key id (key_ and 16 hex digits)");

export const CreateReadKeyBody = z
  .object({
    name: z.string().trim().min(1).max(128),
    // Repeats carry no meaning; keep each scope once so listings stay tidy.
    scopes: z
      .array(ReadKeyScope)
      .min(1)
      .max(8)
      .transform((scopes) => [...new Set(scopes)]),
  })
  .strict();
export type CreateReadKeyBody = z.infer<typeof CreateReadKeyBody>;

/** A key as listed: never its secret. */
export const ReadKeyInfo = z.object({
  id: ReadKeyId,
  name: z.string(),
  scopes: z.array(ReadKeyScope),
  createdAt: z.number().int(),
});
export type ReadKeyInfo = z.infer<typeof ReadKeyInfo>;

/** The one response that shows the key itself. */
export const ReadKeyCreated = ReadKeyInfo.extend({ key: z.string().startsWith(READ_KEY_PREFIX) });
export type ReadKeyCreated = z.infer<typeof ReadKeyCreated>;

export const ReadKeyList = z.object({ keys: z.array(ReadKeyInfo) });
export type ReadKeyList = z.infer<typeof ReadKeyList>;

/**
 * A key reads `rk_<workspaceId>.<43 base64url characters>`. The workspace part is a routing
 * hint, not a credential: it lets the relay tell "a valid key of another workspace" (403) from
 * "no valid key at all" (401) by asking that workspace, without a global key index.
 */
const KEY_PATTERN = /^rk_([A-Za-z0-9][A-Za-z0-9_-]{0,63})\.([A-Za-z0-9_-]{43})$/;

export function formatReadKey(workspaceId: WorkspaceId, secret: string): string {
  return `${READ_KEY_PREFIX}${workspaceId}.${secret}`;
}

/** The workspace a well-formed key names, or undefined for anything that is not a read key. */
export function readKeyWorkspace(key: string): WorkspaceId | undefined {
  return KEY_PATTERN.exec(key)?.[1];
}
