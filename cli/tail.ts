/**
 * `relay events tail [--follow]`: prints the log's new events in order, then (with --follow)
 * live ones from the workspace's WebSocket feed (contract §6).
 *
 * - No gap, no duplicate across restarts: every printed version is remembered (in memory, and
 *   in `--state <file>` when given, written after each event), and each (re)connection asks
 *   the feed for `after` that version. An event at or below it is never printed twice.
 * - The feed is authorised with a read key in the Authorization header, never in the URL, and
 *   never with the admin token: `--key`/RELAY_READ_KEY, or a key this command creates for itself
 *   and revokes when it stops (Ctrl-C or SIGTERM). The key is never printed.
 */
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { ServerFrame, FEED_CLOSE } from "../src/contract/feed.ts";
import type { StoredEvent } from "../src/contract/event.ts";
import { RelayApiError, type RelayClient } from "../src/client/relay-client.ts";
import { type CliContext, UsageError } from "./context.ts";
import { printLine, time } from "./output.ts";

type TailState = { workspace: string; after: number };

function readState(path: string, workspace: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  const state = JSON.parse(text) as Partial<TailState>;
  if (state.workspace !== workspace || !Number.isSafeInteger(state.after)) {
    throw new UsageError(`state file ${path} is not a tail state of workspace ${workspace}`);
  }
  return state.after;
}

/** Written whole, then renamed over the old one, so a kill mid-write never leaves half a file. */
function writeState(path: string, state: TailState): void {
  writeFileSync(`${path}.tmp`, JSON.stringify(state));
  renameSync(`${path}.tmp`, path);
}

/** The position after which the last `lines` events start (the head when `lines` is 0). */
async function recentStart(client: RelayClient, workspace: string, lines: number): Promise<number> {
  const page = await client.readEventsDesc(workspace, { limit: Math.max(lines, 1) });
  if (lines === 0 || page.events.length === 0) return page.head;
  return page.events[page.events.length - 1]!.version - 1;
}

function eventLine(e: StoredEvent): string {
  return `${String(e.version).padStart(6)}  ${time(e.receivedAt)}  ${e.eventType.padEnd(8)} ${e.entityKind}/${e.entityId}  origin=${e.source.origin}  id=${e.id}`;
}

export async function tailEvents(ctx: CliContext): Promise<void> {
  const client = ctx.client();
  const workspace = ctx.workspace;
  const statePath = ctx.opts.state as string | undefined;
  let after: number =
    (ctx.opts.after as number | undefined) ??
    (statePath ? readState(statePath, workspace) : undefined) ??
    (await recentStart(client, workspace, ctx.opts.lines as number));

  const print = (event: StoredEvent) => {
    if (event.version <= after) return; // already printed: a resent backlog after a reconnect
    printLine(ctx.json ? JSON.stringify(event) : eventLine(event));
    after = event.version;
    if (statePath) writeState(statePath, { workspace, after });
  };

  if (!ctx.opts.follow) {
    for (;;) {
      const page = await client.readEvents(workspace, { after, limit: 1000 });
      page.events.forEach(print);
      if (!page.hasMore) return;
    }
  }

  const created = ctx.opts.key ? undefined : await client.createReadKey(workspace, `relay-cli-tail@${hostname()}:${process.pid}`);
  const key: string = ctx.opts.key ?? created!.key;
  try {
    // A wrong key or workspace is an API error here, in words, rather than a socket that will not open.
    await client.readEvents(workspace, { after, limit: 1 }, key);
    await follow(client, workspace, key, () => after, (frameEvents) => frameEvents.forEach(print));
  } finally {
    if (created) await client.revokeReadKey(workspace, created.id).catch(() => undefined);
  }
}

/**
 * Keeps one feed socket open, reconnecting after `after()` when it drops, until SIGINT or
 * SIGTERM. Resolves on a signal; rejects when the key is revoked or the workspace deleted.
 */
function follow(
  client: RelayClient,
  workspace: string,
  key: string,
  after: () => number,
  onEvents: (events: StoredEvent[]) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let socket: WebSocket | undefined;
    let stopped = false;
    let failures = 0;
    let retryTimer: ReturnType<typeof setTimeout> | undefined;

    const stop = (error?: Error) => {
      if (stopped) return;
      stopped = true;
      clearTimeout(retryTimer);
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      socket?.close();
      if (error) reject(error);
      else resolve();
    };
    const onSignal = () => stop();
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);

    const connect = () => {
      if (stopped) return;
      const ws = new WebSocket(client.feedUrl(workspace, { after: after() }), {
        // Node's WebSocket (undici) takes headers: the key stays out of the URL.
        headers: { authorization: `Bearer ${key}` },
      } as unknown as string[]);
      socket = ws;
      ws.onopen = () => {
        failures = 0;
      };
      ws.onmessage = (message) => {
        const frame = ServerFrame.safeParse(JSON.parse(String(message.data)));
        if (!frame.success) return stop(new RelayApiError(0, "unexpected_response", `unexpected feed frame: ${frame.error.message}`));
        if (frame.data.type === "events") onEvents(frame.data.events);
        else if (frame.data.type === "error") process.stderr.write(`relay: feed: ${frame.data.code}: ${frame.data.message}\n`);
      };
      ws.onerror = () => undefined; // followed by close, which decides
      ws.onclose = (event) => {
        if (stopped) return;
        if (event.code === FEED_CLOSE.keyRevoked.code) return stop(new RelayApiError(401, "unauthorized", "the read key was revoked"));
        if (event.code === FEED_CLOSE.workspaceDeleted.code) return stop(new RelayApiError(404, "workspace_not_found", "the workspace was deleted"));
        failures++;
        if (failures > 10) return stop(new RelayApiError(0, "feed_unavailable", `the feed closed ${failures} times in a row (last: ${event.code} ${event.reason})`));
        retryTimer = setTimeout(connect, Math.min(250 * 2 ** failures, 5000));
      };
    };
    connect();
  });
}
