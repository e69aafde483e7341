import { DELIVERY_HEADERS } from "../../src/contract/delivery";
import type { DeliveryRequest } from "../../src/contract/delivery-messages";
import { signedHeaders } from "../../src/signing/standard-webhooks";
import type { AlertRow } from "./alert-outbox";

/**
 * The signed POST of one alert (contract §9): the body is the alert itself, and its
 * `webhook-id` is the alert's id, the same on every retry.
 */
export async function buildAlertRequest(input: {
  url: string;
  workspaceId: string;
  alert: AlertRow;
  attempt: number;
  secrets: readonly string[];
  now: number;
}): Promise<DeliveryRequest> {
  const signature = await signedHeaders({
    id: input.alert.alert_id,
    timestampSeconds: Math.floor(input.now / 1000),
    body: input.alert.body,
    secrets: input.secrets,
  });
  return {
    url: input.url,
    body: input.alert.body,
    headers: {
      "content-type": "application/json",
      ...signature,
      [DELIVERY_HEADERS.workspace]: input.workspaceId,
      [DELIVERY_HEADERS.attempt]: String(input.attempt),
    },
  };
}
