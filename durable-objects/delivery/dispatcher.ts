import type { AttemptTrigger } from "../../src/contract/attempts";
import type { DeliveryOutcome, DeliveryRef, DeliveryRequest } from "../../src/contract/delivery-messages";
import type { DeliveryError } from "../../src/contract/subscriber";
import { deliveryAnalytics } from "../../src/config";
import { DELIVERY_TIMEOUT_MS } from "../../src/delivery/perform";
import { nextRetryDelaySeconds, retryPolicy, type RetryPolicy } from "../../src/delivery/retry-schedule";
import type { AlarmTasks } from "../alarm-tasks";
import type { AlertOutbox, AlertRow } from "../alerts/alert-outbox";
import { buildAlertRequest } from "../alerts/alert-request";
import { deferredTogether } from "../deferred-writes";
import type { StoredRow } from "../event-log";
import type { Sql } from "../sql";
import { buildDeliveryRequest, lastMatching, matchingEvents, newDeliveryId } from "./batches";
import { DeadLetters, type StoredDeadLetter } from "./dead-letters";
import { sendThroughWorker } from "./delivery-invocations";
import { recordDeliveryOutcome } from "./delivery-log";
import { HeldProgress } from "./held-progress";
import type { BatchEvent, DeliveryObserver } from "./observer";
import { OutcomeBatcher } from "./outcome-batcher";
import type { Pacing } from "./pacer";
import type { RecentEvents } from "./recent-events";
import type { SubscriberSecrets } from "./subscriber-secrets";
import type { InFlight, Subscriber, SubscriberStore } from "./subscriber-store";
import type { SubscriberTransitions } from "./transitions";
import { UnmatchedRanges } from "./unmatched-ranges";

/** After this long without an outcome, the watchdog re-sends: the attempt's timeout plus margin. */
export const DELIVERY_LEASE_MS = DELIVERY_TIMEOUT_MS + 15_000;
export const WATCHDOG_TASK = "delivery-watchdog";
/** Wakes the dispatcher when a rate-limited subscriber may be sent its next batch. */
export const PACING_TASK = "delivery-pacing";
/**
 * The longest an outcome waits in memory for the other attempts still out (OutcomeBatcher):
 * long enough to gather a fan-out's outcomes into a few commits, short enough that a
 * subscriber behind a slow one loses little (a drain's next batch starts at most this late).
 */
const OUTCOME_HOLD_MS = 2;

export type DispatcherDeps = {
  sql: Sql;
  storage: DurableObjectStorage;
  store: SubscriberStore;
  secrets: SubscriberSecrets;
  recent: RecentEvents;
  alarms: AlarmTasks;
  env: Env;
  workspaceId: () => string;
  head: () => number;
  observer: DeliveryObserver;
  alerts: AlertOutbox;
  transitions: SubscriberTransitions;
  pacing: Pacing;
};

export type PreparedAttempt =
  | { kind: "send"; request: DeliveryRequest }
  | { kind: "early"; retryInSeconds: number }
  | { kind: "stale" };

const toError = (outcome: DeliveryOutcome): DeliveryError => ({
  at: outcome.at,
  status: outcome.status,
  message: outcome.message,
});

const isSuccess = (outcome: DeliveryOutcome) => outcome.status !== null && outcome.status >= 200 && outcome.status < 300;

const batchEventsOf = (rows: readonly StoredRow[]): BatchEvent[] =>
  rows.map((row) => ({ version: row.version, receivedAt: row.received_at }));

/** A batch about to start: the subscriber with it in flight, and the events it carries. */
type NewBatch = { subscriber: Subscriber; batch: InFlight; rows: StoredRow[] };

/** An attempt to make: a subscriber's batch, with its events when the caller has them. */
type PlannedSend = { subscriberId: string; batch: InFlight; rows?: StoredRow[] };

/** An attempt built and ready to go, and the batch it belongs to. */
type ReadySend = { ref: DeliveryRef; request: DeliveryRequest };

/** A request ready to send, with the events it carries. */
type BuiltRequest = { request: DeliveryRequest; events: BatchEvent[] };

