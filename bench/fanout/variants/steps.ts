/**
 * The hops of the fan-out latency breakdown, each adding one part of the relay's path from an
 * ingest request to an outbound delivery. Shared by the hops Worker and the harness.
 *
 *   echo                client → Worker → response (wrangler's proxy Worker included)
 *   worker              the Worker POSTs to the receiver before answering
 *   do                  the Worker calls a Durable Object by RPC; it POSTs in the background
 *   do-write            the DO first writes a row to SQLite, so its output gate holds the POST
 *                       until the write is durable (as the relay's commit does)
 *   do-write-service    the DO hands the POST to a WorkerEntrypoint over a service binding, as
 *                       the relay's dispatcher does with its DeliveryWorker
 */
export const FANOUT_HOPS = ["echo", "worker", "do", "do-write", "do-write-service"] as const;
export type FanoutHop = (typeof FANOUT_HOPS)[number];

/** The request header naming where to forward the body. */
export const FORWARD_TO_HEADER = "x-forward-to";
