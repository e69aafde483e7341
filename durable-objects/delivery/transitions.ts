import type { AlertType } from "../../src/contract/alerts";
import type { DisabledReason } from "../../src/contract/subscriber";
import type { AlertOutbox } from "../alerts/alert-outbox";
import type { InFlight, Subscriber } from "./subscriber-store";

/** `subscriber.failing` goes out on the 4th consecutive failed attempt of a batch (contract §9). */
export const FAILING_ALERT_AT_ATTEMPT = 4;
const HOUR_MS = 3_600_000;

/**
 * The state changes of an event subscriber that operators are told about, and auto-disable.
 * Each method returns the subscriber as it must be saved, and records its alerts in the alert
 * outbox in the caller's transaction, so an alert exists exactly when its transition was
 * stored. Alert destinations themselves never go through here (no alerts about alerts).
 */
export class SubscriberTransitions {
  constructor(
    private readonly alerts: AlertOutbox,
    /** Called after alerts were recorded, to start their delivery once the write commits. */
    private readonly onAlerts: () => void,
  ) {}

  private alert(type: AlertType, s: Subscriber, data: Record<string, unknown>, now: number): void {
    this.alerts.emit(type, s.id, data, now);
    this.onAlerts();
  }

  /** A batch was acknowledged: the failure record ends, and a `failing` alert is answered. */
  succeeded(s: Subscriber, failedAttempts: number, now: number): Subscriber {
    if (s.failingAlerted) this.alert("subscriber.recovered", s, { failedAttempts, cursor: s.cursor }, now);
    return { ...s, failingSince: null, failingAlerted: false };
  }

  /**
   * An attempt failed (`s` already counts it). Says `failing` once, at the 4th attempt of a
   * batch, and disables the subscriber once it has failed without a single success for
   * `disableAfterFailingHours`.
   */
  failed(s: Subscriber, batch: InFlight, failedAt: number, now: number): Subscriber {
    let next: Subscriber = { ...s, failingSince: s.failingSince ?? failedAt };
    if (batch.attempt >= FAILING_ALERT_AT_ATTEMPT && !next.failingAlerted) {
      this.alert(
        "subscriber.failing",
        next,
        {
          consecutiveFailures: next.consecutiveFailures,
          fromVersion: batch.fromVersion,
          toVersion: batch.toVersion,
          lastError: next.lastError,
        },
        now,
      );
      next = { ...next, failingAlerted: true };
    }
    const limitMs = next.disableAfterFailingHours * HOUR_MS;
    if (limitMs > 0 && now - next.failingSince! >= limitMs) return this.disabled(next, "failing", now);
    return next;
  }

  /** Disabled for `reason`, with its batch dropped and its cursor kept. */
  disabled(s: Subscriber, reason: DisabledReason, now: number): Subscriber {
    if (s.state === "disabled") return s;
    const next: Subscriber = { ...s, state: "disabled", disabledReason: reason, inFlight: null };
    this.alert("subscriber.disabled", next, { reason, cursor: next.cursor }, now);
    return next;
  }

  /** Retries ran out under `onExhausted: "pause"`. */
  paused(s: Subscriber, batch: InFlight, now: number): Subscriber {
    const next: Subscriber = { ...s, state: "paused", inFlight: null };
    this.alert("subscriber.paused", next, { cursor: next.cursor, fromVersion: batch.fromVersion, toVersion: batch.toVersion }, now);
    return next;
  }

  /** Retries ran out under `onExhausted: "dead-letter"` and a dead letter was recorded. */
  deadLettered(s: Subscriber, batch: InFlight, now: number): void {
    this.alert(
      "dead_letter.created",
      s,
      { deadLetterId: batch.id, fromVersion: batch.fromVersion, toVersion: batch.toVersion, attempts: batch.attempt },
      now,
    );
  }
}
