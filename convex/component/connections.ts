import { v, type Infer } from "convex/values";
import { internal } from "./_generated/api";
import type { Doc } from "./_generated/dataModel";
import { action, internalAction, internalMutation, internalQuery, mutation, query, type ActionCtx, type QueryCtx } from "./_generated/server";
import { connectionConfig, ingestUrl } from "./lib/connectionConfig";
import { MAX_BATCH, dispatcherOf, hasPendingDeliveries, healthOf, wake } from "./lib/dispatcher";
import { getByStringId } from "./lib/ids";
import { refreshOutboxStatus } from "./lib/outboxStatus";
import { sendBatch } from "./lib/send";
import { vConnection, vConnectionKind, vProbeResult } from "./lib/validators";

type ProbeResult = Infer<typeof vProbeResult>;

/** Pending deliveries `list` and `get` count per connection before saying "at least". */
const PENDING_COUNT_CAP = 1_000;
/** Deliveries removed per transaction when a connection is removed. */
const PURGE_PAGE = 500;

const connectionArgs = {
  projectId: v.string(),
  url: v.string(),
  kind: v.optional(vConnectionKind),
  workspace: v.optional(v.string()),
  secret: v.optional(v.string()),
  secretEnvVar: v.optional(v.string()),
  receiveSecret: v.optional(v.string()),
  receiveSecretEnvVar: v.optional(v.string()),
};

async function describeConnection(ctx: QueryCtx, connection: Doc<"connections">) {
  const dispatcher = await dispatcherOf(ctx, connection._id);
  const health = await healthOf(ctx, connection._id);
  const pending = await ctx.db
    .query("deliveries")
    .withIndex("by_connection_status", (q) => q.eq("connectionId", connection._id).eq("status", "pending"))
    .take(PENDING_COUNT_CAP);
  const job = dispatcher?.runJobId ? await ctx.db.system.get(dispatcher.runJobId) : null;
  return {
    _id: connection._id as string,
    projectId: connection.projectId,
    kind: connection.kind,
    url: connection.url,
    workspace: connection.workspace ?? null,
    // Secrets are shown once, by the relay; here only whether one is set.
    hasSecret: connection.secret !== undefined,
    secretEnvVar: connection.secretEnvVar ?? null,
    hasReceiveSecret: connection.receiveSecret !== undefined,
    receiveSecretEnvVar: connection.receiveSecretEnvVar ?? null,
    status: health?.status ?? "unknown",
    phase: dispatcher?.phase ?? "idle",
    nextAttemptAt: dispatcher?.nextAttemptAt ?? null,
    consecutiveFailures: health?.consecutiveFailures ?? 0,
    lastSuccessAt: health?.lastSuccessAt ?? null,
    lastError: health?.lastError ?? null,
    lastTest: health?.lastTest ?? null,
    pendingEvents: pending.length,
    scheduledDispatches: job && (job.state.kind === "pending" || job.state.kind === "inProgress") ? 1 : 0,
    createdAt: connection.createdAt,
  };
}

async function connectionByProjectId(ctx: QueryCtx, projectId: string) {
  return await ctx.db
    .query("connections")
    .withIndex("by_projectId", (q) => q.eq("projectId", projectId))
    .unique();
}

/**
 * Adds a connection, or replaces the one with the same `projectId`. A connection receives
 * the events written from now on (like a relay subscriber starting at `head`).
 */