/** What settling an outcome left to do after its transaction: a retry to enqueue. */
type Settled = { result: "applied" | "stale"; enqueue?: { ref: DeliveryRef; delaySeconds: number } };

/**
 * Moves every subscriber through its batches: at most one batch in flight per subscriber, in
 * version order; the cursor moves only here, only after a 2xx or a dead letter. The first
 * attempt of a batch goes out at once from the Durable Object (through the Worker's
 * DeliveryWorker entrypoint); retries go through the queue with `delaySeconds`, and the
 * watchdog re-sends anything whose lease ran out without an outcome.
 */
export class Dispatcher {
  private readonly policy: RetryPolicy;
  readonly deadLetters: DeadLetters;
  /**
   * The events of each subscriber's batch as last built, so settling its outcome needs no
   * query; after a restart (or for another batch) they are selected again.
   */
  private readonly sentEvents = new Map<string, { batchId: string; events: BatchEvent[] }>();
  private readonly outcomes: OutcomeBatcher;
  /** Subscriber saves, held to one write while outcomes are applied. */
  private readonly progress: HeldProgress;
  /** Where each idle subscriber's next selection starts: past events known not to match it. */
  private readonly unmatched = new UnmatchedRanges();

  constructor(private readonly deps: DispatcherDeps) {
    this.policy = retryPolicy(deps.env);
    this.deadLetters = new DeadLetters(deps.sql);
    this.progress = new HeldProgress(deps.store);
    // Progress last: the only part whose write may fail, which undoes the whole transaction.
    this.outcomes = new OutcomeBatcher(deps.storage, OUTCOME_HOLD_MS, deferredTogether(deps.observer, this.progress));
  }

  // ─── Starting batches ──────────────────────────────────────────────────────────────

  /**
   * Starts a batch for every idle active subscriber that has matching events: their leases in
   * one write, then the sends. A statement per lease was about a tenth of a 100-subscriber
   * fan-out's latency (BENCHMARKS.md).
   */
  kickAll(now = Date.now()): void {
    const batches: NewBatch[] = [];
    for (const s of this.deps.store.list()) {
      const batch = this.nextBatch(s, now);
      if (batch) batches.push(batch);
    }
    this.startBatches(batches);
  }

  /** The head of what `s` is delivered: the event log, or the alert outbox. */
  private headOf(s: Subscriber): number {
    return s.channel === "alerts" ? this.deps.alerts.head() : this.deps.head();
  }

  private isIdleBehindHead(s: Subscriber): boolean {
    return s.state === "active" && !s.inFlight && this.unmatched.scanFrom(s) < this.headOf(s);
  }

  /**
   * The version after which `s` may still need events: its cursor, or further when the events
   * after it are known not to match it (a batch in flight starts at the first that does).
   * Retention keeps what comes after this.
   */
  neededAfter(s: Subscriber): number {
    return s.inFlight ? s.inFlight.fromVersion - 1 : this.unmatched.scanFrom(s);
  }

  /**
   * Before retention deletes every event up to `through` for everyone (the retention cap),
   * moves each idle subscriber's cursor to the last of those events that it was still to
   * receive. Its next batch's `prevVersion` is then past what the receiver acknowledged, so the
   * receiver sees the gap (contract §9: "the next `prevVersion` shows the gap"); had the cursor
   * stayed, the chain would look unbroken and the loss would go unnoticed. A batch in flight
   * keeps its own range. Call inside the transaction that deletes.
   */
  skipDeletedEvents(through: number): void {
    const moved: Subscriber[] = [];
    for (const s of this.deps.store.listOf("events")) {
      if (s.inFlight || s.cursor >= through) continue;
      const last = lastMatching(this.deps.sql, s, { after: this.unmatched.scanFrom(s), upTo: through });
      if (last !== undefined) moved.push({ ...s, cursor: last });
    }
    if (moved.length > 0) this.save(...moved);
  }

  /**
   * Starts the next batch of one subscriber, if it is idle, active, has events waiting and
   * its rate limit allows. True when it did, and so saved the subscriber (with the batch) as
   * given.
   */
  kick(s: Subscriber, now = Date.now()): boolean {
    const batch = this.nextBatch(s, now);
    if (!batch) return false;
    this.startBatches([batch]);
    return true;
  }

