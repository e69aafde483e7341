import { z } from "zod";

/**
 * How the HTTP handler hands a whole delivery to the app's `applyFederatedData` mutation.
 * That mutation keeps the seed's argument validator, so the batch rides in `data` (the seed
 * declares it `v.any()`) under an entity name no registered entity can have. One call, one
 * transaction: the batch commits whole or not at all.
 *
 * `plan` and `commit` are function handles to the component's `inbox.plan` and
 * `inbox.commit`: the seed's data handler is built without the component, so the handler
 * passes the way to reach it along with the events.
 */
export const BATCH_ENTITY_NAME = "$federation/batch";

export const BatchData = z.object({
  eventsJson: z.string(),
  plan: z.string(),
  commit: z.string(),
});
export type BatchData = z.infer<typeof BatchData>;