export const add = mutation({
  args: connectionArgs,
  returns: vConnection,
  handler: async (ctx, args) => {
    const config = connectionConfig(args);
    const existing = await connectionByProjectId(ctx, config.projectId);
    if (existing) {
      await ctx.db.replace("connections", existing._id, { ...config, createdAt: existing.createdAt });
      // A replaced connection (a new URL or secret, often the fix for what failed) is tried at
      // once with what waits for it, not after the backoff the old settings earned.
      const dispatcher = await dispatcherOf(ctx, existing._id);
      if (dispatcher && (await hasPendingDeliveries(ctx, existing._id))) {
        await wake(ctx, dispatcher, { now: Date.now(), skipBackoff: true });
      }
      return await describeConnection(ctx, (await ctx.db.get("connections", existing._id))!);
    }
    const connectionId = await ctx.db.insert("connections", { ...config, createdAt: Date.now() });
    await ctx.db.insert("dispatchers", { connectionId, phase: "idle", batchLimit: MAX_BATCH });
    await ctx.db.insert("connectionHealth", { connectionId, status: "unknown", consecutiveFailures: 0 });
    return await describeConnection(ctx, (await ctx.db.get("connections", connectionId))!);
  },
});

export const list = query({
  args: {},
  returns: v.array(vConnection),
  handler: async (ctx) => {
    const described = [];
    for (const connection of await ctx.db.query("connections").collect()) {
      described.push(await describeConnection(ctx, connection));
    }
    return described;
  },
});

export const get = query({
  args: { projectId: v.string() },
  returns: v.union(vConnection, v.null()),
  handler: async (ctx, { projectId }) => {
    const connection = await connectionByProjectId(ctx, projectId);
    return connection ? await describeConnection(ctx, connection) : null;
  },
});

/** Removes a connection; the events it was still owed are dropped for it (not for others). */
export const remove = mutation({
  args: { connectionId: v.string() },
  returns: v.object({ removed: v.boolean() }),
  handler: async (ctx, args) => {
    const connection = await getByStringId(ctx, "connections", args.connectionId);
    if (!connection) return { removed: false };
    const dispatcher = await dispatcherOf(ctx, connection._id);
    if (dispatcher) await ctx.db.delete("dispatchers", dispatcher._id);
    const health = await healthOf(ctx, connection._id);
    if (health) await ctx.db.delete("connectionHealth", health._id);
    await ctx.db.delete("connections", connection._id);
    await ctx.scheduler.runAfter(0, internal.connections.purgeDeliveries, { connectionId: connection._id });
    return { removed: true };
  },
});

/** Deletes a removed connection's deliveries a page at a time. */
export const purgeDeliveries = internalMutation({
  args: { connectionId: v.id("connections") },
  returns: v.null(),
  handler: async (ctx, { connectionId }) => {
    const page = await ctx.db
      .query("deliveries")
      .withIndex("by_connection_status", (q) => q.eq("connectionId", connectionId))
      .take(PURGE_PAGE);
    for (const delivery of page) {
      await ctx.db.delete("deliveries", delivery._id);
      await refreshOutboxStatus(ctx, delivery.outboxId);
    }
    if (page.length === PURGE_PAGE) {
      await ctx.scheduler.runAfter(0, internal.connections.purgeDeliveries, { connectionId });
    }
    return null;
  },
});

/**
 * Checks a connection in the background; the result shows up as `lastTest` (and `status`)
 * on the connection (`getConnection({ projectId })`). `testNow`, an action, waits for it and
 * returns it. The probe is a signed batch with no events, which the relay (and this
 * package's receiver) answer with 400 once the workspace exists and the signature is good,
 * 401 for a wrong secret and 404 for an unknown workspace; it never stores anything.
 */
export const test = mutation({
  args: { connectionId: v.string() },
  returns: v.object({ scheduled: v.boolean(), projectId: v.string(), resultIn: v.string() }),
  handler: async (ctx, args) => {
    const connection = await getByStringId(ctx, "connections", args.connectionId);
    if (!connection) throw new Error(`no connection with id ${JSON.stringify(args.connectionId)}`);
    await ctx.scheduler.runAfter(0, internal.connections.probe, { connectionId: connection._id });
    return {
      scheduled: true,
      projectId: connection.projectId,
      resultIn: `getConnection({ projectId: ${JSON.stringify(connection.projectId)} }).lastTest`,
    };
  },
});

