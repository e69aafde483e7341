import { ERROR_STATUS, type ErrorBody, type ErrorCode } from "../../src/contract/errors";
import { ClientFrame, FEED_ACK_WINDOW_BYTES, FEED_CLOSE, MAX_CLIENT_FRAME_BYTES } from "../../src/contract/feed";
import type { AlarmTasks } from "../alarm-tasks";
import { readSizedRows } from "../event-log";
import type { Sql } from "../sql";
import { consumerCursor, MAX_FEED_CONSUMERS, saveConsumerCursor } from "./consumers";
import { errorFrameText, eventsFrameOf, FRAME_MAX_EVENTS, heartbeatFrameText, type EventsFrameOut } from "./frames";
import { recordSentFrame, releaseAckedFrames, unackedBytes } from "./flow-control";
import { readSocketState, writeSocketState, type SocketState } from "./socket-state";
import { parseFeedUpgrade } from "./upgrade";

export const FEED_HEARTBEAT_TASK = "feed-heartbeat";
export const FEED_PUMP_TASK = "feed-pump";
export const FEED_CURSORS_TASK = "feed-cursors";

/** True for the alarm tasks `LiveFeed.runAlarmTask` handles. */
export function isFeedTask(task: string): boolean {
  return task === FEED_HEARTBEAT_TASK || task === FEED_PUMP_TASK || task === FEED_CURSORS_TASK;
}

/** The contract asks for a heartbeat at least every 30 s; alarms can run late, so aim well inside. */
const HEARTBEAT_INTERVAL_MS = 20_000;
/**
 * What one socket is sent per turn. A turn runs on each append, ack and alarm; a socket still
 * behind after its turn continues on the next one (an alarm due at once), so a long backlog
 * never holds the object, nor sits in memory, all at once.
 */
const TURN_BYTES = 1024 * 1024;
/*
 * Flow control (`FEED_ACK_WINDOW_BYTES`). workerd does not report a socket's unsent bytes
 * (`bufferedAmount`), so the client's acks are the only sign of what it has taken in. Once a
 * socket has acked, the server keeps at most the window past its latest ack in flight, and
 * waits for the next ack before sending more: a slow consumer stays behind in SQLite, not in
 * memory.
 */
/** Pages kept within one turn, so sockets at the same position share the read and the text. */
const TURN_PAGE_CACHE = 16;
/**
 * How long an ack may wait before it is saved as its consumer's cursor. Saving every ack at
 * once was most of the feed's cost: each save is a write, and the runtime holds back every
 * frame sent after a write until the write is durable, so a reader acking every frame waited
 * for a commit per frame (bench/feed/profile.ts). Acks are now kept in the socket's attachment
 * and saved together by an alarm this much later, and at once when the socket closes, when
 * the consumer connects again, and on a socket's first ack (which creates the consumer).
 */
const ACK_SAVE_DELAY_MS = 250;

const WS_OPEN = 1;

/** What the feed needs to know about the workspace: its id and head, or undefined once deleted. */
export type FeedWorkspace = { workspaceId: string; head: number };

/**
 * The WebSocket feed of one workspace (contract §6), on the Hibernation API. Each socket's
 * position lives in its attachment; frames are paged from SQLite on every turn, so memory
 * stays bounded whatever the number of sockets or how far behind they are. Sockets opened
 * with a read key are tagged with it, so revoking the key closes them.
 */
export class LiveFeed {
  constructor(
    private readonly ctx: DurableObjectState,
    private readonly sql: Sql,
    private readonly alarms: AlarmTasks,
    private readonly workspace: () => FeedWorkspace | undefined,
  ) {}

