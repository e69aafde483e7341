import type { Failure } from "../../src/contract/errors";
import { failure } from "../../src/contract/errors";
import {
  DEFAULT_DISABLE_AFTER_FAILING_HOURS,
  type PutSubscriberBody,
  type SubscriberStatus,
} from "../../src/contract/subscriber";
import type { Sql } from "../sql";
import { countMatching } from "./batches";
import type { Dispatcher } from "./dispatcher";
import type { SubscriberSecrets } from "./subscriber-secrets";
import type { SubscriberTransitions } from "./transitions";
import { NO_DELIVERIES_YET, type Subscriber, type SubscriberStore } from "./subscriber-store";

/** Admin operations on subscribers (contract §4, §9), on top of the store and the dispatcher. */
export class SubscriberAdmin {
  constructor(
    private readonly sql: Sql,
    private readonly store: SubscriberStore,
    private readonly secrets: SubscriberSecrets,
    private readonly dispatcher: Dispatcher,
    private readonly head: () => number,
    private readonly transitions: SubscriberTransitions,
  ) {}

  status(s: Subscriber): SubscriberStatus {
    const head = this.head();
    return {
      id: s.id,
      kind: s.kind,
      url: s.url,
      filter: s.filter,
      excludeOrigins: s.excludeOrigins,
      maxBatchSize: s.maxBatchSize,
      onExhausted: s.onExhausted,
      rateLimit: s.rateLimit,
      disableAfterFailingHours: s.disableAfterFailingHours,
      state: s.state,
      disabledReason: s.state === "disabled" ? s.disabledReason : null,
      cursor: s.cursor,
      head,
      lag: countMatching(this.sql, s, s.cursor),
      inFlight: s.inFlight
        ? {
            fromVersion: s.inFlight.fromVersion,
            toVersion: s.inFlight.toVersion,
            attempt: s.inFlight.attempt,
            nextAttemptAt: s.inFlight.nextAttemptAt,
          }
        : null,
      lastSuccessAt: s.lastSuccessAt,
      lastError: s.lastError,
      consecutiveFailures: s.consecutiveFailures,
      deadLetterCount: this.dispatcher.deadLetters.countFor(s.id),
      createdAt: s.createdAt,
    };
  }

  /** Creates (with a new secret, shown once) or updates a subscriber. Call inside a transaction. */
  put(
    id: string,
    body: PutSubscriberBody,
    now: number,
  ): { created: true; subscriber: Subscriber; secret: string } | { created: false; subscriber: Subscriber } | Failure {
    const existing = this.store.get(id);
    if (!existing) {
      const cursor = this.startCursor(body.start);
      if (typeof cursor !== "number") return cursor;
      const subscriber: Subscriber = {
        id,
        channel: "events",
        kind: body.kind,
        url: body.url,
        filter: body.filter ?? null,
        excludeOrigins: body.excludeOrigins ?? [],
        maxBatchSize: body.maxBatchSize ?? 100,
        onExhausted: body.onExhausted ?? (body.kind === "convex" ? "pause" : "dead-letter"),
        rateLimit: body.rateLimit ?? null,
        disableAfterFailingHours: body.disableAfterFailingHours ?? DEFAULT_DISABLE_AFTER_FAILING_HOURS,
        state: body.enabled === false ? "disabled" : "active",
        disabledReason: body.enabled === false ? "manual" : null,
        cursor,
        ...NO_DELIVERIES_YET,
        createdAt: now,
      };
      this.store.save(subscriber);
      const secret = this.secrets.of(id).create(now);
      return { created: true, subscriber, secret };
    }
    // `start` applies only at creation; everything else given replaces the stored value.
    const settings: Subscriber = {
      ...existing,
      kind: body.kind,
      url: body.url,
      filter: body.filter === undefined ? existing.filter : body.filter,
      excludeOrigins: body.excludeOrigins ?? existing.excludeOrigins,
      maxBatchSize: body.maxBatchSize ?? existing.maxBatchSize,
      onExhausted: body.onExhausted ?? existing.onExhausted,
      rateLimit: body.rateLimit === undefined ? existing.rateLimit : body.rateLimit,
      disableAfterFailingHours: body.disableAfterFailingHours ?? existing.disableAfterFailingHours,
    };
    let subscriber = settings;
    if (body.enabled === false) subscriber = this.transitions.disabled(settings, "manual", now);
    else if (body.enabled === true) subscriber = this.enabled(settings);
    this.store.save(subscriber);
    return { created: false, subscriber };
  }

  /** `subscriber` active again from its cursor, with a clean failure record. */
  private enabled(s: Subscriber): Subscriber {
    if (s.state !== "disabled") return s;
    return { ...s, state: "active", disabledReason: null, inFlight: null, consecutiveFailures: 0, failingSince: null };
  }

  /**
   * Disables with reason "manual": the batch is dropped (an outcome still on its way is then
   * stale) and the cursor kept, so enabling resumes where delivery stopped. An already
   * disabled subscriber keeps its first reason.
   */
  disable(s: Subscriber, now: number): Subscriber {
    const next = this.transitions.disabled(s, "manual", now);
    this.store.save(next);
    return next;
  }

  enable(s: Subscriber): Subscriber {
    const next = this.enabled(s);
    this.store.save(next);
    return next;
  }

  private startCursor(start: PutSubscriberBody["start"]): number | Failure {
    const head = this.head();
    if (start === undefined || start === "head") return head;
    if (start === "beginning") return 0;
    if (start.afterVersion > head) {
      return failure("invalid_request", "body is invalid", [
        { path: "start.afterVersion", message: `must be at most the head (${head})` },
      ]);
    }
    return start.afterVersion;
  }

  pause(s: Subscriber): Subscriber {
    // Dropping the in-flight batch makes any outcome still on its way stale; resume starts
    // again from the cursor.
    const next: Subscriber = { ...s, state: s.state === "disabled" ? "disabled" : "paused", inFlight: null };
    this.store.save(next);
    return next;
  }

  resume(s: Subscriber): Subscriber {
    // Resuming a disabled subscriber enables it, as it did before `enable` existed.
    const next: Subscriber = s.state === "disabled" ? this.enabled(s) : s.state === "paused" ? { ...s, state: "active", inFlight: null } : s;
    this.store.save(next);
    return next;
  }

  replay(s: Subscriber, afterVersion: number): Subscriber | Failure {
    if (afterVersion > this.head()) {
      return failure("invalid_request", "body is invalid", [
        { path: "afterVersion", message: `must be at most the head (${this.head()})` },
      ]);
    }
    const next: Subscriber = {
      ...s,
      cursor: afterVersion,
      inFlight: null,
      state: s.state === "retrying" ? "active" : s.state,
    };
    this.store.save(next);
    return next;
  }

  remove(id: string): void {
    this.store.delete(id);
    this.secrets.erase(id);
  }
}
