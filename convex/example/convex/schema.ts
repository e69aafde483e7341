import { defineSchema, defineTable } from "convex/server";
import { v } from "convex/values";

export default defineSchema({
  users: defineTable({
    email: v.string(),
    name: v.string(),
    // Required for federation (last-writer-wins):
    version: v.number(),
    updatedAt: v.number(),
  }).index("by_email", ["email"]),

  tasks: defineTable({
    title: v.string(),
    done: v.boolean(),
    // Federated documents refer to each other by stable values, not local ids, which
    // differ on every deployment.
    ownerEmail: v.optional(v.string()),
    version: v.number(),
    updatedAt: v.number(),
  }),
});
