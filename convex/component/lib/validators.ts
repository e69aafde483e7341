import { v } from "convex/values";

/** Validators shared by the schema and the functions' `args` and `returns`. */

export const vStrategy = v.union(v.literal("push"), v.literal("pull"), v.literal("bidirectional"));
export const vOperation = v.union(v.literal("create"), v.literal("update"), v.literal("delete"));
export const vConnectionKind = v.union(v.literal("relay"), v.literal("direct"));

/** An outbox event's overall state: `skipped` when there was no connection at write time. */
export const vEventStatus = v.union(
  v.literal("pending"),
  v.literal("sent"),
  v.literal("failed"),
  v.literal("skipped"),
);
export const vDeliveryStatus = v.union(v.literal("pending"), v.literal("sent"), v.literal("failed"));

/** The dispatcher's phase for one connection; see `dispatch.ts`. */
export const vDispatchPhase = v.union(
  v.literal("idle"),
  v.literal("scheduled"),
  v.literal("running"),
  v.literal("backoff"),
);

export const vConnectionStatus = v.union(v.literal("unknown"), v.literal("online"), v.literal("offline"));

export const vHttpError = v.object({
  at: v.number(),
  status: v.union(v.number(), v.null()),
  message: v.string(),
});

/** The outcome of `testConnection`. */
export const vProbeResult = v.object({
  at: v.number(),
  ok: v.boolean(),
  status: v.union(v.number(), v.null()),
  message: v.string(),
});

/** What happened to one inbound event. */
export const vInboundOutcome = v.union(
  v.literal("applied"),
  v.literal("stale"),
  v.literal("ignored"),
  v.literal("invalid"),
);

// ---- shapes returned to the app (secrets never leave the component through these) ----

export const vEntity = v.object({
  _id: v.string(),
  name: v.string(),
  table: v.string(),
  strategy: vStrategy,
  enabled: v.boolean(),
  createdAt: v.number(),
});

export const vConnection = v.object({
  _id: v.string(),
  projectId: v.string(),
  kind: vConnectionKind,
  url: v.string(),
  workspace: v.union(v.string(), v.null()),
  hasSecret: v.boolean(),
  secretEnvVar: v.union(v.string(), v.null()),
  hasReceiveSecret: v.boolean(),
  receiveSecretEnvVar: v.union(v.string(), v.null()),
  status: vConnectionStatus,
  phase: vDispatchPhase,
  nextAttemptAt: v.union(v.number(), v.null()),
  consecutiveFailures: v.number(),
  lastSuccessAt: v.union(v.number(), v.null()),
  lastError: v.union(vHttpError, v.null()),
  lastTest: v.union(vProbeResult, v.null()),
  pendingEvents: v.number(),
  scheduledDispatches: v.number(),
  createdAt: v.number(),
});

export const vDelivery = v.object({
  connectionId: v.string(),
  projectId: v.union(v.string(), v.null()),
  status: vDeliveryStatus,
  attempts: v.number(),
  relayVersion: v.union(v.number(), v.null()),
  sentAt: v.union(v.number(), v.null()),
  lastError: v.union(v.string(), v.null()),
});

export const vEvent = v.object({
  eventId: v.string(),
  entityName: v.string(),
  entityId: v.string(),
  localId: v.string(),
  eventType: vOperation,
  status: vEventStatus,
  lamport: v.number(),
  createdAt: v.number(),
  deliveries: v.array(vDelivery),
});

export const vEventStats = v.object({
  total: v.number(),
  pending: v.number(),
  sent: v.number(),
  failed: v.number(),
  skipped: v.number(),
  /** True when a status had more events than a query may count; the counts are lower bounds. */
  truncated: v.boolean(),
});

export const vSettings = v.object({
  origin: v.string(),
  originSource: v.union(v.literal("configured"), v.literal("deployment")),
  retryScheduleMs: v.array(v.number()),
});
