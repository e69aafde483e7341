// In an app: import { makeFederationApiWrappers } from "@convex-edge-relay/federation";
import { makeFederationApiWrappers } from "../../client";
import { internalMutation, mutation, query } from "./_generated/server";
import { components } from "./components";

const w = makeFederationApiWrappers(components.federation);

// Entity Management
export const registerEntity = mutation(w.registerEntity);
export const listEntities = query(w.listEntities);
export const toggleEntity = mutation(w.toggleEntity);
export const removeEntity = mutation(w.removeEntity);

// Connection Management
export const addConnection = mutation(w.addConnection);
export const listConnections = query(w.listConnections);
export const removeConnection = mutation(w.removeConnection);
export const testConnection = mutation(w.testConnection);
export const getConnection = query(w.getConnection);

// Event Management
export const listEvents = query(w.listEvents);
export const getEventStats = query(w.getEventStats);
export const retryEvent = mutation(w.retryEvent);
export const clearOldEvents = mutation(w.clearOldEvents);

// Manual Sync
export const syncNow = mutation(w.syncNow);

// This deployment's origin and retry schedule
export const configure = mutation(w.configure);
export const getSettings = query(w.getSettings);

/**
 * One-off setup from the deployment's env vars (`npx convex run federation:setup`): the
 * entities this app federates, and its relay connection.
 */
export const setup = internalMutation({
  args: {},
  handler: async (ctx) => {
    const url = process.env.RELAY_URL;
    const workspace = process.env.RELAY_WORKSPACE;
    if (!url || !workspace) throw new Error("set RELAY_URL and RELAY_WORKSPACE first");
    await w.registerEntity.handler(ctx, { name: "User", table: "users", strategy: "bidirectional" });
    await w.registerEntity.handler(ctx, { name: "Task", table: "tasks", strategy: "bidirectional" });
    return await w.addConnection.handler(ctx, {
      projectId: "relay",
      url,
      workspace,
      secretEnvVar: "RELAY_INGRESS_SECRET",
      receiveSecretEnvVar: "RELAY_SUBSCRIBER_SECRET",
    });
  },
});
