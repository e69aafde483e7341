import { z } from "zod";
import { EventId, WorkspaceId } from "./ids";

/** Contract §2 limits. */
export const MAX_EVENTS_PER_REQUEST = 100;
export const MAX_INGEST_BODY_BYTES = 1024 * 1024;
export const MAX_EVENT_BYTES = 256 * 1024;
/**
 * Lamport values are capped well below 2^53 so that `max(head, lamport) + 1` can never
 * leave the range of exactly representable integers, however many events follow.
 */
export const MAX_LAMPORT = 2 ** 50;

const nonEmpty = (max: number) => z.string().min(1).max(max);

export const EventSource = z.object({
  origin: nonEmpty(256),
  mutation: z.string().max(256).optional(),
  actorId: z.string().max(256).nullable().optional(),
});

/** Any JSON value. `undefined` is refused so that a missing payload is an error. */
const JsonValue: z.ZodType<unknown> = z.unknown().refine((value) => value !== undefined, {
  message: "is required",
});

/** One event as a source sends it (contract §2). */
export const EventEnvelope = z.object({
  id: EventId,
  entityKind: nonEmpty(256),
  entityId: nonEmpty(512),
  eventType: nonEmpty(128),
  payload: JsonValue,
  lamport: z.number().int().min(0).max(MAX_LAMPORT).optional(),
  source: EventSource,
  emittedAt: z.number().int().min(0),
  traceId: z.string().max(256).optional(),
  schemaVersion: z.number().int().min(0).max(1_000_000).optional(),
});
export type EventEnvelope = z.infer<typeof EventEnvelope>;

export const IngestBody = z
  .object({
    events: z.array(EventEnvelope).min(1).max(MAX_EVENTS_PER_REQUEST),
  })
  .superRefine((body, ctx) => {
    const seen = new Set<string>();
    body.events.forEach((event, index) => {
      if (seen.has(event.id)) {
        ctx.addIssue({
          code: "custom",
          path: ["events", index, "id"],
          message: `duplicate id ${JSON.stringify(event.id)} in one request`,
        });
      }
      seen.add(event.id);
    });
  });
export type IngestBody = z.infer<typeof IngestBody>;

export const IngestResult = z.object({
  id: EventId,
  version: z.number().int().positive(),
  duplicate: z.boolean(),
});
export const IngestResponse = z.object({
  results: z.array(IngestResult),
  head: z.number().int().min(0),
});
export type IngestResponse = z.infer<typeof IngestResponse>;

/** An event as the relay stores and serves it (contract §3). */
export const StoredEvent = EventEnvelope.extend({
  workspaceId: WorkspaceId,
  version: z.number().int().positive(),
  receivedAt: z.number().int(),
});
export type StoredEvent = z.infer<typeof StoredEvent>;

/** Query of `GET …/events`. Query values arrive as strings, hence the coercion. */
export const MAX_READ_LIMIT = 1000;
export const MAX_WAIT_SECONDS = 30;

/**
 * Event search (contract §8): exact matches on the columns the log indexes, combinable. The
 * value rules are the envelope's own, so a filter no stored event could match is refused.
 */
export const EventFilters = z.object({
  entityKind: EventEnvelope.shape.entityKind.optional(),
  entityId: EventEnvelope.shape.entityId.optional(),
  eventType: EventEnvelope.shape.eventType.optional(),
  origin: EventSource.shape.origin.optional(),
});
export type EventFilters = z.infer<typeof EventFilters>;

const version = z.coerce.number().int().min(0);

export const ReadQuery = z
  .object({
    order: z.enum(["asc", "desc"]).default("asc"),
    after: version.optional().describe("asc only: return events after this version (default 0)"),
    before: version.optional().describe("desc only: return events before this version (default: after the head)"),
    limit: z.coerce.number().int().min(1).max(MAX_READ_LIMIT).default(100),
    wait: z.coerce.number().min(0).max(MAX_WAIT_SECONDS).default(0).describe("asc only: long-poll seconds"),
    ...EventFilters.shape,
  })
  .superRefine((q, ctx) => {
    // Each order has its own cursor; a cursor of the other order is a mistake worth naming.
    if (q.order === "asc" && q.before !== undefined) {
      ctx.addIssue({ code: "custom", path: ["before"], message: "before is for order=desc; use after" });
    }
    if (q.order === "desc" && q.after !== undefined) {
      ctx.addIssue({ code: "custom", path: ["after"], message: "after is for order=asc; use before" });
    }
    // Long polling waits for new events, which come at the end an ascending read is heading to.
    if (q.order === "desc" && q.wait > 0) {
      ctx.addIssue({ code: "custom", path: ["wait"], message: "wait is for order=asc only" });
    }
  });
export type ReadQuery = z.infer<typeof ReadQuery>;

export const ReadResponse = z.object({
  events: z.array(StoredEvent),
  head: z.number().int().min(0),
  nextAfter: z.number().int().min(0),
  hasMore: z.boolean(),
});
export type ReadResponse = z.infer<typeof ReadResponse>;

/** A page read with `order=desc`: newest first, and `nextBefore` to page further back. */
export const ReadResponseDesc = ReadResponse.omit({ nextAfter: true }).extend({ nextBefore: z.number().int().min(0) });
export type ReadResponseDesc = z.infer<typeof ReadResponseDesc>;

/** Path of `GET …/events/{version}`. */
export const EventVersionParam = z.coerce.number().int().min(1);