  /** The batch `s` is due next, if it is idle, active, has events waiting and its rate limit allows. */
  private nextBatch(s: Subscriber, now: number): NewBatch | undefined {
    // A subscriber at the head has nothing to match: skip the query.
    if (!this.isIdleBehindHead(s)) return undefined;
    const allowance = this.deps.pacing.allowance(s, now);
    if (!allowance.ok) {
      this.wakeForPacing(allowance.retryAt);
      return undefined;
    }
    const upTo = this.headOf(s);
    const limit = Math.min(s.maxBatchSize, allowance.maxEvents);
    const rows = this.select(s, { after: this.unmatched.scanFrom(s), upTo, limit });
    if (rows.length === 0) {
      // Only a selection that could return something proves that nothing matches.
      if (limit > 0) this.unmatched.noneUpTo(s, upTo);
      return undefined;
    }
    this.deps.pacing.record(s, rows.length, now);
    const batch: InFlight = {
      // An alert's webhook-id is the alert's own id (contract §9); an alert batch holds one.
      id: s.channel === "alerts" ? (rows[0] as AlertRow).alert_id : newDeliveryId(),
      fromVersion: rows[0]!.version,
      toVersion: rows.at(-1)!.version,
      prevVersion: s.cursor,
      attempt: 1,
      phase: "sending",
      nextAttemptAt: now,
      leaseUntil: now + DELIVERY_LEASE_MS,
      firstFailedAt: null,
    };
    return { subscriber: { ...s, inFlight: batch }, batch, rows };
  }

  private wakeForPacing(at: number): void {
    this.deps.alarms.scheduleNoLaterThan(PACING_TASK, at).catch((err) => {
      console.error("could not arm the pacing alarm", err instanceof Error ? err.message : String(err));
    });
  }

  /**
   * The subscriber's matching events in a range: from memory when the latest appends hold them
   * all. An alert destination's "events" are the alerts it wants, numbered by their seq.
   */
  private select(s: Subscriber, range: { after: number; upTo: number; limit: number }): StoredRow[] {
    if (s.channel === "alerts") return this.deps.alerts.matching(s, range);
    return this.deps.recent.matching(s, range) ?? matchingEvents(this.deps.sql, s, range);
  }

  /** Saves a subscriber that has just finished a batch, with its next batch if one can start. */
  private finishBatch(next: Subscriber, now: number): void {
    // Under load the next batch is usually waiting: one write for both steps, not two.
    if (!this.kick(next, now)) this.save(next);
  }

  /** Saves each subscriber with its new batch, then sends them: a send never precedes its lease. */
  private startBatches(batches: readonly NewBatch[]): void {
    if (batches.length === 0) return;
    this.save(...batches.map((b) => b.subscriber));
    void this.sendAll(
      batches.map(({ subscriber, batch, rows }) => ({ subscriberId: subscriber.id, batch, rows })),
      "fast-path",
    );
  }

  /**
   * Sends attempts from the Durable Object through the DeliveryWorker, several to an
   * invocation (`sendThroughWorker`), and applies each outcome as its receiver answers. One
   * attempt that fails to build or settle stops none of the others. Never rejects.
   */
  private async sendAll(sends: readonly PlannedSend[], trigger: AttemptTrigger): Promise<void> {
    const prepared = await Promise.allSettled(sends.map((send) => this.prepareSend(send, trigger)));
    const ready = prepared.flatMap((p) => (p.status === "fulfilled" && p.value ? [p.value] : []));
    const outcomes = sendThroughWorker(this.deps.env.DELIVERY_WORKER, ready.map((r) => r.request));
    const applied = await Promise.allSettled(
      ready.map(async ({ ref }, i) => this.applyOutcome(ref, await this.outcomes.track(outcomes[i]!), trigger)),
    );
    for (const result of [...prepared, ...applied]) {
      // Its lease stays set, so the watchdog re-sends; log for the operator.
      if (result.status === "rejected") {
        const err: unknown = result.reason;
        console.error("delivery attempt failed unexpectedly", err instanceof Error ? err.message : String(err));
      }
    }
  }

