import type { StoredEvent } from "../../src/contract/event.ts";
import { ConsumerName, FEED_ACK_WINDOW_BYTES } from "../../src/contract/feed.ts";
import { WorkspaceId } from "../../src/contract/ids.ts";
import { backoffDelay, DEFAULT_BACKOFF, sleep, type BackoffPolicy } from "./backoff.ts";
import { FeedSession, type SessionEnd } from "./feed-session.ts";
import { readEvents, RelayHttpError, type ReadConnection } from "./relay-http.ts";
import type { BridgeExit, BridgeOptions, OffsetStore, Transport } from "./types.ts";

const MAX_EVENTS_PER_BATCH = 1000;
/** Long polls wait this long for news (the relay allows up to 30 s). */
const LONG_POLL_SECONDS = 25;
/** Consecutive failed WebSocket connects before long polls take over for a while. */
const CONNECT_FAILURES_BEFORE_POLLING = 2;
/** Transient read failures a serverless run tolerates before it gives up. */
const BATCH_MODE_RETRIES = 5;
const DEFAULT_OFFSETS_PATH = "relay-offsets.sqlite";

/**
 * Keeps a customer database in sync with one workspace: reads the log after the saved offset
 * (the WebSocket feed, or long polls), applies each batch through the adapter, then saves the
 * offset — at least once, in order. Resolves when aborted, when a serverless run has caught up,
 * or on an error retrying cannot fix; it rejects only on invalid options.
 */
export async function runBridge(options: BridgeOptions): Promise<BridgeExit> {
  const bridge = await Bridge.create(options);
  const exit = await bridge.run();
  await options.onExit?.(exit);
  return exit;
}

type Settings = {
  conn: ReadConnection;
  consumer: string;
  eventsPerBatch: number;
  transport: "auto" | Transport;
  backoff: BackoffPolicy;
  heartbeatTimeoutMs: number;
  pollFallbackMs: number;
  tokenInQuery: boolean;
  WebSocket: typeof WebSocket | undefined;
};

class Bridge {
  private offset = 0;
  private head = 0;
  /** Why the last connect or read failed, for `onRetry`. */
  private lastFailure: Error | undefined;
  private readonly stream: string;
  private readonly signal: AbortSignal | undefined;
  private readonly options: BridgeOptions;
  private readonly settings: Settings;
  private readonly store: OffsetStore;
  private readonly ownsStore: boolean;

  private constructor(options: BridgeOptions, settings: Settings, store: OffsetStore, ownsStore: boolean) {
    this.options = options;
    this.settings = settings;
    this.signal = options.signal;
    this.store = store;
    this.ownsStore = ownsStore;
    this.stream = `${settings.conn.workspaceId}/${settings.consumer}`;
  }

  static async create(options: BridgeOptions): Promise<Bridge> {
    const settings = resolveSettings(options);
    if (options.offsetStore) return new Bridge(options, settings, options.offsetStore, false);
    // Loaded only when needed: node:sqlite is the default, not a requirement.
    const { sqliteOffsetStore } = await import("../storage/sqlite.ts");
    return new Bridge(options, settings, sqliteOffsetStore({ path: DEFAULT_OFFSETS_PATH }), true);
  }

  async run(): Promise<BridgeExit> {
    try {
      this.offset = (await this.store.load(this.stream)) ?? 0;
      return this.options.waitFn ? await this.runBatchMode() : await this.runLiveMode();
    } catch (error) {
      if (this.signal?.aborted) return this.aborted();
      return { reason: "fatal", offset: this.offset, error: asError(error) };
    } finally {
      if (this.ownsStore) await this.store.close?.();
    }
  }

  private aborted(): BridgeExit {
    return { reason: "aborted", offset: this.offset };
  }

  // ─── Serverless batch mode ──────────────────────────────────────────────────────────

