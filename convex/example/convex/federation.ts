// In an app: import { makeFederationApiWrappers } from "@convex-edge-relay/federation";
import { makeFederationApiWrappers } from "../../client";
import { action, internalMutation, mutation, query } from "./_generated/server";
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
export const testConnectionNow = action(w.testConnectionNow);

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
 * entities this app federates, and its relay connection. Returns the connection's id, for
 * `testConnection`. An unset env var is named in the error.
 */
export const setup = internalMutation({
  args: {},
  handler: async (ctx) => {
    await w.registerEntity.handler(ctx, { name: "User", table: "users", strategy: "bidirectional" });
    await w.registerEntity.handler(ctx, { name: "Task", table: "tasks", strategy: "bidirectional" });
    const connection = await w.addConnection.handler(ctx, {
      projectId: "relay",
      url: process.env.RELAY_URL!,
      workspace: process.env.RELAY_WORKSPACE!,
      secretEnvVar: "RELAY_INGRESS_SECRET",
      receiveSecretEnvVar: "RELAY_SUBSCRIBER_SECRET",
    });
    return { connectionId: connection._id };
  },
});