  /** The request of one planned attempt, built and remembered; nothing if its subscriber or events are gone. */
  private async prepareSend(send: PlannedSend, trigger: AttemptTrigger): Promise<ReadySend | undefined> {
    const s = this.deps.store.get(send.subscriberId);
    if (!s) return undefined;
    const built = await this.buildRequest(s, send.batch, send.rows, Date.now());
    if (!built) return undefined;
    // The fast path counted its batch when it started it (kick); a watchdog re-send counts here.
    if (trigger === "watchdog") this.deps.pacing.record(s, built.events.length, Date.now());
    this.sentEvents.set(s.id, { batchId: send.batch.id, events: built.events });
    return { ref: this.refOf(s.id, send.batch), request: built.request };
  }

  /** One attempt through the Worker's DeliveryWorker entrypoint; its failure is an outcome too. */
  private deliverThroughWorker(request: DeliveryRequest): Promise<DeliveryOutcome> {
    return this.outcomes.track(sendThroughWorker(this.deps.env.DELIVERY_WORKER, [request])[0]!);
  }

  private async buildRequest(
    s: Subscriber,
    batch: InFlight,
    rows: StoredRow[] | undefined,
    now: number,
  ): Promise<BuiltRequest | undefined> {
    const events = rows ?? this.selectBatch(s, batch);
    if (events.length === 0) return undefined;
    const secrets = this.deps.secrets.of(s.id).valid(now);
    const workspaceId = this.deps.workspaceId();
    const request =
      s.channel === "alerts"
        ? await buildAlertRequest({ url: s.url, workspaceId, alert: events[0] as AlertRow, attempt: batch.attempt, secrets, now })
        : await buildDeliveryRequest({ workspaceId, subscriber: s, batch, rows: events, secrets, now });
    return { request, events: batchEventsOf(events) };
  }

  /** The retained events of a batch already started (its range holds no more than that). */
  private selectBatch(s: Subscriber, range: Pick<InFlight, "fromVersion" | "toVersion">): StoredRow[] {
    return this.select(s, { after: range.fromVersion - 1, upTo: range.toVersion, limit: range.toVersion - range.fromVersion + 1 });
  }

  /** The events of the batch `ref` names: as sent, if this object built it, else selected again. */
  private eventsOf(s: Subscriber, ref: DeliveryRef): BatchEvent[] {
    const sent = this.sentEvents.get(s.id);
    return sent?.batchId === ref.deliveryId ? sent.events : batchEventsOf(this.selectBatch(s, ref));
  }

  private refOf(subscriberId: string, batch: InFlight): DeliveryRef {
    return {
      workspaceId: this.deps.workspaceId(),
      subscriberId,
      deliveryId: batch.id,
      fromVersion: batch.fromVersion,
      toVersion: batch.toVersion,
      attempt: batch.attempt,
    };
  }

  private current(ref: DeliveryRef): { s: Subscriber; batch: InFlight } | undefined {
    const s = this.deps.store.get(ref.subscriberId);
    const batch = s?.inFlight;
    if (!s || !batch || batch.id !== ref.deliveryId || batch.attempt !== ref.attempt) return undefined;
    return { s, batch };
  }

  // ─── Queue retries ─────────────────────────────────────────────────────────────────

  /** The queue consumer asks for the request of a scheduled retry; stale references get nothing. */
  async prepareQueuedAttempt(ref: DeliveryRef, now = Date.now()): Promise<PreparedAttempt> {
    const found = this.current(ref);
    if (!found || found.batch.phase !== "waiting" || found.s.state !== "retrying") return { kind: "stale" };
    // A retry never goes out before its time (Retry-After is a floor), even if the queue
    // hands the message over early.
    const early = found.batch.nextAttemptAt - now;
    if (early > 0) return { kind: "early", retryInSeconds: Math.ceil(early / 1000) };
    // A retry carries its events to the receiver again: it waits for the rate limit too.
    const paced = this.deps.pacing.allowance(found.s, now);
    if (!paced.ok) return { kind: "early", retryInSeconds: Math.ceil((paced.retryAt - now) / 1000) };
    const batch: InFlight = { ...found.batch, phase: "sending", leaseUntil: now + DELIVERY_LEASE_MS };
    this.save({ ...found.s, inFlight: batch });
    const built = await this.buildRequest(found.s, batch, undefined, now);
    if (!built) return this.skipVanishedBatch(found.s, batch);
    this.deps.pacing.record(found.s, built.events.length, now);
    this.sentEvents.set(found.s.id, { batchId: batch.id, events: built.events });
    return { kind: "send", request: built.request };
  }

