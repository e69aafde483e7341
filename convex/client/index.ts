/**
 * `@convex-edge-relay/federation`: the seed's factory API (`@l_ego/federation`), speaking
 * the relay's contract. See `convex/README.md`.
 */
export { makeSyncedHandlers } from "./synced";
export { makeFederationDataHandler } from "./data-handler";
export { makeFederationHttpHandler, makeFederationHealthHandler } from "./http";
export { makeFederationApiWrappers } from "./wrappers";
export type {
  ComponentApi,
  EventOperation,
  FederationConnection,
  FederationDataArgs,
  FederationDataResult,
  FederationEntity,
  FederationEvent,
  FederationEventStats,
  FederationSettings,
  SyncStrategy,
} from "./types";
