/**
 * `@convex-edge-relay/replicator`: keeps a customer database in sync with a relay workspace
 * (`runBridge`), and sends customer-side changes back (`createInboundClient`). Adapters that
 * need a database driver live in their own subpaths (`@convex-edge-relay/replicator/sqlite`),
 * so this entry loads none.
 */
export { runBridge } from "./src/bridge.ts";
export { createInboundClient, REPLICATOR_ORIGIN } from "./src/inbound.ts";
export type { ExternalMutation, InboundClient, InboundTarget, MutationResult } from "./src/inbound.ts";
export { RelayHttpError, RelayUnreachableError } from "./src/relay-http.ts";
export type {
  BatchContext,
  BatchInfo,
  BridgeExit,
  BridgeOptions,
  CaughtUp,
  HeartbeatInfo,
  OffsetStore,
  ReplicaAdapter,
  RetryInfo,
  StoredEvent,
  Transport,
} from "./src/types.ts";
export { memoryAdapter, type MemoryAdapter } from "./adapters/memory.ts";
export {
  defaultEventMapper,
  type EntityMutation,
  type EventMapper,
  type ReplicaEntity,
} from "./adapters/entity-mutation.ts";
export { memoryOffsetStore } from "./storage/memory.ts";
