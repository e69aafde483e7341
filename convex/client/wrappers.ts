import type { GenericActionCtx, GenericDataModel, GenericMutationCtx, GenericQueryCtx } from "convex/server";
import { v } from "convex/values";
import { vConnectionKind, vEventStatus, vStrategy } from "../component/lib/validators";
import { syncNow, type SyncNowArgs } from "./sync";
import type { ComponentApi } from "./types";

type RunQueryCtx = Pick<GenericQueryCtx<GenericDataModel>, "runQuery">;
type RunMutationCtx = Pick<GenericMutationCtx<GenericDataModel>, "runMutation">;
type RunActionCtx = Pick<GenericActionCtx<GenericDataModel>, "runAction">;
type SyncNowCtx = Parameters<typeof syncNow>[0];

/**
 * `addConnection` is often called from a setup function with env vars (`url:
 * process.env.RELAY_URL!`): an unset one must say which, not "Missing required field".
 */
function requireSetting(value: string | undefined, field: string, envVar: string): string {
  if (typeof value === "string" && value !== "") return value;
  throw new Error(
    `addConnection: ${field} is ${value === "" ? "empty" : "missing"}. If it comes from an env var, set it first: ` +
      `npx convex env set ${envVar} …`,
  );
}

/**
 * The seed's API wrappers: `{ args, handler }` pairs for the app to export with its own
 * `query` and `mutation`, e.g. `export const listEntities = query(w.listEntities)`. The app
 * decides who may call them (add auth in the app if they are public).
 */
export function makeFederationApiWrappers(component: ComponentApi) {
  return {
    // ---- entities ----
    registerEntity: {
      args: { name: v.string(), table: v.string(), strategy: vStrategy },
      handler: async (ctx: RunMutationCtx, args: { name: string; table: string; strategy: "push" | "pull" | "bidirectional" }) =>
        await ctx.runMutation(component.entities.register, args),
    },
    listEntities: {
      args: {},
      handler: async (ctx: RunQueryCtx) => await ctx.runQuery(component.entities.list, {}),
    },
    /** `entityId`: the `_id` from `listEntities`, or the entity's name. */
    toggleEntity: {
      args: { entityId: v.string(), enabled: v.boolean() },
      handler: async (ctx: RunMutationCtx, args: { entityId: string; enabled: boolean }) =>
        await ctx.runMutation(component.entities.toggle, args),
    },
    /** `entityId`: the `_id` from `listEntities`, or the entity's name. */
    removeEntity: {
      args: { entityId: v.string() },
      handler: async (ctx: RunMutationCtx, args: { entityId: string }) =>
        await ctx.runMutation(component.entities.remove, args),
    },

    // ---- connections ----
    addConnection: {
      args: {
        projectId: v.string(),
        url: v.string(),
        secret: v.optional(v.string()),
        secretEnvVar: v.optional(v.string()),
        kind: v.optional(vConnectionKind),
        workspace: v.optional(v.string()),
        receiveSecret: v.optional(v.string()),
        receiveSecretEnvVar: v.optional(v.string()),
      },
      handler: async (
        ctx: RunMutationCtx,
        args: {
          projectId: string;
          url: string;
          secret?: string;
          secretEnvVar?: string;
          kind?: "relay" | "direct";
          workspace?: string;
          receiveSecret?: string;
          receiveSecretEnvVar?: string;
        },
      ) =>
        await ctx.runMutation(component.connections.add, {
          ...args,
          url: requireSetting(args.url, "url", "RELAY_URL"),
          // A key present but undefined is an unset env var; a direct connection has no key.
          ...("workspace" in args ? { workspace: requireSetting(args.workspace, "workspace", "RELAY_WORKSPACE") } : {}),
        }),
    },
    listConnections: {
      args: {},
      handler: async (ctx: RunQueryCtx) => await ctx.runQuery(component.connections.list, {}),
    },
    getConnection: {
      args: { projectId: v.string() },
      handler: async (ctx: RunQueryCtx, args: { projectId: string }) =>
        await ctx.runQuery(component.connections.get, args),
    },
    removeConnection: {
      args: { connectionId: v.string() },
      handler: async (ctx: RunMutationCtx, args: { connectionId: string }) =>
        await ctx.runMutation(component.connections.remove, args),
    },
    /** Schedules a probe; its result lands in `getConnection({ projectId }).lastTest`. */
    testConnection: {
      args: { connectionId: v.string() },
      handler: async (ctx: RunMutationCtx, args: { connectionId: string }) =>
        await ctx.runMutation(component.connections.test, args),
    },
    /** Beyond the seed: probes now and returns the result (export it with `action`). */
    testConnectionNow: {
      args: { connectionId: v.string() },
      handler: async (ctx: RunActionCtx, args: { connectionId: string }) =>
        await ctx.runAction(component.connections.testNow, args),
    },

    // ---- events ----
    listEvents: {
      args: { limit: v.optional(v.number()), status: v.optional(vEventStatus), entityName: v.optional(v.string()) },
      handler: async (
        ctx: RunQueryCtx,
        args: { limit?: number; status?: "pending" | "sent" | "failed" | "skipped"; entityName?: string },
      ) => await ctx.runQuery(component.outbox.list, args),
    },
    getEventStats: {
      args: {},
      handler: async (ctx: RunQueryCtx) => await ctx.runQuery(component.outbox.stats, {}),
    },
    /** `eventId`: the `evt_…` id `listEvents` returns as `eventId`. */
    retryEvent: {
      args: { eventId: v.string() },
      handler: async (ctx: RunMutationCtx, args: { eventId: string }) =>
        await ctx.runMutation(component.outbox.retry, args),
    },
    clearOldEvents: {
      args: { olderThanDays: v.number() },
      handler: async (ctx: RunMutationCtx, args: { olderThanDays: number }) =>
        await ctx.runMutation(component.outbox.clearOld, args),
    },

    // ---- manual sync ----
    syncNow: {
      args: { entityName: v.optional(v.string()), entityId: v.optional(v.string()), cursor: v.optional(v.string()) },
      handler: async (ctx: SyncNowCtx, args: SyncNowArgs) => await syncNow(ctx, component, args),
    },

    // ---- beyond the seed: this deployment's origin and retry schedule ----
    configure: {
      args: {
        origin: v.optional(v.union(v.string(), v.null())),
        retryScheduleMs: v.optional(v.union(v.array(v.number()), v.null())),
      },
      handler: async (ctx: RunMutationCtx, args: { origin?: string | null; retryScheduleMs?: number[] | null }) =>
        await ctx.runMutation(component.settings.configure, args),
    },
    getSettings: {
      args: {},
      handler: async (ctx: RunQueryCtx) => await ctx.runQuery(component.settings.get, {}),
    },
  };
}
