import type { ReadResponse, StoredEvent } from "../../src/contract/event.ts";
import type { ServerFrame } from "../../src/contract/feed.ts";

/**
 * Two ways to read a workspace's backlog to the end, as a consumer would: the WebSocket feed
 * (contract §6) and paging the read API (§3). Each parses every frame or page in full, checks
 * that versions follow each other with no gap (the benchmark's log is contiguous), and times
 * from the moment it connects to the moment it holds the last event.
 */

export type ReadTarget = { baseUrl: URL; workspaceId: string; readKey: string; through: number; timeoutMs: number };

export type ReadFigures = {
  events: number;
  /** Frames (feed) or pages (read API) it took. */
  messages: number;
  /** Connect → first event, and connect → last event (the catch-up time). */
  firstEventMs: number;
  doneMs: number;
  /** Time the reader itself spent parsing and checking frames or pages (its own CPU). */
  parseMs: number;
  /** Bytes of frames or page bodies received. */
  bytes: number;
};

/** Follows versions across frames or pages; throws on a gap, a repeat or a step back. */
class VersionChain {
  last = 0;
  count = 0;
  take(events: readonly StoredEvent[]): void {
    for (const event of events) {
      if (event.version !== this.last + 1) throw new Error(`version ${event.version} after ${this.last}: events missing or out of order`);
      this.last = event.version;
      this.count++;
    }
  }
}

/**
 * Reads the feed from `after=0` as the named `consumer`, acking each frame as soon as it is
 * parsed (the server's flow control follows acks), until it holds version `through`. The read
 * key goes in `?token=`: Node's WebSocket cannot set an Authorization header. `ack: false`
 * (for profiling) never acks, so the server applies no flow control and stores no cursor.
 */
export function readFeed(target: ReadTarget, consumer: string, options: { ack?: boolean } = {}): Promise<ReadFigures> {
  const ack = options.ack ?? true;
  const url = new URL(`/v1/workspaces/${target.workspaceId}/feed`, target.baseUrl);
  url.protocol = "ws:";
  url.search = new URLSearchParams({ after: "0", consumer, token: target.readKey }).toString();
  return new Promise((resolve, reject) => {
    const chain = new VersionChain();
    let messages = 0;
    let firstEventMs = Number.NaN;
    let parseMs = 0;
    let bytes = 0;
    let settled = false;
    const startedAt = performance.now();
    const socket = new WebSocket(url);
    const finish = (error?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.close(1000);
      if (error) reject(error);
      else resolve({ events: chain.count, messages, firstEventMs, doneMs: performance.now() - startedAt, parseMs, bytes });
    };
    const timer = setTimeout(
      () => finish(new Error(`feed reader ${consumer}: at version ${chain.last} of ${target.through} after ${target.timeoutMs} ms`)),
      target.timeoutMs,
    );
    socket.onmessage = (message) => {
      try {
        const parseStart = performance.now();
        const text = String(message.data);
        bytes += text.length;
        const frame = JSON.parse(text) as ServerFrame;
        if (frame.type === "error") throw new Error(`feed error frame: ${frame.code} ${frame.message}`);
        if (frame.type !== "events") return;
        if (messages++ === 0) firstEventMs = performance.now() - startedAt;
        chain.take(frame.events);
        parseMs += performance.now() - parseStart;
        if (ack) socket.send(JSON.stringify({ type: "ack", version: chain.last }));
        if (chain.last >= target.through) finish();
      } catch (error) {
        finish(error instanceof Error ? error : new Error(String(error)));
      }
    };
    socket.onerror = () => finish(new Error(`feed reader ${consumer}: socket error`));
    socket.onclose = (event) => finish(new Error(`feed reader ${consumer}: closed (${event.code}) at version ${chain.last}`));
  });
}

/** Pages through the read API (`limit=1000`, the maximum) with the read key until version `through`. */
export async function readPages(target: ReadTarget): Promise<ReadFigures> {
  const chain = new VersionChain();
  let messages = 0;
  let firstEventMs = Number.NaN;
  let parseMs = 0;
  let bytes = 0;
  const startedAt = performance.now();
  const signal = AbortSignal.timeout(target.timeoutMs);
  while (chain.last < target.through) {
    const url = new URL(`/v1/workspaces/${target.workspaceId}/events?after=${chain.last}&limit=1000`, target.baseUrl);
    const res = await fetch(url, { headers: { authorization: `Bearer ${target.readKey}` }, signal });
    if (!res.ok) throw new Error(`read API: ${res.status} ${await res.text()}`);
    const text = await res.text();
    const parseStart = performance.now();
    bytes += text.length;
    const page = JSON.parse(text) as ReadResponse;
    if (messages++ === 0) firstEventMs = performance.now() - startedAt;
    if (page.events.length === 0) throw new Error(`read API: empty page after ${chain.last}, head ${page.head}`);
    chain.take(page.events);
    parseMs += performance.now() - parseStart;
  }
  return { events: chain.count, messages, firstEventMs, doneMs: performance.now() - startedAt, parseMs, bytes };
}
