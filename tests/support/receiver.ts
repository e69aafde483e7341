import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type ReceivedRequest = {
  at: number;
  headers: Record<string, string>;
  body: string;
};

/** What the receiver does with one request; the default answers 200. */
export type Behaviour = (req: ReceivedRequest, res: ServerResponse) => unknown;

export type Receiver = {
  url: string;
  requests: ReceivedRequest[];
  /** Replaces how the receiver answers from now on. */
  setBehaviour(behaviour: Behaviour): void;
  close(): Promise<void>;
};

function flatHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return out;
}

/** A real HTTP server on 127.0.0.1 that records every request it gets. */
export async function startReceiver(behaviour: Behaviour = (_req, res) => res.writeHead(200).end("ok")): Promise<Receiver> {
  let current = behaviour;
  const requests: ReceivedRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const received = { at: Date.now(), headers: flatHeaders(req), body: Buffer.concat(chunks).toString("utf8") };
      requests.push(received);
      Promise.resolve(current(received, res)).catch(() => res.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    requests,
    setBehaviour(next) {
      current = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Receivers started on demand, closed together at the end of a test file. */
export function receiverPool() {
  const started: Receiver[] = [];
  return {
    async start(behaviour?: Behaviour): Promise<Receiver> {
      const receiver = await startReceiver(behaviour);
      started.push(receiver);
      return receiver;
    },
    closeAll: () => Promise.all(started.map((r) => r.close())),
  };
}
