import { DurableObject } from "cloudflare:workers";
import type { IngestResponse, ReadQuery } from "../src/contract/event";
import { failure, retryLater, toValidationIssues, type Failure, type Result } from "../src/contract/errors";
import type { DeliveryOutcome, DeliveryRef } from "../src/contract/delivery-messages";
import type { DeadLetter, PutSubscriberBody, SubscriberStatus } from "../src/contract/subscriber";
import type { CreateReadKeyBody } from "../src/contract/keys";
import type { AlertDestination, AlertDestinationCreated, PutAlertBody } from "../src/contract/alerts";
import type { AttemptQuery, DeliveryAttemptPage } from "../src/contract/attempts";
import type { StatsWindow, WorkspaceStats } from "../src/contract/stats";
import {
  DEFAULT_GRACE_SECONDS,
  DEFAULT_RETENTION_DAYS,
  type SecretRotated,
  type WorkspaceCreated,
  type WorkspaceInfo,
} from "../src/contract/workspace";
import { ingestRequestsPerMinute, maxRetentionDays } from "../src/config";
import type { PreparedBatch } from "../src/ingest/prepare";
import { verify, type WebhookHeaders } from "../src/signing/standard-webhooks";
import {
  appendEvents,
  DAY_MS,
  MIN_DEDUPE_WINDOW_MS,
  lastReceivedBefore,
  pruneEvents,
} from "./event-log";
import { eventJsonAt, searchEvents, searchRequest, searchResponseJson } from "./event-search";
import { AlarmTasks, alarmTaskMigrations } from "./alarm-tasks";
import { AlertAdmin } from "./alerts/alert-admin";
import { AlertOutbox } from "./alerts/alert-outbox";
import { alertMigrations } from "./alerts/schema";
import { AttemptLog, attemptRecordOf, type AttemptRecord } from "./attempts/attempt-log";
import { attemptLogMigrations } from "./attempts/schema";
import { statsMigrations } from "./stats/schema";
import { WorkspaceStatsLog } from "./stats/workspace-stats";
import type { DeliveryObserver } from "./delivery/observer";
import { deliveryMigrations } from "./delivery/schema";
import { Dispatcher, PACING_TASK, WATCHDOG_TASK, type PreparedAttempt } from "./delivery/dispatcher";
import { subscriberPacing, type Pacing } from "./delivery/pacer";
import { RecentEvents } from "./delivery/recent-events";
import { SubscriberSecrets } from "./delivery/subscriber-secrets";
import { SubscriberAdmin } from "./delivery/subscriber-admin";
import { SubscriberStore, type Subscriber } from "./delivery/subscriber-store";
import { SubscriberTransitions } from "./delivery/transitions";
import { isFeedTask, LiveFeed } from "./feed/live-feed";
import { IngestRateLimiter } from "./ingest/rate-limiter";
import { feedMigrations } from "./feed/schema";
import { LongPollWaiters } from "./long-poll";
import { logMigrations } from "./log-schema";
import { ReadKeys, readKeyMigrations } from "./read-keys";
import { hasSchema, migrate, type Migration } from "./schema";
import { deferredTogether } from "./deferred-writes";
import { SecretRing } from "./secret-ring";
import { createSql, type Sql } from "./sql";
import { insertMeta, readMeta, writeLogCounters, writeRetentionDays, type WorkspaceMeta } from "./workspace-meta";

/** Every feature's migrations, applied in this order. */
const MIGRATIONS: Migration[] = [
  ...logMigrations,
  ...alarmTaskMigrations,
  ...deliveryMigrations,
  ...readKeyMigrations,
  ...feedMigrations,
  ...alertMigrations,
  ...attemptLogMigrations,
  ...statsMigrations,
];

/** How often the retention sweep runs. */
const RETENTION_SWEEP_INTERVAL_MS = 60 * 60 * 1000;
const RETENTION_TASK = "retention";