  /**
   * The events of a batch can only vanish if retention outran the subscriber (the configured
   * maximum retention). Nothing is left to send: move on.
   */
  private skipVanishedBatch(s: Subscriber, batch: InFlight): PreparedAttempt {
    this.finishBatch({ ...s, cursor: batch.toVersion, inFlight: null, state: "active" }, Date.now());
    return { kind: "stale" };
  }

  // ─── Outcomes ──────────────────────────────────────────────────────────────────────

  /**
   * Applies the outcome of an attempt, and reports it to the observer in the same transaction
   * (shared with the other outcomes of a fan-out that come back together: OutcomeBatcher).
   * Outcomes of batches no longer in flight change nothing, but are still reported: the
   * attempt happened.
   */
  async applyOutcome(ref: DeliveryRef, outcome: DeliveryOutcome, trigger: AttemptTrigger): Promise<"applied" | "stale"> {
    const settled = await this.outcomes.apply(() => this.settle(ref, outcome, trigger, Date.now()));
    if (settled.enqueue) {
      try {
        await this.deps.env.DELIVERY_QUEUE.send(settled.enqueue.ref, { delaySeconds: settled.enqueue.delaySeconds });
      } catch (err) {
        // The watchdog re-sends at the lease's end; nothing is lost, only later.
        console.error("could not enqueue a delivery retry", err instanceof Error ? err.message : String(err));
      }
    }
    return settled.result;
  }

  private settle(ref: DeliveryRef, outcome: DeliveryOutcome, trigger: AttemptTrigger, now: number): Settled {
    const found = this.current(ref);
    const subscriber = found?.s ?? this.deps.store.get(ref.subscriberId);
    if (!subscriber) return { result: "stale" };
    const events = this.eventsOf(subscriber, ref);
    recordDeliveryOutcome(
      { workspaceId: this.deps.workspaceId(), subscriber, ref, trigger, outcome, eventCount: events.length, stale: !found },
      deliveryAnalytics(this.deps.env),
    );
    // Alert destinations are not subscribers: their attempts stay out of the attempt log and
    // the stats, and what happens to them raises no alerts (no alerts about alerts).
    const isEventSubscriber = subscriber.channel === "events";
    if (isEventSubscriber) {
      this.deps.observer.attemptFinished(
        {
          subscriberId: subscriber.id,
          webhookId: ref.deliveryId,
          fromVersion: ref.fromVersion,
          toVersion: ref.toVersion,
          eventCount: events.length,
          attempt: ref.attempt,
          trigger,
          outcome,
        },
        now,
      );
    }
    if (!found) return { result: "stale" };
    const { s, batch } = found;
    if (isSuccess(outcome)) {
      if (isEventSubscriber) this.deps.observer.acknowledged(s.id, events, outcome.at, { cursor: batch.prevVersion });
      this.sentEvents.delete(s.id);
      let next: Subscriber = {
        ...s,
        cursor: batch.toVersion,
        inFlight: null,
        state: s.state === "retrying" ? "active" : s.state,
        lastSuccessAt: outcome.at,
        consecutiveFailures: 0,
      };
      if (isEventSubscriber) next = this.deps.transitions.succeeded(next, s.consecutiveFailures, now);
      this.finishBatch(next, now);
      return { result: "applied" };
    }
    let failed: Subscriber = { ...s, lastError: toError(outcome), consecutiveFailures: s.consecutiveFailures + 1 };
    if (outcome.status === 410) {
      this.sentEvents.delete(s.id);
      this.save(
        isEventSubscriber
          ? this.deps.transitions.disabled(failed, "gone", now)
          : { ...failed, state: "disabled", disabledReason: "gone", inFlight: null },
      );
      return { result: "applied" };
    }
    if (isEventSubscriber) {
      failed = this.deps.transitions.failed(failed, batch, outcome.at, now);
      if (failed.state === "disabled") {
        this.sentEvents.delete(s.id);
        this.save(failed);
        return { result: "applied" };
      }
    }
    const firstFailedAt = batch.firstFailedAt ?? outcome.at;
    const delay = nextRetryDelaySeconds({
      policy: this.policy,
      failures: batch.attempt,
      failingForSeconds: (now - firstFailedAt) / 1000,
      retryAfterSeconds: outcome.retryAfterSeconds,
    });
    if (delay === undefined) {
      this.sentEvents.delete(s.id);
      this.exhaust(failed, batch, events.length, now);
      return { result: "applied" };
    }
    const nextAttemptAt = now + Math.ceil(delay * 1000);
    const retry: InFlight = {
      ...batch,
      attempt: batch.attempt + 1,
      phase: "waiting",
      nextAttemptAt,
      leaseUntil: nextAttemptAt + DELIVERY_LEASE_MS,
      firstFailedAt,
    };
    this.save({ ...failed, state: "retrying", inFlight: retry });
    return { result: "applied", enqueue: { ref: this.refOf(s.id, retry), delaySeconds: Math.ceil(delay) } };
  }

