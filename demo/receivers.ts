import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { DeliveryBody } from "../src/contract/delivery.ts";
import { readWebhookHeaders, verify } from "../src/signing/standard-webhooks.ts";

/** A receiver of the demo: an HTTP server on 127.0.0.1 (loopback only) and what it has seen. */
export type DemoReceiver = {
  url: string;
  requests: number;
  failures: number;
  /** Events acknowledged with a 2xx. */
  events: number;
  close(): Promise<void>;
};

type Handler = (body: string, req: IncomingMessage, res: ServerResponse, self: DemoReceiver) => Promise<void> | void;

async function listen(handler: Handler): Promise<DemoReceiver> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      self.requests++;
      Promise.resolve(handler(Buffer.concat(chunks).toString("utf8"), req, res, self)).catch(() => res.writeHead(500).end("receiver error"));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const self: DemoReceiver = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/relay/receive`,
    requests: 0,
    failures: 0,
    events: 0,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return self;
}

function eventCount(body: string): number {
  const parsed = DeliveryBody.safeParse(JSON.parse(body));
  return parsed.success ? parsed.data.events.length : 0;
}

/** Answers every delivery with 200. */
export function healthyReceiver(): Promise<DemoReceiver> {
  return listen((body, _req, res, self) => {
    self.events += eventCount(body);
    res.writeHead(200).end("ok");
  });
}

/** Fails about `failureRate` of requests, as a real flaky service does: 500s, and 503s asking to wait. */
export function flakyReceiver(failureRate: number): Promise<DemoReceiver> {
  return listen((body, _req, res, self) => {
    const roll = Math.random();
    if (roll < failureRate) {
      self.failures++;
      if (roll < failureRate / 3) res.writeHead(503, { "retry-after": "1" }).end("busy, try again in a second");
      else res.writeHead(500, { "content-type": "application/json" }).end('{"error":"database connection reset"}');
      return;
    }
    self.events += eventCount(body);
    res.writeHead(200).end("ok");
  });
}

/** The tables a Convex app keeps from the events it applies. */
export type AppTables = { users: Map<string, unknown>; tasks: Map<string, unknown>; appliedVersion: number; badSignatures: number; gaps: number };

/**
 * What a Convex app's receiver does (the component in `convex/` does it for real): verify the
 * Standard Webhooks signature with the subscriber's secret, check that `prevVersion` follows
 * what it applied, and apply each event to its tables by entity.
 */
export async function convexStyleReceiver(): Promise<DemoReceiver & { tables: AppTables; setSecret(secret: string): void }> {
  const tables: AppTables = { users: new Map(), tasks: new Map(), appliedVersion: 0, badSignatures: 0, gaps: 0 };
  let secret: string | undefined;
  const receiver = await listen(async (body, req, res, self) => {
    const headers = readWebhookHeaders(req.headers as Record<string, string | undefined>);
    const checked = secret ? await verify({ headers, body, secrets: [secret] }) : { ok: false as const };
    if (!checked.ok) {
      tables.badSignatures++;
      self.failures++;
      return void res.writeHead(401).end("invalid signature");
    }
    const delivery = DeliveryBody.parse(JSON.parse(body));
    // A retry of a batch already applied is acknowledged again without applying twice.
    if (delivery.prevVersion > tables.appliedVersion) tables.gaps++;
    for (const event of delivery.events) {
      if (event.version <= tables.appliedVersion) continue;
      const table = event.entityKind === "user" ? tables.users : tables.tasks;
      if (event.eventType === "delete") table.delete(event.entityId);
      else table.set(event.entityId, { ...(table.get(event.entityId) as object | undefined), ...(event.payload as object) });
      tables.appliedVersion = event.version;
      self.events++;
    }
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ appliedVersion: tables.appliedVersion }));
  });
  return Object.assign(receiver, {
    tables,
    setSecret(value: string) {
      secret = value;
    },
  });
}