  private async runBatchMode(): Promise<BridgeExit> {
    const waitFn = this.options.waitFn!;
    let failures = 0;
    while (!this.signal?.aborted) {
      let page;
      try {
        page = await readEvents(
          this.settings.conn,
          { after: this.offset, limit: this.settings.eventsPerBatch },
          this.signal,
        );
        failures = 0;
      } catch (error) {
        if (this.signal?.aborted) break;
        if ((error instanceof RelayHttpError && error.fatal) || ++failures > BATCH_MODE_RETRIES) throw error;
        await this.pause(failures, asError(error));
        continue;
      }
      this.head = page.head;
      if (page.events.length > 0 && (await this.apply(page.events, "poll")) === "aborted") break;
      if (page.hasMore) continue;
      if ((await waitFn({ offset: this.offset, head: this.head })) !== true) {
        return { reason: "caught_up", offset: this.offset };
      }
    }
    return this.aborted();
  }

  // ─── Long-running mode ──────────────────────────────────────────────────────────────

  private async runLiveMode(): Promise<BridgeExit> {
    await this.preflight();
    const { transport, WebSocket } = this.settings;
    let failures = 0;
    let pollUntil = transport === "poll" || !WebSocket ? Infinity : 0;
    while (!this.signal?.aborted) {
      if (Date.now() >= pollUntil) {
        const end = await this.runFeedSession();
        if (end === "aborted") break;
        if (end.fatal) throw new Error(end.reason);
        if (end.behind) continue;
        failures = end.opened ? 0 : failures + 1;
        if (!end.opened) {
          this.lastFailure = new Error(`could not open the feed at ${this.settings.conn.relayUrl}: ${end.reason}`);
        }
        if (transport === "auto" && failures >= CONNECT_FAILURES_BEFORE_POLLING) {
          // The WebSocket keeps failing (a proxy may refuse upgrades): long polls work through
          // plain HTTP. They also surface a bad key or a deleted workspace as a fatal error.
          pollUntil = Date.now() + this.settings.pollFallbackMs;
          continue;
        }
      } else {
        const outcome = await this.runPollRound(pollUntil);
        if (outcome === "aborted") break;
        failures = outcome === "error" ? failures + 1 : 0;
        if (outcome === "done") continue;
      }
      await this.pause(failures, this.lastFailure);
    }
    return this.aborted();
  }

  /** Waits before the next attempt; after `failures` failures in a row, tells `onRetry` why. */
  private async pause(failures: number, failure: Error | undefined): Promise<void> {
    const delayMs = backoffDelay(Math.max(0, failures - 1), this.settings.backoff);
    if (failures > 0 && failure) await this.options.onRetry?.({ error: failure, failures, delayMs });
    await sleep(delayMs, this.signal);
  }

  /** One read before connecting, so a wrong key or workspace ends the run at once, clearly. */
  private async preflight(): Promise<void> {
    try {
      const page = await readEvents(this.settings.conn, { after: this.offset, limit: 1 }, this.signal);
      this.head = page.head;
    } catch (error) {
      if (error instanceof RelayHttpError && error.fatal) throw error;
      // Anything else is transient; the connection loop retries with backoff.
    }
  }

  private async runFeedSession(): Promise<SessionEnd | "aborted"> {
    const session = new FeedSession({
      ...this.settings.conn,
      after: this.offset,
      consumer: this.settings.consumer,
      WebSocket: this.settings.WebSocket!,
      tokenInQuery: this.settings.tokenInQuery,
      heartbeatTimeoutMs: this.settings.heartbeatTimeoutMs,
      maxQueuedChars: 2 * FEED_ACK_WINDOW_BYTES,
      signal: this.signal,
    });
    try {
      for (;;) {
        const item = await session.next();
        if (item.type === "end") return this.signal?.aborted ? "aborted" : item;
        this.head = Math.max(this.head, item.head);
        if (item.type === "heartbeat") {
          await this.options.onHeartbeat?.({
            head: item.head,
            at: item.at,
            offset: this.offset,
            transport: "websocket",
          });
          continue;
        }
        // Take what else is already waiting, so batches fill up to eventsPerBatch.
        const events = [...item.events];
        for (let next; events.length < this.settings.eventsPerBatch && (next = session.takeQueuedEvents());) {
          events.push(...next.events);
        }
        if ((await this.apply(events, "websocket")) === "aborted") return "aborted";
        session.ack(this.offset);
      }
    } finally {
      session.close();
    }
  }