const SIGNATURE_MESSAGES = {
  missing_headers: "missing webhook-id, webhook-timestamp or webhook-signature header",
  invalid_timestamp: "webhook-timestamp must be unix seconds",
  timestamp_too_old: "webhook-timestamp is more than 300 s in the past",
  timestamp_too_new: "webhook-timestamp is more than 300 s in the future",
  no_matching_signature: "no signature matches any of the workspace's ingress secrets",
} as const;


const notFound = (): Failure => failure("workspace_not_found", "workspace does not exist");
const subscriberNotFound = (): Failure => failure("subscriber_not_found", "subscriber does not exist");
const alertNotFound = (): Failure => failure("alert_not_found", "alert destination does not exist");

/**
 * One workspace: its settings, ingress secrets and ordered event log, in SQLite. Every
 * public method is an RPC called by the Worker, which has already checked admin auth and
 * request sizes. A Durable Object that never held a workspace has no schema, and calls
 * against it write nothing.
 */
export class WorkspaceDurableObject extends DurableObject<Env> {
  private readonly sql: Sql;
  private readonly secrets: SecretRing;
  private readonly waiters = new LongPollWaiters();
  protected readonly alarms: AlarmTasks;
  private readonly subscribers: SubscriberStore;
  private readonly subscriberSecrets: SubscriberSecrets;
  private readonly recentEvents = new RecentEvents();
  private readonly ingestRate: IngestRateLimiter;
  private readonly dispatcher: Dispatcher;
  private readonly subscriberAdmin: SubscriberAdmin;
  private readonly alertOutbox: AlertOutbox;
  private readonly alertAdmin: AlertAdmin;
  private readonly readKeys: ReadKeys;
  private readonly feed: LiveFeed;
  private readonly attemptLog: AttemptLog;
  private readonly stats: WorkspaceStatsLog;
  /** In-memory copy of the `workspace` row; this object is its only writer. */
  private meta: WorkspaceMeta | undefined;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = createSql(ctx.storage.sql);
    this.secrets = new SecretRing(this.sql, "ingress");
    this.alarms = new AlarmTasks(this.sql, ctx.storage);
    this.subscribers = new SubscriberStore(this.sql);
    this.subscriberSecrets = new SubscriberSecrets(this.sql);
    this.ingestRate = new IngestRateLimiter(ingestRequestsPerMinute(env));
    this.attemptLog = new AttemptLog(this.sql);
    this.stats = new WorkspaceStatsLog(this.sql);
    const head = () => this.meta?.head ?? 0;
    this.alertOutbox = new AlertOutbox(this.sql, () => this.meta?.workspaceId ?? "");
    this.alertAdmin = new AlertAdmin(this.subscribers, this.subscriberSecrets);
    const transitions = new SubscriberTransitions(this.alertOutbox, () => this.deliverAlertsSoon());
    this.dispatcher = new Dispatcher({
      sql: this.sql,
      storage: ctx.storage,
      store: this.subscribers,
      secrets: this.subscriberSecrets,
      recent: this.recentEvents,
      alarms: this.alarms,
      env,
      workspaceId: () => this.meta?.workspaceId ?? "",
      head,
      observer: this.deliveryObserver(),
      alerts: this.alertOutbox,
      transitions,
      pacing: this.deliveryPacing(),
    });
    this.subscriberAdmin = new SubscriberAdmin(this.sql, this.subscribers, this.subscriberSecrets, this.dispatcher, head, transitions);
    this.readKeys = new ReadKeys(this.sql, () => this.meta?.workspaceId);
    this.feed = new LiveFeed(ctx, this.sql, this.alarms, () =>
      this.meta ? { workspaceId: this.meta.workspaceId, head: this.meta.head } : undefined,
    );
    if (hasSchema(this.sql)) {
      ctx.storage.transactionSync(() => migrate(this.sql, MIGRATIONS));
      this.meta = readMeta(this.sql);
      if (this.meta) {
        // Attempts that were running when this object last stopped will never report back.
        this.dispatcher.recoverAfterRestart();
        void ctx.blockConcurrencyWhile(() => this.dispatcher.armWatchdog());
      }
    }
  }

  // ─── Workspace lifecycle (contract §1) ──────────────────────────────────────────────

  /** PUT: creates the workspace on first call, updates its settings on later ones. */
  async put(
    workspaceId: string,
    settings: { retentionDays?: number },
  ): Promise<Result<{ created: true; body: WorkspaceCreated } | { created: false; body: WorkspaceInfo }>> {
    if (this.meta) {
      if (settings.retentionDays !== undefined && settings.retentionDays !== this.meta.retentionDays) {
        writeRetentionDays(this.sql, settings.retentionDays);
        this.meta = { ...this.meta, retentionDays: settings.retentionDays };
      }
      return { ok: true, created: false, body: this.describe(this.meta) };
    }
    const createdAt = Date.now();
    const retentionDays = settings.retentionDays ?? DEFAULT_RETENTION_DAYS;
    const ingressSecret = this.ctx.storage.transactionSync(() => {
      migrate(this.sql, MIGRATIONS);
      insertMeta(this.sql, { workspaceId, createdAt, retentionDays });
      return this.secrets.create(createdAt);
    });
    this.meta = readMeta(this.sql);
    await this.alarms.schedule(RETENTION_TASK, createdAt + RETENTION_SWEEP_INTERVAL_MS);
    return { ok: true, created: true, body: { workspaceId, ingressSecret, createdAt, retentionDays } };
  }

  async info(): Promise<Result<{ body: WorkspaceInfo }>> {
    if (!this.meta) return notFound();
    return { ok: true, body: this.describe(this.meta) };
  }

  async rotateIngressSecret(graceSeconds = DEFAULT_GRACE_SECONDS): Promise<Result<{ body: SecretRotated }>> {
    if (!this.meta) return notFound();
    const now = Date.now();
    const rotated = this.ctx.storage.transactionSync(() => this.secrets.rotate(now, graceSeconds));
    return { ok: true, body: { ingressSecret: rotated.secret, previousValidUntil: rotated.previousValidUntil } };
  }

  /** DELETE: erases everything this workspace stored. */
  async destroy(): Promise<Result<object>> {
    if (!this.meta) return notFound();
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    this.meta = undefined;
    this.secrets.forget();
    this.subscribers.forget();
    this.subscriberSecrets.forget();
    this.alarms.forget();
    this.alertOutbox.forget();
    this.stats.forget();
    this.recentEvents.clear();
    this.waiters.wake();
    this.feed.closeAll();
    return { ok: true };
  }

  private describe(meta: WorkspaceMeta): WorkspaceInfo {
    return {
      workspaceId: meta.workspaceId,
      head: meta.head,
      eventCount: meta.eventCount,
      subscriberCount: this.subscribers.count(),
      createdAt: meta.createdAt,
      retentionDays: meta.retentionDays,
    };
  }

  // ─── Ingest (contract §2) ───────────────────────────────────────────────────────────

  /**
   * Verifies and appends one signed ingest request, which the Worker has already parsed and
   * validated (`prepared`). The order of answers is the order a caller can act on: unknown
   * workspace, then signature (before revealing anything about the body), then the rate cap
   * (only signed requests count, so nobody without the secret can use up a source's quota),
   * then the body.
   */
  async ingest(
    rawBody: string | Uint8Array,
    headers: Partial<WebhookHeaders>,
    prepared: Result<{ batch: PreparedBatch }>,
  ): Promise<Result<{ json: string }>> {
    if (!this.meta) return notFound();
    const verified = await verify({ headers, body: rawBody, secrets: this.secrets.valid(Date.now()) });
    if (!verified.ok) return failure("invalid_signature", SIGNATURE_MESSAGES[verified.reason]);
    const admitted = this.ingestRate.admit(Date.now());
    if (!admitted.ok) {
      return retryLater("rate_limited", "this workspace's ingest request cap is reached; retry later", admitted.retryAfterSeconds);
    }

    if (!prepared.ok) return prepared;

    // The workspace may have been deleted while the signature was being checked.
    const before = this.meta;
    if (!before) return notFound();
    const now = Date.now();
    const appended = this.ctx.storage.transactionSync(() => {
      const result = appendEvents(this.sql, prepared.batch, before, now);
      if (result.appended > 0) writeLogCounters(this.sql, result.counters);
      this.stats.ingested(now, { appended: result.appended, duplicates: result.results.length - result.appended });
      this.stats.flush();
      return result;
    });
    this.meta = { ...before, ...appended.counters };
    if (appended.appended > 0) {
      this.recentEvents.recordAppend(before.head, appended.counters.head, prepared.batch, appended, appended.counters.lastReceivedAt);
      this.onAppended();
    }
    // Serialized here, so the answer crosses the RPC as one string rather than an object per event.
    const body: IngestResponse = { results: appended.results, head: appended.counters.head };
    return { ok: true, json: JSON.stringify(body) };
  }

  /** Hook run after every commit that appended events. */
  protected onAppended(): void {
    this.waiters.wake();
    this.dispatcher.kickAll();
    this.ctx.waitUntil(this.feed.onAppended());
  }

  // ─── Reading the log (contract §3) ──────────────────────────────────────────────────

  /**
   * A page of stored events, filtered and in either order (§8), as the response's JSON text,
   * so rows are never re-parsed. An ascending read that finds nothing may wait for appends.
   */
  async read(query: ReadQuery): Promise<Result<{ json: string }>> {
    if (!this.meta) return notFound();
    const request = searchRequest(query, this.meta.head);
    let page = searchEvents(this.sql, request);
    // A filtered read may be woken by appends that do not match it: wait out the rest.
    const deadline = Date.now() + query.wait * 1000;
    while (page.rows.length === 0 && Date.now() < deadline) {
      await this.waiters.wait(deadline - Date.now());
      if (!this.meta) return notFound();
      page = searchEvents(this.sql, request);
    }
    return { ok: true, json: searchResponseJson(this.meta.workspaceId, this.meta.head, request, page) };
  }

  async readEvent(version: number): Promise<Result<{ json: string }>> {
    if (!this.meta) return notFound();
    const json = eventJsonAt(this.sql, this.meta.workspaceId, version);
    return json === undefined ? failure("event_not_found", `the log holds no event ${version}`) : { ok: true, json };
  }

  // ─── Live feed and read keys (contract §6) ──────────────────────────────────────────

  /** Only the feed's upgrade comes here: the Worker forwards it, as RPC cannot carry a socket. */
  override async fetch(request: Request): Promise<Response> {
    return this.feed.accept(request);
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    await this.feed.onMessage(ws, message);
  }

  override async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    await this.feed.onClose(ws, code);
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    await this.feed.onClose(ws, 1006);
  }

  async createReadKey(body: CreateReadKeyBody) {
    return this.readKeys.create(body, Date.now());
  }

  async listReadKeys() {
    return this.readKeys.list();
  }

  async revokeReadKey(keyId: string) {
    const revoked = this.readKeys.revoke(keyId);
    if (revoked.ok) this.feed.closeKeySockets(keyId);
    return revoked;
  }

  async verifyReadKey(key: string) {
    return this.readKeys.verify(key);
  }

  // ─── Subscribers (contract §4) ──────────────────────────────────────────────────────

  /** PUT: creates a subscriber (its secret is returned this once) or updates it. */
  async putSubscriber(
    subscriberId: string,
    body: PutSubscriberBody,
  ): Promise<Result<{ created: boolean; body: SubscriberStatus & { secret?: string } }>> {
    if (!this.meta) return notFound();
    const result = this.ctx.storage.transactionSync(() => this.subscriberAdmin.put(subscriberId, body, Date.now()));
    if ("ok" in result) return result;
    const status = this.subscriberAdmin.status(result.subscriber);
    this.dispatcher.kick(result.subscriber);
    return result.created
      ? { ok: true, created: true, body: { ...status, secret: result.secret } }
      : { ok: true, created: false, body: status };
  }

  async getSubscriber(subscriberId: string): Promise<Result<{ body: SubscriberStatus }>> {
    return this.withSubscriber(subscriberId, (s) => s);
  }

  async listSubscribers(): Promise<Result<{ body: { subscribers: SubscriberStatus[] } }>> {
    if (!this.meta) return notFound();
    return { ok: true, body: { subscribers: this.subscribers.listOf("events").map((s) => this.subscriberAdmin.status(s)) } };
  }

  async deleteSubscriber(subscriberId: string): Promise<Result<object>> {
    if (!this.meta) return notFound();
    if (!this.subscribers.get(subscriberId)) return subscriberNotFound();
    this.ctx.storage.transactionSync(() => {
      this.subscriberAdmin.remove(subscriberId);
      this.attemptLog.removeSubscriber(subscriberId);
    });
    this.stats.forgetSubscriber(subscriberId);
    return { ok: true };
  }

  async pauseSubscriber(subscriberId: string): Promise<Result<{ body: SubscriberStatus }>> {
    return this.withSubscriber(subscriberId, (s) => this.subscriberAdmin.pause(s));
  }

  async resumeSubscriber(subscriberId: string): Promise<Result<{ body: SubscriberStatus }>> {
    return this.withSubscriber(subscriberId, (s) => this.subscriberAdmin.resume(s));
  }

  async disableSubscriber(subscriberId: string): Promise<Result<{ body: SubscriberStatus }>> {
    return this.withSubscriber(subscriberId, (s) => this.subscriberAdmin.disable(s, Date.now()));
  }

  async enableSubscriber(subscriberId: string): Promise<Result<{ body: SubscriberStatus }>> {
    return this.withSubscriber(subscriberId, (s) => this.subscriberAdmin.enable(s));
  }

  async replaySubscriber(subscriberId: string, afterVersion: number): Promise<Result<{ body: SubscriberStatus }>> {
    return this.withSubscriber(subscriberId, (s) => this.subscriberAdmin.replay(s, afterVersion));
  }

  async rotateSubscriberSecret(
    subscriberId: string,
    graceSeconds = DEFAULT_GRACE_SECONDS,
  ): Promise<Result<{ body: { secret: string; previousValidUntil: number } }>> {
    if (!this.meta) return notFound();
    if (!this.subscribers.get(subscriberId)) return subscriberNotFound();
    const now = Date.now();
    const rotated = this.ctx.storage.transactionSync(() =>
      this.subscriberSecrets.of(subscriberId).rotate(now, graceSeconds),
    );
    return { ok: true, body: { secret: rotated.secret, previousValidUntil: rotated.previousValidUntil } };
  }

  // ─── Alert destinations (contract §9) ───────────────────────────────────────────────

  /** PUT: creates a destination (its secret is returned this once) or updates it. */
  async putAlert(
    alertId: string,
    body: PutAlertBody,
  ): Promise<Result<{ created: boolean; body: AlertDestination | AlertDestinationCreated }>> {
    if (!this.meta) return notFound();
    const result = this.ctx.storage.transactionSync(() =>
      this.alertAdmin.put(alertId, body, this.alertOutbox.head(), Date.now()),
    );
    return result.created
      ? { ok: true, created: true, body: { ...result.destination, secret: result.secret } }
      : { ok: true, created: false, body: result.destination };
  }

  async listAlerts(): Promise<Result<{ body: { alerts: AlertDestination[] } }>> {
    if (!this.meta) return notFound();
    return { ok: true, body: { alerts: this.alertAdmin.list() } };
  }

  async deleteAlert(alertId: string): Promise<Result<object>> {
    if (!this.meta) return notFound();
    const removed = this.ctx.storage.transactionSync(() => this.alertAdmin.remove(alertId));
    return removed ? { ok: true } : alertNotFound();
  }

  /**
   * Alerts are recorded inside the transaction of their transition; their delivery starts
   * right after it, outside, so a transition never waits on (or re-enters) another
   * subscriber's batch.
   */
  private deliverAlertsSoon(): void {
    queueMicrotask(() => {
      for (const destination of this.subscribers.listOf("alerts")) this.dispatcher.kick(destination);
    });
  }

  /** Runs a change on one subscriber, then starts its next batch if it can go. */
  private withSubscriber(
    subscriberId: string,
    change: (s: Subscriber) => Subscriber | Failure,
  ): Result<{ body: SubscriberStatus }> {
    if (!this.meta) return notFound();
    const existing = this.subscribers.get(subscriberId);
    if (!existing) return subscriberNotFound();
    const changed = this.ctx.storage.transactionSync(() => change(existing));
    if ("ok" in changed) return changed;
    this.dispatcher.kick(changed);
    return { ok: true, body: this.subscriberAdmin.status(this.subscribers.get(subscriberId)!) };
  }

  async listDeadLetters(query: { subscriberId?: string; limit: number }): Promise<Result<{ body: { deadLetters: DeadLetter[] } }>> {
    if (!this.meta) return notFound();
    const deadLetters = this.dispatcher.deadLetters.list(query).map(({ prevVersion: _, ...letter }) => letter);
    return { ok: true, body: { deadLetters } };
  }

  async redeliverDeadLetter(id: string): Promise<Result<object>> {
    if (!this.meta) return notFound();
    const letter = this.dispatcher.deadLetters.get(id);
    if (!letter) return failure("dead_letter_not_found", "dead letter does not exist");
    if (!this.dispatcher.hasEvents(letter)) {
      return failure("conflict", "the dead letter's events are no longer retained");
    }
    this.ctx.waitUntil(this.dispatcher.redeliver(letter));
    return { ok: true };
  }

  // ─── Delivery retries (called by the queue consumer) ────────────────────────────────

  async prepareQueuedAttempt(ref: DeliveryRef): Promise<PreparedAttempt> {
    if (!this.meta) return { kind: "stale" };
    return this.dispatcher.prepareQueuedAttempt(ref);
  }

  async reportOutcome(ref: DeliveryRef, outcome: DeliveryOutcome): Promise<"applied" | "stale"> {
    if (!this.meta) return "stale";
    return this.dispatcher.applyOutcome(ref, outcome, "queue");
  }

  /** A retry message ended in the queue's dead-letter queue: record it; the watchdog re-sends. */
  async noteLostRetry(ref: DeliveryRef): Promise<void> {
    if (!this.meta) return;
    console.error(
      `delivery retry message was dead-lettered by the queue: ${ref.subscriberId} ${ref.fromVersion}..${ref.toVersion} attempt ${ref.attempt}`,
    );
    this.dispatcher.noteLostRetry(ref);
    await this.dispatcher.armWatchdog();
  }

  // ─── Operator views (contract §8) ───────────────────────────────────────────────────

  async listAttempts(subscriberId: string, query: AttemptQuery): Promise<Result<{ body: DeliveryAttemptPage }>> {
    if (!this.meta) return notFound();
    if (!this.subscribers.get(subscriberId)) return subscriberNotFound();
    return { ok: true, body: this.attemptLog.page(subscriberId, query) };
  }

  async workspaceStats(window: StatsWindow): Promise<Result<{ body: WorkspaceStats }>> {
    if (!this.meta) return notFound();
    return { ok: true, body: this.stats.report(window, Date.now()) };
  }

  /** Delivery's reports, called inside the transaction that applies each outcome. */
  private deliveryObserver(): DeliveryObserver {
    return {
      attemptFinished: (attempt, now) => {
        if (attempt.outcome.kind !== "success") this.stats.failedAttempt(attempt.outcome.at);
        this.recordAttempt(attemptRecordOf(attempt), now);
      },
      acknowledged: (subscriberId, events, ackAt, from) => this.stats.acknowledged(subscriberId, events, ackAt, from),
      deadLettered: (_subscriberId, events, now) => this.stats.deadLettered(now, events),
      // The stats and the attempt log hold their writes back to one statement per commit.
      ...deferredTogether(this.stats, this.attemptLog),
    };
  }

  /**
   * Subscribers' rate limits. A hook, so the drain benchmark can measure what enforcing them
   * costs the subscribers that have none.
   */
  protected deliveryPacing(): Pacing {
    return subscriberPacing();
  }

  /**
   * Adds an attempt to the attempt log, written with its outcome's commit. A hook, so the drain
   * benchmark can measure the log's cost.
   */
  protected recordAttempt(record: AttemptRecord, now: number): void {
    this.attemptLog.hold(record, now);
  }

  // ─── Retention ──────────────────────────────────────────────────────────────────────

  /**
   * The lowest version that must survive retention. Retention never deletes an event at or
   * above it. Subscribers raise the bar here (they still need events after their cursor).
   */
  protected retentionFloor(): number {
    // Disabled subscribers hold events back too, up to the cap, as paused ones do: enabling
    // one resumes from its cursor, and its events should still be there (contract §9). An
    // active one holds back only what may match it: a subscriber whose filter matches rarely
    // would otherwise keep the whole log since its last match.
    let floor = Number.MAX_SAFE_INTEGER;
    for (const s of this.subscribers.listOf("events")) floor = Math.min(floor, this.dispatcher.neededAfter(s) + 1);
    return floor;
  }

  /** Runs every feature task that is due, then re-arms for the earliest remaining one. */
  override async alarm(): Promise<void> {
    if (!this.meta) return;
    const now = Date.now();
    for (const task of this.alarms.takeDue(now)) await this.runAlarmTask(task, now);
    await this.alarms.arm();
  }

  /** Dispatches one due alarm task to its feature. */
  protected async runAlarmTask(task: string, now: number): Promise<void> {
    if (task === RETENTION_TASK) {
      this.sweepRetention(now);
      await this.alarms.schedule(RETENTION_TASK, now + RETENTION_SWEEP_INTERVAL_MS);
    } else if (task === WATCHDOG_TASK) {
      this.dispatcher.runWatchdog(now);
      await this.dispatcher.armWatchdog();
    } else if (task === PACING_TASK) {
      // A rate-limited subscriber may go on; its next wake-up is armed by the kick if needed.
      this.dispatcher.kickAll(now);
    } else if (isFeedTask(task)) {
      await this.feed.runAlarmTask(task, now);
    }
  }

  /** Alerts at or below this seq have reached every destination that wants them. */
  private slowestAlertCursor(): number {
    return Math.min(this.alertOutbox.head(), ...this.subscribers.listOf("alerts").map((s) => s.cursor));
  }

  /**
   * Deletes events older than the workspace's retention, but none that a subscriber still
   * needs, unless they are older than RELAY_MAX_RETENTION_DAYS: that cap holds for everyone,
   * so a subscriber paused longer than it skips what was deleted (its next batch's
   * prevVersion shows the gap).
   */
  protected sweepRetention(now: number): number {
    const meta = this.meta;
    if (!meta) return 0;
    // Selecting each idle subscriber's next batch finds how far past its cursor nothing matches
    // it (lost on restart), so the floor below holds back only what may still be delivered.
    this.dispatcher.kickAll(now);
    const retentionMs = meta.retentionDays * DAY_MS;
    const maxRetentionMs = Math.max(retentionMs, maxRetentionDays(this.env) * DAY_MS);
    const idCutoff = now - Math.max(retentionMs, MIN_DEDUPE_WINDOW_MS);
    const deleted = this.ctx.storage.transactionSync(() => {
      const capped = lastReceivedBefore(this.sql, now - maxRetentionMs, meta.head);
      if (capped !== undefined) this.dispatcher.skipDeletedEvents(capped);
      const count =
        pruneEvents(this.sql, { cutoff: now - retentionMs, keepFromVersion: this.retentionFloor(), idCutoff }) +
        pruneEvents(this.sql, { cutoff: now - maxRetentionMs, keepFromVersion: Number.MAX_SAFE_INTEGER, idCutoff });
      if (count > 0) writeLogCounters(this.sql, { ...meta, eventCount: meta.eventCount - count });
      this.alertOutbox.prune(this.slowestAlertCursor(), now);
      return count;
    });
    this.meta = { ...meta, eventCount: meta.eventCount - deleted };
    // Deleted events must not come back from memory.
    if (deleted > 0) this.recentEvents.clear(meta.head);
    return deleted;
  }
}
