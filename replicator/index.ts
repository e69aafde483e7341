/**
 * The Convex Edge Relay replicator: keeps a customer database in sync with a relay workspace
 * (`runBridge`), and sends customer-side changes back (`createInboundClient`). Node ≥ 22.18.
 */
export { runBridge } from "./src/bridge.ts";
export { createInboundClient, REPLICATOR_ORIGIN } from "./src/inbound.ts";
export type { ExternalMutation, InboundClient, InboundTarget, MutationResult } from "./src/inbound.ts";
export { RelayHttpError } from "./src/relay-http.ts";
export type {
  BatchContext,
  BatchInfo,
  BridgeExit,
  BridgeOptions,
  CaughtUp,
  HeartbeatInfo,
  OffsetStore,
  ReplicaAdapter,
  StoredEvent,
  Transport,
} from "./src/types.ts";
export { memoryAdapter, type MemoryAdapter } from "./adapters/memory.ts";
export { sqliteAdapter, type SqliteAdapter } from "./adapters/sqlite.ts";
export {
  defaultEventMapper,
  type EntityMutation,
  type EventMapper,
  type ReplicaEntity,
} from "./adapters/entity-mutation.ts";
export { sqliteOffsetStore } from "./storage/sqlite.ts";
export { memoryOffsetStore } from "./storage/memory.ts";
