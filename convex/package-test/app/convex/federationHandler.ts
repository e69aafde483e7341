import { makeFederationDataHandler } from "@convex-edge-relay/federation";
import { v } from "convex/values";
import { internalMutation } from "./_generated/server";

export const applyFederatedData = internalMutation({
  args: {
    entityName: v.string(),
    tableName: v.string(),
    operation: v.union(v.literal("create"), v.literal("update"), v.literal("delete")),
    data: v.any(),
    version: v.number(),
    localId: v.optional(v.string()),
  },
  handler: makeFederationDataHandler(),
});
