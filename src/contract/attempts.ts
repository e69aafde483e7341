import { z } from "zod";

/** What started a delivery attempt (contract §8). */
export const AttemptTrigger = z.enum(["fast-path", "queue", "watchdog", "redeliver"]);
export type AttemptTrigger = z.infer<typeof AttemptTrigger>;

/** How an attempt ended: `failure` is any HTTP answer other than 2xx (3xx and 410 included). */
export const AttemptOutcomeKind = z.enum(["success", "failure", "timeout", "network_error"]);
export type AttemptOutcomeKind = z.infer<typeof AttemptOutcomeKind>;

/** The most of a receiver's answer an attempt keeps, in UTF-8 bytes. */
export const ATTEMPT_RESPONSE_BODY_BYTES = 1024;

/** One delivery attempt that reached an outcome. */
export const DeliveryAttempt = z.object({
  id: z.string(),
  webhookId: z.string(),
  fromVersion: z.number().int(),
  toVersion: z.number().int(),
  eventCount: z.number().int(),
  attempt: z.number().int().min(1),
  trigger: AttemptTrigger,
  startedAt: z.number().int(),
  durationMs: z.number().int().min(0),
  outcome: AttemptOutcomeKind,
  status: z.number().int().nullable(),
  responseBody: z.string().nullable(),
  error: z.string().nullable(),
});
export type DeliveryAttempt = z.infer<typeof DeliveryAttempt>;

/** `GET …/subscribers/{id}/attempts`: newest first; `nextBefore` pages on to older ones. */
export const DeliveryAttemptPage = z.object({
  attempts: z.array(DeliveryAttempt),
  nextBefore: z.string().nullable(),
});
export type DeliveryAttemptPage = z.infer<typeof DeliveryAttemptPage>;

/** Attempt ids are `att_<n>`, n increasing per subscriber. */
export const AttemptId = z.string().regex(/^att_[1-9][0-9]{0,15}$/, "must be an attempt id (att_<n>)");

export const AttemptQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  before: AttemptId.optional(),
});
export type AttemptQuery = z.infer<typeof AttemptQuery>;
