import { makeFederationApiWrappers } from "@convex-edge-relay/federation";
import { mutation, query } from "./_generated/server";
import { components } from "./federationComponent";

const w = makeFederationApiWrappers(components.federation);

export const registerEntity = mutation(w.registerEntity);
export const addConnection = mutation(w.addConnection);
export const getConnection = query(w.getConnection);
export const listEvents = query(w.listEvents);
export const syncNow = mutation(w.syncNow);
export const getSettings = query(w.getSettings);
