import { z } from "zod";
import { StoredEvent } from "./event";

/** Contract §6: the WebSocket feed's query and frames. */

/** A named consumer of the feed; its acknowledged cursor lives in the workspace. */
export const ConsumerName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, "must match ^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$");

const Version = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/**
 * Query of `GET …/feed`. `after` has no default here: without it, a named consumer resumes
 * from its acknowledged cursor, and anyone else starts at the beginning of the log, as the
 * read API does.
 */
export const FeedQuery = z.object({
  after: z.coerce.number().pipe(Version).optional(),
  consumer: ConsumerName.optional(),
  token: z.string().optional(),
});
export type FeedQuery = z.infer<typeof FeedQuery>;

// ─── Server → client ───────────────────────────────────────────────────────────────────

export const EventsFrame = z.object({
  type: z.literal("events"),
  events: z.array(StoredEvent).min(1),
  head: Version,
});
export type EventsFrame = z.infer<typeof EventsFrame>;

export const HeartbeatFrame = z.object({ type: z.literal("heartbeat"), head: Version, at: z.number().int() });
export type HeartbeatFrame = z.infer<typeof HeartbeatFrame>;

/** Sent for a client frame the server cannot act on; the socket stays open. */
export const ErrorFrame = z.object({
  type: z.literal("error"),
  code: z.string().regex(/^[a-z][a-z0-9_]*$/),
  message: z.string(),
});
export type ErrorFrame = z.infer<typeof ErrorFrame>;

export const ServerFrame = z.discriminatedUnion("type", [EventsFrame, HeartbeatFrame, ErrorFrame]);
export type ServerFrame = z.infer<typeof ServerFrame>;

// ─── Client → server ───────────────────────────────────────────────────────────────────

export const AckFrame = z.object({ type: z.literal("ack"), version: Version }).strict();
export type AckFrame = z.infer<typeof AckFrame>;

export const ClientFrame = z.discriminatedUnion("type", [AckFrame]);
export type ClientFrame = z.infer<typeof ClientFrame>;

/**
 * The relay's flow-control window (§6 asks for at least 1 MiB): once a socket has acked, the
 * relay keeps at most this many bytes of events past its latest ack in flight. Clients size
 * their buffers from it (the replicator closes a connection only past twice this much).
 */
export const FEED_ACK_WINDOW_BYTES = 4 * 1024 * 1024;

/** A client frame larger than this is abuse: an ack is a few dozen bytes. */
export const MAX_CLIENT_FRAME_BYTES = 4096;

/** Close codes the server uses, beside the standard ones. 4000–4999 are for applications. */
export const FEED_CLOSE = {
  /** The client sent a binary or oversized frame. */
  unsupportedData: { code: 1003, reason: "text frames only" },
  tooBig: { code: 1009, reason: "client frame too large" },
  /** The read key this socket was opened with was revoked. */
  keyRevoked: { code: 4401, reason: "read key revoked" },
  /** The workspace was deleted. */
  workspaceDeleted: { code: 4404, reason: "workspace deleted" },
} as const;