  private exhaust(s: Subscriber, batch: InFlight, eventCount: number, now: number): void {
    if (s.channel === "alerts") {
      // An alert undelivered for the whole retry age is dropped: later alerts matter more.
      this.finishBatch({ ...s, state: "active", cursor: batch.toVersion, inFlight: null }, now);
      return;
    }
    if (s.onExhausted === "pause") {
      this.save(this.deps.transitions.paused(s, batch, now));
      return;
    }
    this.deps.observer.deadLettered(s.id, eventCount, now);
    this.deps.transitions.deadLettered(s, batch, now);
    this.deadLetters.record({
      id: batch.id,
      subscriberId: s.id,
      fromVersion: batch.fromVersion,
      toVersion: batch.toVersion,
      prevVersion: batch.prevVersion,
      attempts: batch.attempt,
      lastError: s.lastError,
      createdAt: now,
    });
    this.finishBatch({ ...s, state: "active", cursor: batch.toVersion, inFlight: null }, now);
  }

  // ─── Watchdog ──────────────────────────────────────────────────────────────────────

  /**
   * Re-sends every batch whose lease ran out: an attempt whose outcome never came back (the
   * relay restarted, the Worker invocation died) or a retry whose queue message was lost.
   */
  runWatchdog(now = Date.now()): void {
    const changed: Subscriber[] = [];
    const resends: PlannedSend[] = [];
    for (const s of this.deps.store.list()) {
      const batch = s.inFlight;
      if (!batch || batch.leaseUntil > now || s.state === "paused" || s.state === "disabled") continue;
      // A re-send carries its events to the receiver again: it waits for the rate limit too,
      // as a queued retry does. Its lease moves to that time, so the watchdog comes back then.
      const paced = this.deps.pacing.allowance(s, now);
      if (!paced.ok) {
        changed.push({ ...s, inFlight: { ...batch, leaseUntil: paced.retryAt } });
        continue;
      }
      const resend: InFlight = {
        ...batch,
        // A 'sending' attempt may have reached the receiver: the re-send is a new attempt.
        attempt: batch.phase === "sending" ? batch.attempt + 1 : batch.attempt,
        phase: "sending",
        leaseUntil: now + DELIVERY_LEASE_MS,
      };
      changed.push({ ...s, inFlight: resend });
      resends.push({ subscriberId: s.id, batch: resend });
    }
    // Every new lease in one write, as a fan-out's, then the sends.
    if (changed.length > 0) this.save(...changed);
    if (resends.length > 0) void this.sendAll(resends, "watchdog");
  }