  /** Opens a socket for a forwarded upgrade request (see `feedUpgradeRequest`). */
  async accept(request: Request): Promise<Response> {
    const upgrade = parseFeedUpgrade(request);
    if (!upgrade) return errorResponse("invalid_request", "expected a feed upgrade request");
    const workspace = this.workspace();
    if (!workspace) return errorResponse("workspace_not_found", "workspace does not exist");

    const consumer = upgrade.consumer ?? null;
    // Another socket of the same consumer may hold an ack not saved yet: it counts.
    if (consumer !== null && upgrade.after === undefined) this.saveAcks(this.openSockets());
    const start = upgrade.after ?? (consumer === null ? undefined : consumerCursor(this.sql, consumer)) ?? 0;
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server, upgrade.keyId ? [keyTag(upgrade.keyId)] : []);
    writeSocketState(server, { consumer, cursor: start, acked: null, ackSaved: true, unacked: [] });
    await this.alarms.scheduleNoLaterThan(FEED_HEARTBEAT_TASK, Date.now() + HEARTBEAT_INTERVAL_MS);
    // The backlog starts flowing at once: sends made before the response is returned are
    // queued and delivered right after the handshake.
    await this.pump([server]);
    return new Response(null, { status: 101, webSocket: client });
  }

  /** Runs after every commit that appended events: live events go out right away. */
  async onAppended(): Promise<void> {
    await this.pump(this.openSockets());
  }

  async onMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    if (typeof message !== "string") {
      closeQuietly(ws, FEED_CLOSE.unsupportedData);
      return;
    }
    if (message.length > MAX_CLIENT_FRAME_BYTES) {
      closeQuietly(ws, FEED_CLOSE.tooBig);
      return;
    }
    let value: unknown;
    try {
      value = JSON.parse(message);
    } catch {
      sendOrDrop(ws, errorFrameText("invalid_frame", "frame is not valid JSON"));
      return;
    }
    const frame = ClientFrame.safeParse(value);
    if (!frame.success) {
      sendOrDrop(ws, errorFrameText("invalid_frame", 'expected {"type":"ack","version":<non-negative integer>}'));
      return;
    }
    await this.ack(ws, frame.data.version);
  }

  /** The peer closed: save its last ack, finish the closing handshake, and stop heartbeats once nobody listens. */
  async onClose(ws: WebSocket, code: number): Promise<void> {
    if (this.workspace()) this.saveAcks([ws]);
    // Echo the peer's code when it is one an application may send; 1005/1006/1015 only
    // describe how a close happened and may not appear in a close frame.
    const echo = code === 1000 || (code >= 3000 && code <= 4999) ? code : 1000;
    try {
      ws.close(echo, "closing");
    } catch {
      // Already closed (the runtime may have answered the close itself).
    }
    // After a workspace deletion there is no schema left, and no task to cancel.
    if (this.workspace() && this.openSockets().length === 0) await this.alarms.cancel(FEED_HEARTBEAT_TASK);
  }

  /** Runs a due feed alarm task (see `isFeedTask`). */
  async runAlarmTask(task: string, now: number): Promise<void> {
    if (task === FEED_HEARTBEAT_TASK) {
      const sockets = this.openSockets();
      const workspace = this.workspace();
      if (workspace) {
        const heartbeat = heartbeatFrameText(workspace.head, now);
        for (const ws of sockets) sendOrDrop(ws, heartbeat);
      }
      // With no socket open, the task is simply not scheduled again: a quiet workspace sleeps.
      if (sockets.length > 0) await this.alarms.schedule(FEED_HEARTBEAT_TASK, now + HEARTBEAT_INTERVAL_MS);
      await this.pump(sockets);
    } else if (task === FEED_PUMP_TASK) {
      await this.pump(this.openSockets());
    } else if (task === FEED_CURSORS_TASK && this.workspace()) {
      this.saveAcks(this.ctx.getWebSockets());
    }
  }

  /** Closes every socket opened with this read key (it was revoked). */
  closeKeySockets(keyId: string): void {
    for (const ws of this.ctx.getWebSockets(keyTag(keyId))) closeQuietly(ws, FEED_CLOSE.keyRevoked);
  }

  /** Closes every socket (the workspace was deleted). */
  closeAll(): void {
    for (const ws of this.ctx.getWebSockets()) closeQuietly(ws, FEED_CLOSE.workspaceDeleted);
  }

  private async ack(ws: WebSocket, version: number): Promise<void> {
    const state = readSocketState(ws);
    const workspace = this.workspace();
    if (!workspace) {
      closeQuietly(ws, FEED_CLOSE.workspaceDeleted);
      return;
    }
    if (!state) return;
    if (!state.consumer) {
      sendOrDrop(
        ws,
        errorFrameText("consumer_required", "acks need a named consumer: open the feed with ?consumer=<name>"),
      );
      return;
    }
    if (version > workspace.head) {
      sendOrDrop(ws, errorFrameText("invalid_ack", `version ${version} is past the head (${workspace.head})`));
      return;
    }
    // A socket's first ack is saved at once: it may create the consumer, which the cap must
    // allow before the socket counts as acking. Later acks wait for the next batched save.
    const saveNow = state.acked === null;
    if (saveNow && !saveConsumerCursor(this.sql, state.consumer, version, Date.now())) {
      sendOrDrop(
        ws,
        errorFrameText("too_many_consumers", `a workspace keeps at most ${MAX_FEED_CONSUMERS} named consumers`),
      );
      return;
    }
    writeSocketState(ws, {
      ...state,
      acked: version,
      ackSaved: saveNow,
      unacked: releaseAckedFrames(state.unacked, version),
    });
    if (!saveNow) await this.alarms.scheduleNoLaterThan(FEED_CURSORS_TASK, Date.now() + ACK_SAVE_DELAY_MS);
    // The ack may have reopened this socket's window.
    await this.pump([ws]);
  }

  /**
   * Saves the acks of `sockets` not saved yet as their consumers' cursors. The attachment
   * keeps an unsaved ack across hibernation, and the alarm that saves it is stored, so an ack
   * is lost only if the object fails within `ACK_SAVE_DELAY_MS`; its consumer then resumes
   * from an earlier ack and receives those events again, as at-least-once delivery allows.
   */
  private saveAcks(sockets: readonly WebSocket[]): void {
    const now = Date.now();
    for (const ws of sockets) {
      const state = readSocketState(ws);
      if (!state || state.ackSaved || state.consumer === null || state.acked === null) continue;
      saveConsumerCursor(this.sql, state.consumer, state.acked, now);
      writeSocketState(ws, { ...state, ackSaved: true });
    }
  }

  private openSockets(): WebSocket[] {
    return this.ctx.getWebSockets().filter((ws) => ws.readyState === WS_OPEN);
  }

  /**
   * Sends each socket what follows its cursor, within its turn budget and ack window, then
   * records the new cursor in its attachment. Synchronous from the first read to the last send,
   * so no append can slip between a page and the cursor that follows it: events leave in
   * version order, each once per socket.
   */
  private async pump(sockets: WebSocket[]): Promise<void> {
    const workspace = this.workspace();
    if (!workspace) return;
    const pages = new Map<number, EventsFrameOut | undefined>();
    let unfinished = false;
    const states = sockets
      .map((ws) => ({ ws, state: readSocketState(ws) }))
      .filter((s): s is { ws: WebSocket; state: SocketState } => s.state !== undefined)
      // Sockets at the same position follow each other, so they share the cached pages.
      .sort((a, b) => a.state.cursor - b.state.cursor);
    for (const { ws, state } of states) {
      const cursorBefore = state.cursor;
      let turnLeft = TURN_BYTES;
      let windowLeft = state.acked === null ? Infinity : FEED_ACK_WINDOW_BYTES - unackedBytes(state.unacked);
      while (state.cursor < workspace.head && windowLeft > 0) {
        if (turnLeft <= 0) {
          unfinished = true;
          break;
        }
        const page = this.page(pages, workspace, state.cursor);
        if (!page) {
          // Nothing is left after the cursor although the head is past it: retention removed
          // the tail. There is nothing to send until new events arrive.
          state.cursor = workspace.head;
          break;
        }
        if (!sendOrDrop(ws, page.text)) break;
        turnLeft -= page.bytes;
        windowLeft -= page.bytes;
        state.cursor = page.last;
        state.unacked = recordSentFrame(state.unacked, page.last, page.bytes);
      }
      if (state.cursor !== cursorBefore) writeSocketState(ws, state);
    }
    // A socket waiting on its window needs no alarm: its next ack resumes it.
    if (unfinished) await this.alarms.scheduleNoLaterThan(FEED_PUMP_TASK, Date.now());
  }

  /** One frame of events after `after`, from the turn's cache or SQLite. */
  private page(cache: Map<number, EventsFrameOut | undefined>, workspace: FeedWorkspace, after: number): EventsFrameOut | undefined {
    if (cache.has(after)) return cache.get(after);
    const page = eventsFrameOf(workspace.workspaceId, readSizedRows(this.sql, after, FRAME_MAX_EVENTS), workspace.head);
    if (cache.size >= TURN_PAGE_CACHE) cache.delete(cache.keys().next().value!);
    cache.set(after, page);
    return page;
  }
}

function keyTag(keyId: string): string {
  return `key:${keyId}`;
}

/** Sends a frame; false when the socket can no longer take one (it is closing or gone). */
function sendOrDrop(ws: WebSocket, text: string): boolean {
  try {
    ws.send(text);
    return true;
  } catch {
    return false;
  }
}

function closeQuietly(ws: WebSocket, close: { code: number; reason: string }): void {
  try {
    ws.close(close.code, close.reason);
  } catch {
    // Already closed.
  }
}

function errorResponse(code: ErrorCode, message: string): Response {
  const body: ErrorBody = { error: { code, message } };
  return Response.json(body, { status: ERROR_STATUS[code] });
}
