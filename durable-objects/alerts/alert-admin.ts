import { AlertType, type AlertDestination, type PutAlertBody } from "../../src/contract/alerts";
import type { SubscriberSecrets } from "../delivery/subscriber-secrets";
import { NO_DELIVERIES_YET, type Subscriber, type SubscriberStore } from "../delivery/subscriber-store";

/**
 * Alert destinations are stored as subscribers of the 'alerts' channel, under an id no
 * subscriber can have (subscriber ids never contain ':'), so they share the delivery
 * machinery and never show among the workspace's subscribers.
 */
const ID_PREFIX = "alert:";
export const destinationKey = (alertId: string) => `${ID_PREFIX}${alertId}`;

function describe(s: Subscriber): AlertDestination {
  return {
    id: s.id.slice(ID_PREFIX.length),
    url: s.url,
    types: (s.filter?.eventTypes as AlertType[] | undefined) ?? [...AlertType.options],
  };
}

/** Admin operations on alert destinations (contract §9). */
export class AlertAdmin {
  constructor(
    private readonly store: SubscriberStore,
    private readonly secrets: SubscriberSecrets,
  ) {}

  get(alertId: string): AlertDestination | undefined {
    const s = this.store.get(destinationKey(alertId));
    return s && describe(s);
  }

  list(): AlertDestination[] {
    return this.store.listOf("alerts").map(describe);
  }

  /**
   * Creates (with a new secret, shown once) or updates a destination. A new destination
   * starts at the outbox's head: it hears about what happens from now on. Call inside a
   * transaction.
   */
  put(
    alertId: string,
    body: PutAlertBody,
    alertHead: number,
    now: number,
  ): { created: true; destination: AlertDestination; secret: string } | { created: false; destination: AlertDestination } {
    const key = destinationKey(alertId);
    const existing = this.store.get(key);
    const filter = body.types ? { eventTypes: [...new Set(body.types)] } : null;
    if (existing) {
      const updated: Subscriber = { ...existing, url: body.url, filter };
      this.store.save(updated);
      return { created: false, destination: describe(updated) };
    }
    const destination: Subscriber = {
      id: key,
      channel: "alerts",
      kind: "webhook",
      url: body.url,
      filter,
      excludeOrigins: [],
      // One alert per POST: its body is the alert, and its webhook-id the alert's id.
      maxBatchSize: 1,
      // An alert that could not be delivered for the whole retry age is dropped, not paused:
      // later alerts matter more than an old one.
      onExhausted: "dead-letter",
      rateLimit: null,
      disableAfterFailingHours: 0,
      state: "active",
      disabledReason: null,
      cursor: alertHead,
      ...NO_DELIVERIES_YET,
      createdAt: now,
    };
    this.store.save(destination);
    const secret = this.secrets.of(key).create(now);
    return { created: true, destination: describe(destination), secret };
  }

  /** Deletes a destination and its secrets; false when there was none. Call inside a transaction. */
  remove(alertId: string): boolean {
    const key = destinationKey(alertId);
    if (!this.store.get(key)) return false;
    this.store.delete(key);
    this.secrets.erase(key);
    return true;
  }
}
