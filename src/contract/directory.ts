import { z } from "zod";
import { WorkspaceId } from "./ids";

/** Contract §8: the workspace directory, `GET /v1/workspaces`. */
export const MAX_DIRECTORY_LIMIT = 1000;

export const DirectoryQuery = z.object({
  limit: z.coerce.number().int().min(1).max(MAX_DIRECTORY_LIMIT).default(100),
  /** Opaque to clients: the `nextCursor` of the previous page (the last workspaceId it listed). */
  cursor: WorkspaceId.optional().describe("the nextCursor of the previous page"),
});
export type DirectoryQuery = z.infer<typeof DirectoryQuery>;

export const DirectoryEntry = z.object({
  workspaceId: WorkspaceId,
  createdAt: z.number().int(),
  head: z.number().int().min(0),
  subscriberCount: z.number().int().min(0),
});
export type DirectoryEntry = z.infer<typeof DirectoryEntry>;

export const DirectoryPage = z.object({
  workspaces: z.array(DirectoryEntry),
  nextCursor: z.string().nullable(),
});
export type DirectoryPage = z.infer<typeof DirectoryPage>;
