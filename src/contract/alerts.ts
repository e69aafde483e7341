import { z } from "zod";
import { DisabledReason } from "./subscriber";

/** Contract §9: what happens to subscribers that operators can subscribe to. */
export const AlertType = z.enum([
  "subscriber.failing",
  "subscriber.recovered",
  "subscriber.paused",
  "subscriber.disabled",
  "dead_letter.created",
]);
export type AlertType = z.infer<typeof AlertType>;

/** `PUT /v1/workspaces/{ws}/alerts/{alertId}`. Omitted `types` means every type. */
export const PutAlertBody = z
  .object({
    url: z.string().url().max(2048),
    types: z.array(AlertType).min(1).max(AlertType.options.length).optional(),
  })
  .strict();
export type PutAlertBody = z.infer<typeof PutAlertBody>;

/** An alert destination as listed: never its secret. */
export const AlertDestination = z.object({
  id: z.string(),
  url: z.string(),
  types: z.array(AlertType),
});
export type AlertDestination = z.infer<typeof AlertDestination>;

/** The create answer: the secret is shown this once. */
export const AlertDestinationCreated = AlertDestination.extend({ secret: z.string() });
export type AlertDestinationCreated = z.infer<typeof AlertDestinationCreated>;

export const AlertDestinationList = z.object({ alerts: z.array(AlertDestination) });
export type AlertDestinationList = z.infer<typeof AlertDestinationList>;

/** What each alert type carries in `data`. */
export const AlertData = {
  "subscriber.failing": z.object({
    consecutiveFailures: z.number().int(),
    fromVersion: z.number().int(),
    toVersion: z.number().int(),
    lastError: z.object({ at: z.number().int(), status: z.number().int().nullable(), message: z.string() }).nullable(),
  }),
  "subscriber.recovered": z.object({ failedAttempts: z.number().int(), cursor: z.number().int() }),
  "subscriber.paused": z.object({ cursor: z.number().int(), fromVersion: z.number().int(), toVersion: z.number().int() }),
  "subscriber.disabled": z.object({ reason: DisabledReason, cursor: z.number().int() }),
  "dead_letter.created": z.object({
    deadLetterId: z.string(),
    fromVersion: z.number().int(),
    toVersion: z.number().int(),
    attempts: z.number().int(),
  }),
} as const satisfies Record<AlertType, z.ZodType>;

/** The body of an alert POST; its `webhook-id` is `id`. */
export const AlertBody = z.object({
  id: z.string(),
  type: AlertType,
  at: z.number().int(),
  workspaceId: z.string(),
  subscriberId: z.string(),
  data: z.record(z.string(), z.unknown()),
});
export type AlertBody = z.infer<typeof AlertBody>;
