import { defineSchema, defineTable } from "convex/server";
import { v } from "convex/values";

export default defineSchema({
  users: defineTable({
    email: v.string(),
    name: v.string(),
    version: v.number(),
    updatedAt: v.number(),
  }).index("by_email", ["email"]),
});