  /**
   * A retry message ended in the queue's dead-letter queue. The batch is still in flight, so
   * the watchdog re-sends it at its lease; record why, so the operator sees it in the status.
   */
  noteLostRetry(ref: DeliveryRef, now = Date.now()): void {
    const found = this.current(ref);
    if (!found) return;
    this.save({
      ...found.s,
      lastError: {
        at: now,
        status: null,
        message: `retry message for versions ${ref.fromVersion}..${ref.toVersion} was dead-lettered by the queue; the watchdog re-sends it`,
      },
    });
  }

  /** After a restart no attempt can still be running: let the watchdog take them over now. */
  recoverAfterRestart(now = Date.now()): void {
    for (const s of this.deps.store.list()) {
      if (s.inFlight?.phase === "sending" && s.inFlight.leaseUntil > now) {
        this.save({ ...s, inFlight: { ...s.inFlight, leaseUntil: now } });
      }
    }
  }

  /** Arms the watchdog for the earliest lease. */
  async armWatchdog(): Promise<void> {
    const leases = this.deps.store
      .list()
      .filter((s) => s.inFlight && s.state !== "paused" && s.state !== "disabled")
      .map((s) => s.inFlight!.leaseUntil);
    if (leases.length === 0) await this.deps.alarms.cancel(WATCHDOG_TASK);
    else await this.deps.alarms.schedule(WATCHDOG_TASK, Math.min(...leases));
  }

  // ─── Dead letters ──────────────────────────────────────────────────────────────────

  /** Re-sends a dead-lettered batch once, out of band; success removes the dead letter. */
  async redeliver(letter: StoredDeadLetter): Promise<void> {
    const s = this.deps.store.get(letter.subscriberId);
    if (!s) return;
    const batch: InFlight = {
      id: letter.id,
      fromVersion: letter.fromVersion,
      toVersion: letter.toVersion,
      prevVersion: letter.prevVersion,
      attempt: letter.attempts + 1,
      phase: "sending",
      nextAttemptAt: Date.now(),
      leaseUntil: Date.now() + DELIVERY_LEASE_MS,
      firstFailedAt: null,
    };
    const built = await this.buildRequest(s, batch, undefined, Date.now());
    if (!built) return;
    const outcome = await this.deliverThroughWorker(built.request);
    await this.outcomes.apply(() => {
      // The subscriber (and with it the dead letter) may have been deleted meanwhile.
      if (!this.deps.store.get(s.id)) return;
      this.deps.observer.attemptFinished(
        {
          subscriberId: s.id,
          webhookId: letter.id,
          fromVersion: letter.fromVersion,
          toVersion: letter.toVersion,
          eventCount: built.events.length,
          attempt: batch.attempt,
          trigger: "redeliver",
          outcome,
        },
        Date.now(),
      );
      if (isSuccess(outcome)) {
        this.deps.observer.acknowledged(s.id, built.events, outcome.at, "dead-letter");
        this.deadLetters.delete(letter.id);
      } else {
        this.deadLetters.updateAfterFailedRedelivery(letter.id, batch.attempt, toError(outcome));
      }
    });
  }

  /** True when any event of the dead letter is still retained. */
  hasEvents(letter: StoredDeadLetter): boolean {
    const s = this.deps.store.get(letter.subscriberId);
    return (
      !!s &&
      matchingEvents(this.deps.sql, s, { after: letter.fromVersion - 1, upTo: letter.toVersion, limit: 1 }).length > 0
    );
  }

  /**
   * Saves subscribers' progress (the dispatcher never changes their settings); a batch in
   * flight gets the watchdog armed no later than its lease.
   */
  private save(...subscribers: Subscriber[]): void {
    this.progress.save(subscribers);
    let earliestLease = Infinity;
    for (const s of subscribers) {
      if (s.inFlight && s.state !== "paused" && s.state !== "disabled") earliestLease = Math.min(earliestLease, s.inFlight.leaseUntil);
    }
    if (earliestLease !== Infinity) this.armWatchdogNoLaterThan(earliestLease);
  }

  private armWatchdogNoLaterThan(leaseUntil: number): void {
    this.deps.alarms.scheduleNoLaterThan(WATCHDOG_TASK, leaseUntil).catch((err) => {
      console.error("could not arm the delivery watchdog", err instanceof Error ? err.message : String(err));
    });
  }
}
