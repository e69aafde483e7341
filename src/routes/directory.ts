import { Hono } from "hono";
import { DirectoryQuery, type DirectoryEntry, type DirectoryPage } from "../contract/directory";
import { directoryStub } from "../directory/registry";
import { requireAdmin } from "../http/admin-auth";
import type { AppEnv } from "../http/app-env";
import { query } from "../http/validate";

/** Workspaces asked for their head and subscriber count at once, per listing. */
const SUMMARY_CONCURRENCY = 50;

/**
 * Contract §8: the workspace directory. The directory object knows which workspaces exist
 * and their order; `head` and `subscriberCount` come from each listed workspace at read time,
 * so they are current without the ingest path ever writing to the one directory object.
 */
export const directoryRoutes = new Hono<AppEnv>().get("/v1/workspaces", requireAdmin, async (c) => {
  const { limit, cursor } = query(c, DirectoryQuery);
  const listing = await directoryStub(c.env).list(cursor, limit);
  const summaries = await mapConcurrently(listing.entries, SUMMARY_CONCURRENCY, async (entry) => {
    const info = await c.env.WORKSPACE.get(c.env.WORKSPACE.idFromName(entry.workspaceId)).info();
    // Not found: a DELETE that has not answered yet removed it after the directory listed it.
    if (!info.ok) return undefined;
    return { workspaceId: entry.workspaceId, createdAt: entry.createdAt, head: info.body.head, subscriberCount: info.body.subscriberCount };
  });
  const body: DirectoryPage = {
    workspaces: summaries.filter((entry): entry is DirectoryEntry => entry !== undefined),
    nextCursor: listing.nextCursor,
  };
  return c.json(body);
});

/** `map` with at most `concurrency` calls in flight, results in input order. */
async function mapConcurrently<T, R>(items: readonly T[], concurrency: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}