export const probeTarget = internalQuery({
  args: { connectionId: v.string() },
  returns: v.union(
    v.object({
      connectionId: v.id("connections"),
      kind: vConnectionKind,
      url: v.string(),
      workspace: v.optional(v.string()),
      secret: v.optional(v.string()),
      secretEnvVar: v.optional(v.string()),
    }),
    v.null(),
  ),
  handler: async (ctx, args) => {
    const connection = await getByStringId(ctx, "connections", args.connectionId);
    if (!connection) return null;
    const { kind, url, workspace, secret, secretEnvVar } = connection;
    return { connectionId: connection._id, kind, url, workspace, secret, secretEnvVar };
  },
});

/** Probes a connection, records the result on it, and returns it (null: no such connection). */
async function probeAndRecord(ctx: ActionCtx, connectionId: string): Promise<ProbeResult | null> {
  const target = await ctx.runQuery(internal.connections.probeTarget, { connectionId });
  if (!target) return null;
  const outcome = await sendBatch({ target, webhookId: `msg_probe_${Date.now()}`, envelopes: [] });
  let result: Omit<ProbeResult, "at">;
  if (outcome.kind === "rejected" && outcome.status === 400) {
    result = { ok: true, status: 400, message: `reachable at ${ingestUrl(target)}; the secret is accepted` };
  } else if (outcome.kind === "accepted") {
    result = { ok: true, status: 200, message: `reachable at ${ingestUrl(target)}` };
  } else {
    result = { ok: false, status: outcome.status, message: outcome.message };
  }
  return await ctx.runMutation(internal.connections.recordProbe, { connectionId: target.connectionId, ...result });
}

export const probe = internalAction({
  args: { connectionId: v.id("connections") },
  returns: v.null(),
  handler: async (ctx, { connectionId }) => {
    await probeAndRecord(ctx, connectionId);
    return null;
  },
});

/** `testConnection` that waits: probes the connection now and returns the result it records. */
export const testNow = action({
  args: { connectionId: v.string() },
  returns: vProbeResult,
  handler: async (ctx, args): Promise<ProbeResult> => {
    const result = await probeAndRecord(ctx, args.connectionId);
    if (!result) throw new Error(`no connection with id ${JSON.stringify(args.connectionId)}`);
    return result;
  },
});

export const recordProbe = internalMutation({
  args: { connectionId: v.id("connections"), ok: v.boolean(), status: v.union(v.number(), v.null()), message: v.string() },
  returns: v.union(vProbeResult, v.null()),
  handler: async (ctx, { connectionId, ...result }): Promise<ProbeResult | null> => {
    const health = await healthOf(ctx, connectionId);
    if (!health) return null;
    const lastTest = { at: Date.now(), ...result };
    await ctx.db.patch("connectionHealth", health._id, { status: result.ok ? "online" : "offline", lastTest });
    return lastTest;
  },
});

/**
 * What the app's HTTP handler verifies deliveries with: stored secrets, and the names of app
 * env vars to read (the handler runs in the app, which can read any of its vars). A direct
 * peer shares one secret both ways, so its sending secret counts too. This goes only to the
 * app's own handler, never into a wrapper's answer.
 */
export const verificationSecrets = query({
  args: {},
  returns: v.object({ secrets: v.array(v.string()), envVars: v.array(v.string()) }),
  handler: async (ctx) => {
    const secrets = new Set<string>();
    const envVars = new Set<string>();
    for (const connection of await ctx.db.query("connections").collect()) {
      if (connection.receiveSecret !== undefined) secrets.add(connection.receiveSecret);
      if (connection.receiveSecretEnvVar !== undefined) envVars.add(connection.receiveSecretEnvVar);
      if (connection.kind === "direct") {
        if (connection.secret !== undefined) secrets.add(connection.secret);
        if (connection.secretEnvVar !== undefined) envVars.add(connection.secretEnvVar);
      }
    }
    return { secrets: [...secrets], envVars: [...envVars] };
  },
});
