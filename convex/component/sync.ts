import { paginationOptsValidator } from "convex/server";
import { v, type Infer } from "convex/values";
import { query } from "./_generated/server";
import { entityByName } from "./entities";
import { mapByLocalId, tombstoneOf } from "./outbox";
import { resolveOrigin } from "./lib/settings";

/**
 * What `syncNow` resends, for the app-side wrapper that reads the app's tables (the component
 * cannot). The wrapper sends each document's current state as a fresh event through
 * `outbox.enqueue`, so writes that were skipped (the entity disabled, no connection yet) reach
 * the other deployments.
 */

const vKind = v.object({ name: v.string(), table: v.string() });

const vSyncPlan = v.object({
  kinds: v.array(vKind),
  entity: v.union(
    v.null(),
    v.object({
      entityName: v.string(),
      table: v.string(),
      entityId: v.string(),
      localId: v.string(),
      /** Whether this deployment has sent or applied a write of it (it is in the id map). */
      mapped: v.boolean(),
      deleted: v.boolean(),
    }),
  ),
});

const vKnownPage = v.object({
  page: v.array(v.object({ entityId: v.string(), localId: v.union(v.string(), v.null()) })),
  continueCursor: v.string(),
  isDone: v.boolean(),
});

/**
 * The entity kinds to resend (registered, enabled and sending), and, when `entityId` is given,
 * the local document it names. `entityId` may be this deployment's local id or the global
 * `origin:localId` id events carry.
 */
export const plan = query({
  args: { entityName: v.optional(v.string()), entityId: v.optional(v.string()) },
  returns: vSyncPlan,
  handler: async (ctx, { entityName, entityId }): Promise<Infer<typeof vSyncPlan>> => {
    if (entityId !== undefined && entityName === undefined) throw new Error("entityId needs entityName");
    const sending = (e: { enabled: boolean; strategy: string }) => e.enabled && e.strategy !== "pull";
    if (entityName === undefined) {
      const kinds = (await ctx.db.query("entities").collect()).filter(sending);
      return { kinds: kinds.map(({ name, table }) => ({ name, table })), entity: null };
    }
    const entity = await entityByName(ctx, entityName);
    if (!entity) throw new Error(`entity ${JSON.stringify(entityName)} is not registered`);
    if (!sending(entity)) {
      throw new Error(`entity ${JSON.stringify(entityName)} does not send (${entity.enabled ? entity.strategy : "disabled"})`);
    }
    const kind = { name: entity.name, table: entity.table };
    if (entityId === undefined) return { kinds: [kind], entity: null };

    const global = await ctx.db
      .query("idMap")
      .withIndex("by_entity", (q) => q.eq("entityName", entity.name).eq("entityId", entityId))
      .unique();
    const local = global ?? (await mapByLocalId(ctx, entity.name, entityId));
    let resolved: { entityId: string; localId: string };
    if (local) {
      resolved = { entityId: local.entityId, localId: local.localId };
    } else if ((await tombstoneOf(ctx, entity.name, entityId)) !== null) {
      // Deleted here: its mapping went with it, and its global id is the one given.
      resolved = { entityId, localId: entityId };
    } else {
      // Never mapped: a document whose writes were all skipped. Its global id is ours.
      const { origin } = await resolveOrigin(ctx);
      const localId = entityId.startsWith(`${origin}:`) ? entityId.slice(origin.length + 1) : entityId;
      resolved = { entityId: `${origin}:${localId}`, localId };
    }
    const deleted = (await tombstoneOf(ctx, entity.name, resolved.entityId)) !== null;
    return {
      kinds: [kind],
      entity: { entityName: entity.name, table: entity.table, ...resolved, mapped: local !== null, deleted },
    };
  },
});

/**
 * A page of the entities of a kind this deployment knows: `mapped` ones (sent or applied
 * here, with their local id) or `deleted` ones (tombstones), so that `syncNow` can resend
 * deletes: of documents that are gone without a delete event, and of deletes made while
 * there was no connection.
 */
export const knownPage = query({
  args: { entityName: v.string(), source: v.union(v.literal("mapped"), v.literal("deleted")), paginationOpts: paginationOptsValidator },
  returns: vKnownPage,
  handler: async (ctx, { entityName, source, paginationOpts }): Promise<Infer<typeof vKnownPage>> => {
    if (source === "mapped") {
      const result = await ctx.db
        .query("idMap")
        .withIndex("by_local", (q) => q.eq("entityName", entityName))
        .paginate(paginationOpts);
      const page = result.page.map((row) => ({ entityId: row.entityId, localId: row.localId }));
      return { page, continueCursor: result.continueCursor, isDone: result.isDone };
    }
    const result = await ctx.db
      .query("tombstones")
      .withIndex("by_entity", (q) => q.eq("entityName", entityName))
      .paginate(paginationOpts);
    const page = result.page.map((row) => ({ entityId: row.entityId, localId: null }));
    return { page, continueCursor: result.continueCursor, isDone: result.isDone };
  },
});
