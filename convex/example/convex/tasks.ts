import { v } from "convex/values";
// In an app: import { makeSyncedHandlers } from "@convex-edge-relay/federation";
import { makeSyncedHandlers } from "../../client";
import type { Id } from "./_generated/dataModel";
import { mutation, query } from "./_generated/server";
import { components } from "./components";

const { syncedCreate, syncedUpdate, syncedDelete } = makeSyncedHandlers(components.federation);

export const createTask = mutation({
  args: { title: v.string(), ownerEmail: v.optional(v.string()) },
  handler: syncedCreate("Task", async (ctx, { title, ownerEmail }: { title: string; ownerEmail?: string }) => {
    return await ctx.db.insert("tasks", { title, ownerEmail, done: false, version: 1, updatedAt: Date.now() });
  }),
});

export const updateTask = mutation({
  args: { taskId: v.id("tasks"), title: v.optional(v.string()), done: v.optional(v.boolean()) },
  handler: syncedUpdate(
    "Task",
    async (ctx, { taskId, title, done }: { taskId: Id<"tasks">; title?: string; done?: boolean }) => {
      const task = await ctx.db.get("tasks", taskId);
      if (!task) throw new Error("Task not found");
      await ctx.db.patch("tasks", taskId, {
        ...(title !== undefined ? { title } : {}),
        ...(done !== undefined ? { done } : {}),
        version: task.version + 1,
        updatedAt: Date.now(),
      });
      return taskId;
    },
  ),
});

export const deleteTask = mutation({
  args: { taskId: v.id("tasks") },
  handler: syncedDelete("Task", async (ctx, { taskId }: { taskId: Id<"tasks"> }) => {
    await ctx.db.delete("tasks", taskId);
    return { _id: taskId };
  }),
});

export const list = query({
  args: {},
  handler: async (ctx) => await ctx.db.query("tasks").collect(),
});
