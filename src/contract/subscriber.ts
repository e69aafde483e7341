import { z } from "zod";
import { MAX_GRACE_SECONDS } from "./workspace";

export const SubscriberKind = z.enum(["convex", "webhook"]);
export type SubscriberKind = z.infer<typeof SubscriberKind>;

export const OnExhausted = z.enum(["pause", "dead-letter"]);
export type OnExhausted = z.infer<typeof OnExhausted>;

const nameList = z.array(z.string().min(1).max(256)).max(100);
// An empty filter list would match nothing, which is never what a caller means: omit the field instead.
const filterList = nameList.min(1);

export const SubscriberFilter = z
  .object({ entityKinds: filterList.optional(), eventTypes: filterList.optional() })
  .strict();
export type SubscriberFilter = z.infer<typeof SubscriberFilter>;

export const StartPosition = z.union([
  z.literal("head"),
  z.literal("beginning"),
  z.object({ afterVersion: z.number().int().min(0) }).strict(),
]);
export type StartPosition = z.infer<typeof StartPosition>;

export const MAX_DELIVERY_BATCH = 100;

/** Contract §9: at most `eventsPerSecond` events a second, averaged over any 10 s. */
export const RateLimit = z.object({ eventsPerSecond: z.number().positive().max(10_000) }).strict();
export type RateLimit = z.infer<typeof RateLimit>;

/** Svix's default: five days of failure without a single success. `0` means never. */
export const DEFAULT_DISABLE_AFTER_FAILING_HOURS = 120;
/**
 * Hours may be fractional (a test can ask for a few seconds); a year is the most that still
 * means something for a delivery retried at most 72 h per batch.
 */
export const DisableAfterFailingHours = z.number().min(0).max(8760);

export const DisabledReason = z.enum(["gone", "failing", "manual"]);
export type DisabledReason = z.infer<typeof DisabledReason>;

/** `PUT …/subscribers/{id}` (contract §4). URL rules are checked separately (they depend on vars). */
export const PutSubscriberBody = z
  .object({
    kind: SubscriberKind,
    url: z.string().url().max(2048),
    filter: SubscriberFilter.optional(),
    excludeOrigins: nameList.optional(),
    start: StartPosition.optional(),
    maxBatchSize: z.number().int().min(1).max(MAX_DELIVERY_BATCH).optional(),
    onExhausted: OnExhausted.optional(),
    enabled: z.boolean().optional(),
    rateLimit: RateLimit.nullable().optional(),
    disableAfterFailingHours: DisableAfterFailingHours.optional(),
  })
  .strict();
export type PutSubscriberBody = z.infer<typeof PutSubscriberBody>;

export const ReplayBody = z.object({ afterVersion: z.number().int().min(0) }).strict();
export const RotateSubscriberSecretBody = z
  .object({ graceSeconds: z.number().int().min(0).max(MAX_GRACE_SECONDS).optional() })
  .strict();

export const SubscriberState = z.enum(["active", "retrying", "paused", "disabled"]);
export type SubscriberState = z.infer<typeof SubscriberState>;

export const DeliveryError = z.object({
  at: z.number().int(),
  status: z.number().int().nullable(),
  message: z.string(),
});
export type DeliveryError = z.infer<typeof DeliveryError>;

export const SubscriberStatus = z.object({
  id: z.string(),
  kind: SubscriberKind,
  url: z.string(),
  filter: SubscriberFilter.nullable(),
  excludeOrigins: z.array(z.string()),
  maxBatchSize: z.number().int(),
  onExhausted: OnExhausted,
  rateLimit: RateLimit.nullable(),
  disableAfterFailingHours: z.number(),
  state: SubscriberState,
  disabledReason: DisabledReason.nullable(),
  cursor: z.number().int(),
  head: z.number().int(),
  lag: z.number().int(),
  inFlight: z
    .object({
      fromVersion: z.number().int(),
      toVersion: z.number().int(),
      attempt: z.number().int(),
      nextAttemptAt: z.number().int(),
    })
    .nullable(),
  lastSuccessAt: z.number().int().nullable(),
  lastError: DeliveryError.nullable(),
  consecutiveFailures: z.number().int(),
  deadLetterCount: z.number().int(),
  createdAt: z.number().int(),
});
export type SubscriberStatus = z.infer<typeof SubscriberStatus>;

export const DeadLetter = z.object({
  id: z.string(),
  subscriberId: z.string(),
  fromVersion: z.number().int(),
  toVersion: z.number().int(),
  attempts: z.number().int(),
  lastError: DeliveryError.nullable(),
  createdAt: z.number().int(),
});
export type DeadLetter = z.infer<typeof DeadLetter>;

export const DeadLetterQuery = z.object({
  subscriberId: z.string().max(64).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
