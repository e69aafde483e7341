import { z } from "zod";
import { SubscriberId, WorkspaceId } from "./ids";
import { StoredEvent } from "./event";

/** The body of a delivery, relay → subscriber (contract §5). */
export const DeliveryBody = z.object({
  workspaceId: WorkspaceId,
  subscriberId: SubscriberId,
  prevVersion: z.number().int().min(0),
  events: z.array(StoredEvent).min(1).max(100),
});
export type DeliveryBody = z.infer<typeof DeliveryBody>;

/** The relay's own headers on a delivery, beside the Standard Webhooks ones. */
export const DELIVERY_HEADERS = {
  workspace: "x-relay-workspace",
  subscriber: "x-relay-subscriber",
  firstVersion: "x-relay-first-version",
  lastVersion: "x-relay-last-version",
  prevVersion: "x-relay-prev-version",
  attempt: "x-relay-attempt",
} as const;
