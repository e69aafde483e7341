import { convexToJson } from "convex/values";
import { EventEnvelope, MAX_EVENT_BYTES } from "../../../src/contract/event";
import { SCHEMA_VERSION, documentFields, type EntityPayload, type EventOperation } from "../../shared/payload";

/**
 * Builds the contract's envelope for one synced write and checks it against the contract's
 * schema and size limit, so a write whose event the relay would refuse fails here, loudly,
 * instead of committing an event that can never be delivered.
 */
export function buildEnvelope(input: {
  eventId: string;
  entityName: string;
  entityId: string;
  operation: EventOperation;
  table: string;
  document: Record<string, unknown> | null;
  version: number;
  updatedAt: number;
  lamport: number;
  origin: string;
  mutation?: string;
  actorId?: string | null;
  emittedAt: number;
}): { envelope: EventEnvelope; json: string } {
  const payload: EntityPayload = {
    table: input.table,
    data: input.document === null ? null : (convexToJson(documentFields(input.document)) as Record<string, unknown>),
    version: input.version,
    updatedAt: input.updatedAt,
  };
  const envelope = EventEnvelope.parse({
    id: input.eventId,
    entityKind: input.entityName,
    entityId: input.entityId,
    eventType: input.operation,
    payload,
    lamport: input.lamport,
    source: {
      origin: input.origin,
      ...(input.mutation !== undefined ? { mutation: input.mutation } : {}),
      ...(input.actorId !== undefined ? { actorId: input.actorId } : {}),
    },
    emittedAt: input.emittedAt,
    schemaVersion: SCHEMA_VERSION,
  });
  const json = JSON.stringify(envelope);
  const bytes = new TextEncoder().encode(json).length;
  if (bytes > MAX_EVENT_BYTES) {
    throw new Error(
      `the ${input.operation} event of ${input.entityName} ${input.entityId} is ${bytes} bytes; ` +
        `the relay accepts at most ${MAX_EVENT_BYTES}`,
    );
  }
  return { envelope, json };
}