  /** Long polls until `until`; "error" on a transient failure. Fatal HTTP errors throw. */
  private async runPollRound(until: number): Promise<"done" | "error" | "aborted"> {
    while (Date.now() < until) {
      let page;
      try {
        page = await readEvents(
          this.settings.conn,
          { after: this.offset, limit: this.settings.eventsPerBatch, waitSeconds: LONG_POLL_SECONDS },
          this.signal,
        );
      } catch (error) {
        if (this.signal?.aborted) return "aborted";
        if (error instanceof RelayHttpError && error.fatal) throw error;
        this.lastFailure = asError(error);
        return "error";
      }
      this.head = page.head;
      if (page.events.length === 0) {
        await this.options.onHeartbeat?.({ head: page.head, at: Date.now(), offset: this.offset, transport: "poll" });
      } else if ((await this.apply(page.events, "poll")) === "aborted") {
        return "aborted";
      }
    }
    return "done";
  }

  // ─── Applying ───────────────────────────────────────────────────────────────────────

  /**
   * Applies events in batches of `eventsPerBatch`: hooks, adapter, then the offset. Events at
   * or below the offset (overlap after a reconnect) are skipped. An abort is honoured between
   * any two steps — even between the apply and the save, where it leaves a batch applied but
   * not recorded: the next run replays it, which the adapter's version checks make harmless.
   */
  private async apply(events: readonly StoredEvent[], transport: Transport): Promise<"ok" | "aborted"> {
    const fresh = events.filter((event) => event.version > this.offset);
    for (let i = 1; i < fresh.length; i++) {
      if (fresh[i]!.version <= fresh[i - 1]!.version) throw new Error("the relay sent events out of version order");
    }
    const { adapter, onEvent, onBatchProcessed } = this.options;
    for (let start = 0; start < fresh.length; start += this.settings.eventsPerBatch) {
      const batch = fresh.slice(start, start + this.settings.eventsPerBatch);
      if (this.signal?.aborted) return "aborted";
      if (onEvent) for (const event of batch) await onEvent(event);
      await adapter.applyBatch(batch, { stream: this.stream });
      if (this.signal?.aborted) return "aborted";
      const last = batch.at(-1)!.version;
      await this.store.save(this.stream, last);
      this.offset = last;
      this.head = Math.max(this.head, last);
      await onBatchProcessed?.({ events: batch, offset: last, head: this.head, transport });
    }
    return "ok";
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

function resolveSettings(options: BridgeOptions): Settings {
  let relayUrl: URL;
  try {
    relayUrl = new URL(options.relayUrl);
  } catch {
    throw new TypeError(`relayUrl is not a URL: ${options.relayUrl}`);
  }
  if (!WorkspaceId.safeParse(options.workspaceId).success)
    throw new TypeError(`invalid workspaceId: ${options.workspaceId}`);
  const consumer = options.consumer ?? "replicator";
  if (!ConsumerName.safeParse(consumer).success) throw new TypeError(`invalid consumer name: ${consumer}`);
  const eventsPerBatch = options.eventsPerBatch ?? 100;
  if (!Number.isInteger(eventsPerBatch) || eventsPerBatch < 1 || eventsPerBatch > MAX_EVENTS_PER_BATCH) {
    throw new TypeError(`eventsPerBatch must be an integer in 1..${MAX_EVENTS_PER_BATCH}`);
  }
  if (!options.readKey) throw new TypeError("readKey is required");
  const WebSocketClass = options.WebSocket ?? globalThis.WebSocket;
  if (options.transport === "websocket" && !WebSocketClass) throw new TypeError("no WebSocket class is available");
  return {
    conn: {
      relayUrl: relayUrl.toString(),
      workspaceId: options.workspaceId,
      readKey: options.readKey,
      fetch: options.fetch ?? globalThis.fetch,
    },
    consumer,
    eventsPerBatch,
    transport: options.transport ?? "auto",
    backoff: { ...DEFAULT_BACKOFF, ...options.backoff },
    heartbeatTimeoutMs: options.heartbeatTimeoutMs ?? 65_000,
    pollFallbackMs: options.pollFallbackMs ?? 60_000,
    tokenInQuery: options.tokenInQuery ?? false,
    WebSocket: WebSocketClass,
  };
}
