import { defineSchema, defineTable } from "convex/server";
import { v } from "convex/values";
import {
  vConnectionKind,
  vConnectionStatus,
  vDeliveryStatus,
  vDispatchPhase,
  vEventStatus,
  vHttpError,
  vInboundOutcome,
  vOperation,
  vProbeResult,
  vStrategy,
} from "./lib/validators";

export default defineSchema({
  /** One row: this deployment's origin override and the retry schedule. */
  settings: defineTable({
    origin: v.optional(v.string()),
    retryScheduleMs: v.optional(v.array(v.number())),
  }),

  /** The host tables that federate, and in which direction. */
  entities: defineTable({
    name: v.string(),
    table: v.string(),
    strategy: vStrategy,
    enabled: v.boolean(),
    createdAt: v.number(),
  }).index("by_name", ["name"]),

  /**
   * Where events go: a relay workspace (`url` is the relay's base URL) or a direct peer (`url`
   * is its receive route). Written rarely, because every synced write reads it; the
   * dispatcher's frequently written state lives in `dispatchers` and `connectionHealth`.
   */
  connections: defineTable({
    projectId: v.string(),
    kind: vConnectionKind,
    url: v.string(),
    workspace: v.optional(v.string()),
    /** The secret outbound batches are signed with, or the name of the env var holding it. */
    secret: v.optional(v.string()),
    secretEnvVar: v.optional(v.string()),
    /** The secret inbound deliveries from this connection are verified with, or its env var. */
    receiveSecret: v.optional(v.string()),
    receiveSecretEnvVar: v.optional(v.string()),
    createdAt: v.number(),
  }).index("by_projectId", ["projectId"]),

  /**
   * The single-flight dispatcher of one connection. Changes only when a drain starts, ends or
   * backs off, so that synced writes (which read it to decide whether to wake it) rarely
   * conflict with the dispatcher's per-batch bookkeeping.
   */
  dispatchers: defineTable({
    connectionId: v.id("connections"),
    phase: vDispatchPhase,
    runner: v.optional(v.string()),
    leaseUntil: v.optional(v.number()),
    nextAttemptAt: v.optional(v.number()),
    /** The scheduled run, so operators can see whether one is due. */
    runJobId: v.optional(v.id("_scheduled_functions")),
    /** 100, or 1 while a rejected batch is being split to find the event the receiver refuses. */
    batchLimit: v.number(),
  }).index("by_connection", ["connectionId"]),

  /** Per-batch results of one connection, for operators and for the backoff. */
  connectionHealth: defineTable({
    connectionId: v.id("connections"),
    status: vConnectionStatus,
    consecutiveFailures: v.number(),
    lastSuccessAt: v.optional(v.number()),
    lastError: v.optional(vHttpError),
    lastTest: v.optional(vProbeResult),
  }).index("by_connection", ["connectionId"]),

  /**
   * The transactional outbox: one row per synced write, committed with the write itself.
   * `commitTs` resolves to the transaction's commit timestamp, which (unlike `_creationTime`)
   * follows commit order, so a dispatcher reading in this order never sees a gap filled in later.
   * The envelope itself is in `envelopes`, so that listing and counting events stays cheap.
   */
  outbox: defineTable({
    eventId: v.string(),
    commitTs: v.commitTs(),
    lamport: v.number(),
    entityName: v.string(),
    entityId: v.string(),
    localId: v.string(),
    eventType: vOperation,
    status: vEventStatus,
    createdAt: v.number(),
  })
    .index("by_eventId", ["eventId"])
    .index("by_status", ["status", "createdAt"])
    .index("by_entityName", ["entityName", "createdAt"]),

  /**
   * The contract's EventEnvelope of each outbox event, as the JSON text that is signed and
   * sent (payloads may hold keys a Convex document cannot, such as `$integer`).
   */
  envelopes: defineTable({
    outboxId: v.id("outbox"),
    json: v.string(),
  }).index("by_outbox", ["outboxId"]),

  /** Per-connection delivery status of each outbox event, drained in commit order. */
  deliveries: defineTable({
    outboxId: v.id("outbox"),
    connectionId: v.id("connections"),
    commitTs: v.commitTs(),
    status: vDeliveryStatus,
    attempts: v.number(),
    relayVersion: v.optional(v.number()),
    sentAt: v.optional(v.number()),
    lastError: v.optional(v.string()),
    /** Why a `failed` delivery failed: the refusing HTTP status and its kind (`lib/refusals.ts`). */
    failedStatus: v.optional(v.number()),
    refusal: v.optional(v.union(v.literal("permanent"), v.literal("transient"))),
  })
    // Every index ends with `_creationTime`, which Convex keeps increasing within a
    // transaction: it orders the events of one transaction, which share a commit timestamp.
    .index("by_connection_status", ["connectionId", "status", "commitTs"])
    .index("by_refusal", ["status", "refusal"])
    .index("by_outbox", ["outboxId"]),

  /** Inbound event ids already handled, so that a redelivered batch applies once. */
  inbox: defineTable({
    eventId: v.string(),
    outcome: vInboundOutcome,
    origin: v.string(),
    entityName: v.string(),
    entityId: v.string(),
    receivedAt: v.number(),
  })
    .index("by_eventId", ["eventId"])
    .index("by_receivedAt", ["receivedAt"]),

  /**
   * Stable entity ids ↔ local document ids, with the stamp of the write the document holds
   * and the entity's own Lamport clock (there is no deployment-wide clock: one document
   * written by every synced write would serialise them all under optimistic concurrency).
   * Entities created here get `${origin}:${localId}`; entities created elsewhere keep the
   * creator's id, so every deployment names an entity the same way.
   */
  idMap: defineTable({
    entityName: v.string(),
    entityId: v.string(),
    table: v.string(),
    localId: v.string(),
    version: v.number(),
    updatedAt: v.number(),
    origin: v.string(),
    /** The highest Lamport value of this entity written or applied here. */
    lamport: v.optional(v.number()),
  })
    .index("by_entity", ["entityName", "entityId"])
    .index("by_local", ["entityName", "localId"]),

  /** Deleted entities. A delete is final: nothing later brings the entity back. */
  tombstones: defineTable({
    entityName: v.string(),
    entityId: v.string(),
    version: v.number(),
    updatedAt: v.number(),
    origin: v.string(),
    lamport: v.optional(v.number()),
    deletedAt: v.number(),
  }).index("by_entity", ["entityName", "entityId"]),
});
