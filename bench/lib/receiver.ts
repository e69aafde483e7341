import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";

/** A request as the receiver saw it; `receivedAt` is `performance.now()` when its body ended. */
export type ReceivedRequest = {
  receivedAt: number;
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
};

export type Receiver = {
  /** `http://127.0.0.1:{port}/`. */
  url: URL;
  /** Every request so far, in arrival order. */
  received: ReceivedRequest[];
  /** Resolves once `done(received)` holds; rejects after `timeoutMs`, so a benchmark never hangs. */
  waitFor(done: (received: readonly ReceivedRequest[]) => boolean, timeoutMs: number): Promise<void>;
  close(): Promise<void>;
};

/**
 * An HTTP server on a free port of 127.0.0.1 that records every request and answers 200
 * (or what `respond` says), for benchmarks where the relay calls out: deliveries to webhook
 * subscribers, or the "direct POST" a relay is compared with. Arrival times share the
 * benchmark process's `performance.now()` clock, so send-to-receipt latency needs no clock sync.
 */
export async function startReceiver(options: { respond?: (request: ReceivedRequest) => number } = {}): Promise<Receiver> {
  const received: ReceivedRequest[] = [];
  const watchers = new Set<() => void>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const request: ReceivedRequest = {
        receivedAt: performance.now(),
        method: req.method ?? "",
        path: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      };
      received.push(request);
      // With its length, as receivers built on Convex HTTP actions, Express's `res.json` or
      // Hono's `c.json` answer (Node's `writeHead` alone would send it chunked).
      res.writeHead(options.respond?.(request) ?? 200, { "content-type": "application/json", "content-length": "2" }).end("{}");
      for (const watcher of [...watchers]) watcher();
    });
  });
  // Deliveries arrive on many keep-alive connections; don't let Node's defaults cut them off mid-run.
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: new URL(`http://127.0.0.1:${port}/`),
    received,
    waitFor(done, timeoutMs) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!done(received)) return;
          clearTimeout(timer);
          watchers.delete(check);
          resolve();
        };
        const timer = setTimeout(() => {
          watchers.delete(check);
          reject(new Error(`receiver: condition not met within ${timeoutMs} ms (${received.length} requests received)`));
        }, timeoutMs);
        watchers.add(check);
        check();
      });
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}
