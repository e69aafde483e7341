import { v } from "convex/values";
// In an app: import { makeSyncedHandlers } from "@convex-edge-relay/federation";
import { makeSyncedHandlers } from "../../client";
import type { Id } from "./_generated/dataModel";
import { mutation, query } from "./_generated/server";
import { components } from "./components";

const { syncedCreate, syncedUpdate, syncedDelete } = makeSyncedHandlers(components.federation);

export const createUser = mutation({
  args: { email: v.string(), name: v.string() },
  handler: syncedCreate("User", async (ctx, args: { email: string; name: string }) => {
    return await ctx.db.insert("users", {
      email: args.email,
      name: args.name,
      version: 1,
      updatedAt: Date.now(),
    });
  }),
});

export const updateUser = mutation({
  args: { userId: v.id("users"), name: v.string() },
  handler: syncedUpdate("User", async (ctx, { userId, name }: { userId: Id<"users">; name: string }) => {
    const user = await ctx.db.get("users", userId);
    if (!user) throw new Error("User not found");
    await ctx.db.patch("users", userId, {
      name,
      version: (user.version || 0) + 1,
      updatedAt: Date.now(),
    });
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
  handler: async (ctx) => {
    return await ctx.db.query("users").collect();
  },
});
