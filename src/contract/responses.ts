import { z } from "zod";
import { DeadLetter, SubscriberStatus } from "./subscriber";

/** Response shapes that have no schema of their own elsewhere in the contract. */

/** Contract §7. */
export const HealthResponse = z.object({ ok: z.literal(true), version: z.string() });

/** Contract §4: the create response is the only one that shows the subscriber's secret. */
export const SubscriberCreated = SubscriberStatus.extend({ secret: z.string().startsWith("whsec_") });
export const SubscriberList = z.object({ subscribers: z.array(SubscriberStatus) });
export const SubscriberSecretRotated = z.object({
  secret: z.string().startsWith("whsec_"),
  previousValidUntil: z.number().int(),
});
export const DeadLetterList = z.object({ deadLetters: z.array(DeadLetter) });
