import { v } from "convex/values";
import type { Doc } from "./_generated/dataModel";
import { mutation, query, type QueryCtx } from "./_generated/server";
import { getByStringId } from "./lib/ids";
import { vEntity, vStrategy } from "./lib/validators";

const NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,127}$/;
const TABLE = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

export function describeEntity(entity: Doc<"entities">) {
  return {
    _id: entity._id as string,
    name: entity.name,
    table: entity.table,
    strategy: entity.strategy,
    enabled: entity.enabled,
    createdAt: entity.createdAt,
  };
}

export async function entityByName(ctx: QueryCtx, name: string) {
  return await ctx.db
    .query("entities")
    .withIndex("by_name", (q) => q.eq("name", name))
    .unique();
}

/** An entity by the `_id` `listEntities` returns, or by its name (both are accepted). */
async function findEntity(ctx: QueryCtx, idOrName: string) {
  return (await getByStringId(ctx, "entities", idOrName)) ?? (await entityByName(ctx, idOrName));
}

async function entityById(ctx: QueryCtx, idOrName: string) {
  const entity = await findEntity(ctx, idOrName);
  if (!entity) throw new Error(`no entity with id or name ${JSON.stringify(idOrName)}; listEntities gives both`);
  return entity;
}

/**
 * Registers an entity (the `entityKind` of its events) and the host table it lives in.
 * Registering a name again updates its table and strategy, so setup scripts can re-run.
 */
export const register = mutation({
  args: { name: v.string(), table: v.string(), strategy: vStrategy },
  returns: vEntity,
  handler: async (ctx, args) => {
    if (!NAME.test(args.name)) throw new Error(`entity name must match ${NAME}`);
    if (!TABLE.test(args.table)) throw new Error(`table must be a Convex table name (${TABLE})`);
    const existing = await entityByName(ctx, args.name);
    if (existing) {
      await ctx.db.patch("entities", existing._id, { table: args.table, strategy: args.strategy });
      return describeEntity({ ...existing, table: args.table, strategy: args.strategy });
    }
    const entity = { ...args, enabled: true, createdAt: Date.now() };
    const id = await ctx.db.insert("entities", entity);
    return describeEntity({ _id: id, _creationTime: 0, ...entity });
  },
});

export const list = query({
  args: {},
  returns: v.array(vEntity),
  handler: async (ctx) => (await ctx.db.query("entities").collect()).map(describeEntity),
});

/** `entityId` is the `_id` from `list`, or the entity's name. */
export const toggle = mutation({
  args: { entityId: v.string(), enabled: v.boolean() },
  returns: vEntity,
  handler: async (ctx, { entityId, enabled }) => {
    const entity = await entityById(ctx, entityId);
    await ctx.db.patch("entities", entity._id, { enabled });
    return describeEntity({ ...entity, enabled });
  },
});

/**
 * Stops federating an entity (`entityId`: its `_id` or its name). Its id map and tombstones stay, so registering it again later
 * resumes with the same stable ids and no deleted document comes back.
 */
export const remove = mutation({
  args: { entityId: v.string() },
  returns: v.object({ removed: v.boolean() }),
  handler: async (ctx, { entityId }) => {
    const entity = await findEntity(ctx, entityId);
    if (!entity) return { removed: false };
    await ctx.db.delete("entities", entity._id);
    return { removed: true };
  },
});
