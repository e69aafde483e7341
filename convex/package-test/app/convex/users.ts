import { makeSyncedHandlers } from "@convex-edge-relay/federation";
import { v } from "convex/values";
import type { Id } from "./_generated/dataModel";
import { mutation, query } from "./_generated/server";
import { components } from "./federationComponent";

const { syncedCreate, syncedUpdate, syncedDelete } = makeSyncedHandlers(components.federation);

export const createUser = mutation({
  args: { email: v.string(), name: v.string() },
  handler: syncedCreate("User", async (ctx, args: { email: string; name: string }) => {
    return await ctx.db.insert("users", { ...args, version: 1, updatedAt: Date.now() });
  }),
});

export const updateUser = mutation({
  args: { userId: v.id("users"), name: v.string() },
  handler: syncedUpdate("User", async (ctx, { userId, name }: { userId: Id<"users">; name: string }) => {
    const user = await ctx.db.get("users", userId);
    if (!user) throw new Error("User not found");
    await ctx.db.patch("users", userId, { name, version: user.version + 1, updatedAt: Date.now() });
    return await ctx.db.get("users", userId);
  }),
});

export const deleteUser = mutation({
  args: { userId: v.id("users") },
  handler: syncedDelete("User", async (ctx, { userId }: { userId: Id<"users"> }) => {
    await ctx.db.delete("users", userId);
    return { _id: userId };
  }),
});

export const list = query({
  args: {},
  handler: async (ctx) => await ctx.db.query("users").collect(),
});
