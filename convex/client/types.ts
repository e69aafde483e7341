import type { FunctionReturnType } from "convex/server";
import type { ComponentApi } from "../component/_generated/component";
import type { InboundCounts } from "../component/inbox";

export type { ComponentApi } from "../component/_generated/component";
export type { EventOperation } from "../shared/payload";

/** The seed's public types, named as the seed names them. */
export type FederationEntity = FunctionReturnType<ComponentApi["entities"]["register"]>;
export type FederationConnection = FunctionReturnType<ComponentApi["connections"]["add"]>;
export type FederationEvent = FunctionReturnType<ComponentApi["outbox"]["list"]>[number];
export type FederationEventStats = FunctionReturnType<ComponentApi["outbox"]["stats"]>;
export type FederationSettings = FunctionReturnType<ComponentApi["settings"]["get"]>;
export type SyncStrategy = FederationEntity["strategy"];

/**
 * The arguments of the app's `applyFederatedData` mutation, exactly as the seed declares
 * them. The HTTP handler sends a whole delivery through them in one call (see
 * `makeFederationDataHandler`); a direct call applies the single change described.
 */
export type FederationDataArgs = {
  entityName: string;
  tableName: string;
  operation: "create" | "update" | "delete";
  data: any;
  version: number;
  localId?: string;
};

/** What `applyFederatedData` answers. */
export type FederationDataResult = {
  success: boolean;
  /** A single change: what was done, and the local id of the document. */
  action?: "created" | "updated" | "deleted" | "skipped";
  localId?: string;
  /** A delivery: how its events were handled. */
  counts?: InboundCounts;
};
