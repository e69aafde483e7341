import type { Doc, TableNames } from "../_generated/dataModel";
import type { QueryCtx } from "../_generated/server";

/** The document an app-supplied id string names in `table`, or null (ids cross to apps as strings). */
export async function getByStringId<Table extends TableNames>(
  ctx: QueryCtx,
  table: Table,
  id: string,
): Promise<Doc<Table> | null> {
  const normalized = ctx.db.normalizeId(table, id);
  return normalized === null ? null : await ctx.db.get(table, normalized);
}
