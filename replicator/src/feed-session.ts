import type { StoredEvent } from "../../src/contract/event.ts";
import { FEED_CLOSE, ServerFrame } from "../../src/contract/feed.ts";
import { workspaceUrl, type ReadConnection } from "./relay-http.ts";

/** What a feed connection yields, in order. `end` is always last. */
export type SessionItem =
  | { type: "events"; events: StoredEvent[]; head: number }
  | { type: "heartbeat"; head: number; at: number }
  | SessionEnd;

export type SessionEnd = {
  type: "end";
  /** Whether the socket ever opened: a socket that never did counts as a failed connect. */
  opened: boolean;
  /** Reconnecting cannot help (the key was revoked, the workspace deleted, the relay refused a frame). */
  fatal: boolean;
  /** The client closed because it fell behind; resume at once from the saved offset. */
  behind: boolean;
  reason: string;
};

export type FeedSessionOptions = ReadConnection & {
  after: number;
  consumer: string;
  WebSocket: typeof WebSocket;
  tokenInQuery: boolean;
  heartbeatTimeoutMs: number;
  /**
   * More frame text than this, in characters, waiting to be applied closes the socket (a
   * memory bound). Set it above the relay's ack window, which counts UTF-8 bytes: a frame has
   * no more characters than bytes, so a relay that keeps to its window never trips it.
   */
  maxQueuedChars: number;
  signal?: AbortSignal;
};

const FATAL_CLOSE_CODES = new Set<number>([FEED_CLOSE.keyRevoked.code, FEED_CLOSE.workspaceDeleted.code]);

/**
 * One WebSocket connection to the relay's feed (contract §6). Frames are validated against the
 * contract and queued for the bridge, which applies them at its own pace; the queue is bounded
 * (see `maxQueuedChars`) and the relay holds back what is past its ack window, so a slow
 * database never turns into unbounded memory here.
 */
export class FeedSession {
  /** Items not taken yet, each with the length in characters of the frame it came in. */
  private readonly queue: { item: SessionItem; chars: number }[] = [];
  private queuedChars = 0;
  private wake: (() => void) | undefined;
  private ended = false;
  private opened = false;
  private silenceTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly ws: WebSocket;
  private readonly options: FeedSessionOptions;
  private readonly onAbort = () => this.finish({ fatal: false, behind: false, reason: "aborted" }, 1000);

  constructor(options: FeedSessionOptions) {
    this.options = options;
    const url = workspaceUrl(options, "/feed");
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    url.searchParams.set("after", String(options.after));
    url.searchParams.set("consumer", options.consumer);
    if (options.tokenInQuery) url.searchParams.set("token", options.readKey);
    // Node's WebSocket (undici) takes headers in its second argument, which keeps the key out of URLs.
    this.ws = options.tokenInQuery
      ? new options.WebSocket(url)
      : new options.WebSocket(url, { headers: { authorization: `Bearer ${options.readKey}` } } as unknown as string[]);
    this.ws.addEventListener("open", () => {
      this.opened = true;
      this.resetSilenceTimer();
      // Acking the start position at once puts the socket under the relay's ack window from
      // the first frame, so the relay never runs far ahead of what this process applied.
      this.ack(options.after);
    });
    this.ws.addEventListener("message", (event) => this.onMessage(event.data));
    this.ws.addEventListener("close", (event) => {
      const fatal = FATAL_CLOSE_CODES.has(event.code);
      this.finish({
        fatal,
        behind: false,
        reason: `socket closed (${event.code}${event.reason ? ` ${event.reason}` : ""})`,
      });
    });
    this.ws.addEventListener("error", () => {
      this.finish({ fatal: false, behind: false, reason: this.opened ? "socket error" : "could not connect" });
    });
    options.signal?.addEventListener("abort", this.onAbort, { once: true });
  }

  /** The next item, waiting for one if none is queued. */
  async next(): Promise<SessionItem> {
    while (this.queue.length === 0) await new Promise<void>((resolve) => (this.wake = resolve));
    return this.take()!;
  }

  /** The next queued events frame, if that is what comes next; never waits. */
  takeQueuedEvents(): Extract<SessionItem, { type: "events" }> | undefined {
    return this.queue[0]?.item.type === "events" ? (this.take() as Extract<SessionItem, { type: "events" }>) : undefined;
  }

  /** Tells the relay this consumer has applied everything through `version`. */
  ack(version: number): void {
    if (this.ended || this.ws.readyState !== 1) return;
    this.ws.send(JSON.stringify({ type: "ack", version }));
  }

  close(): void {
    this.finish({ fatal: false, behind: false, reason: "closed by the bridge" }, 1000);
  }

  private take(): SessionItem | undefined {
    const entry = this.queue.shift();
    this.queuedChars -= entry?.chars ?? 0;
    return entry?.item;
  }

  private push(item: SessionItem, chars = 0): void {
    this.queue.push({ item, chars });
    this.queuedChars += chars;
    this.wake?.();
    this.wake = undefined;
  }

  private onMessage(data: unknown): void {
    if (this.ended) return;
    this.resetSilenceTimer();
    const frame = typeof data === "string" ? ServerFrame.safeParse(parseJson(data)) : undefined;
    if (typeof data !== "string" || !frame?.success) {
      this.finish({ fatal: true, behind: false, reason: "the relay sent a frame outside the contract" }, 4002);
      return;
    }
    const value = frame.data;
    if (value.type === "error") {
      // The relay answers our own frames with these; one means this client and the relay disagree.
      this.finish({ fatal: true, behind: false, reason: `relay error frame ${value.code}: ${value.message}` }, 1000);
      return;
    }
    if (value.type === "heartbeat") {
      this.push(value);
      return;
    }
    this.push({ type: "events", events: value.events, head: value.head }, data.length);
    if (this.queuedChars > this.options.maxQueuedChars) {
      this.finish(
        { fatal: false, behind: true, reason: "falling behind the feed; resuming from the saved offset" },
        1000,
      );
    }
  }

  private resetSilenceTimer(): void {
    clearTimeout(this.silenceTimer);
    this.silenceTimer = setTimeout(
      () => this.finish({ fatal: false, behind: false, reason: "no frame within the heartbeat timeout" }, 4000),
      this.options.heartbeatTimeoutMs,
    );
  }

  /** Ends the session once. Clients may only close with 1000 or 3000–4999. */
  private finish(end: Omit<SessionEnd, "type" | "opened">, closeCode?: number): void {
    if (this.ended) return;
    this.ended = true;
    clearTimeout(this.silenceTimer);
    this.options.signal?.removeEventListener("abort", this.onAbort);
    if (closeCode !== undefined) {
      try {
        this.ws.close(closeCode, end.reason.slice(0, 120));
      } catch {
        // Already closing.
      }
    }
    this.push({ type: "end", opened: this.opened, ...end });
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
