import type { Value } from "convex/values";
import { z } from "zod";

/**
 * The payload of the entity events this component emits and applies (the envelope itself is
 * the contract's `EventEnvelope`). `data` is the whole document after the write, encoded with
 * `convexToJson` so that Int64 and bytes survive JSON, without `_id` and `_creationTime`;
 * deletes carry `data: null`. Whole documents, not patches, are what makes last-writer-wins
 * converge: applying the winner alone gives the same document whatever arrived before it.
 */
export const EntityPayload = z.object({
  table: z.string().min(1).max(256),
  data: z.record(z.string(), z.unknown()).nullable(),
  version: z.number().finite(),
  updatedAt: z.number().finite(),
});
export type EntityPayload = z.infer<typeof EntityPayload>;

export const EVENT_OPERATIONS = ["create", "update", "delete"] as const;
export type EventOperation = (typeof EVENT_OPERATIONS)[number];

export function isEventOperation(value: string): value is EventOperation {
  return (EVENT_OPERATIONS as readonly string[]).includes(value);
}

/** Envelope schema version of the events this component emits. */
export const SCHEMA_VERSION = 1;

/** A host document without the fields only its own deployment can use. */
export function documentFields(document: Record<string, unknown>): Record<string, Value> {
  const { _id, _creationTime, ...fields } = document;
  return fields as Record<string, Value>;
}
