import type { StoredEvent } from "../../src/contract/event.ts";

export type { StoredEvent };

/**
 * Applies the relay's events to the customer's database. The bridge calls `applyBatch` with
 * events in strictly increasing version order, and may call it again with events it already
 * applied (after a crash or a reconnect): an adapter must make that harmless, by writing an
 * entity only when the event's version is newer than the one it holds (deletes included).
 */
export interface ReplicaAdapter {
  /**
   * `batch.stream` names the stream the events belong to: an adapter that keeps its own
   * offsets (see `offsetStore` of the Postgres and Prisma adapters) saves the batch's last
   * version for that stream in the same transaction as the entities, so no crash can
   * separate them.
   */
  applyBatch(events: readonly StoredEvent[], batch?: BatchContext): Promise<void> | void;
  close?(): Promise<void> | void;
}

export type BatchContext = {
  /** The offset store's key for this run: `${workspaceId}/${consumer}`. */
  stream: string;
};

/**
 * Where the bridge keeps its position: the version of the last event it applied, per stream
 * (workspace and consumer). Saved after each batch is applied, so a crash replays at most one
 * batch.
 */
export interface OffsetStore {
  load(stream: string): Promise<number | undefined> | number | undefined;
  save(stream: string, version: number): Promise<void> | void;
  close?(): Promise<void> | void;
}

export type Transport = "websocket" | "poll";

export type BatchInfo = {
  events: readonly StoredEvent[];
  /** The saved offset: the version of the batch's last event. */
  offset: number;
  /** The workspace's head as last reported by the relay. */
  head: number;
  transport: Transport;
};

/** A connect or read that failed and will be retried after `delayMs`. */
export type RetryInfo = {
  /** What failed, e.g. a `RelayUnreachableError` naming the relay. */
  error: Error;
  /** Failures in a row so far. */
  failures: number;
  delayMs: number;
};

export type HeartbeatInfo = { head: number; at: number; offset: number; transport: Transport };

export type BridgeExit =
  | { reason: "caught_up"; offset: number }
  | { reason: "aborted"; offset: number }
  | { reason: "fatal"; offset: number; error: Error };

/** What a serverless `waitFn` learns each time the bridge has caught up. */
export type CaughtUp = { offset: number; head: number };

export type BridgeOptions = {
  /** The relay's base URL, e.g. `https://relay.example.com`. */
  relayUrl: string;
  workspaceId: string;
  /** A read key (`rk_…`) of the workspace; the admin token works too. */
  readKey: string;
  adapter: ReplicaAdapter;
  /** Defaults to a SQLite offset store in `./relay-offsets.sqlite`. */
  offsetStore?: OffsetStore;
  /**
   * The feed consumer name. It names the stream in the offset store, and the relay keeps the
   * consumer's acknowledged cursor under it too. Default `"replicator"`.
   */
  consumer?: string;
  /** Most events per adapter call, 1..1000. Default 100. */
  eventsPerBatch?: number;
  /**
   * Serverless batch mode. The bridge reads until it has caught up with the head, then calls
   * `waitFn`: resolve `true` to look for new events again, anything else to exit with
   * `reason: "caught_up"`. Without `waitFn`, the bridge runs until aborted.
   */
  waitFn?: (state: CaughtUp) => Promise<boolean | void> | boolean | void;
  /** Stops the bridge at the next step; whatever was applied but not saved is replayed on restart. */
  signal?: AbortSignal;
  /** Called for each event, in order, just before its batch is applied. */
  onEvent?: (event: StoredEvent) => Promise<void> | void;
  /** Called after a batch was applied and its offset saved. */
  onBatchProcessed?: (info: BatchInfo) => Promise<void> | void;
  /** Called on each relay heartbeat (WebSocket) or empty long poll. */
  onHeartbeat?: (info: HeartbeatInfo) => Promise<void> | void;
  /**
   * Called when connecting or reading failed in a way retrying may fix (the relay unreachable,
   * a 5xx, a refused WebSocket), before the bridge waits and tries again. Errors retrying
   * cannot fix end the run instead (`reason: "fatal"`).
   */
  onRetry?: (info: RetryInfo) => Promise<void> | void;
  /** Called once, when the bridge stops; `runBridge` resolves with the same value. */
  onExit?: (exit: BridgeExit) => Promise<void> | void;
  /** `"auto"` (default): the WebSocket feed, falling back to long polls when it fails. */
  transport?: "auto" | Transport;
  /** Reconnect backoff: exponential from `initialMs` up to `maxMs`, with jitter. */
  backoff?: { initialMs?: number; maxMs?: number };
  /** Reconnect when the feed is silent this long. Default 65 s (the relay beats every ≤ 30 s). */
  heartbeatTimeoutMs?: number;
  /** How long to stay on long polls after the WebSocket failed, before trying it again. Default 60 s. */
  pollFallbackMs?: number;
  /** Send the read key as `?token=` instead of a header (for WebSocket clients that cannot set headers). */
  tokenInQuery?: boolean;
  /** Custom fetch (proxies, tests). */
  fetch?: typeof fetch;
  /** Custom WebSocket class; Node ≥ 22 has a global one. */
  WebSocket?: typeof WebSocket;
};
