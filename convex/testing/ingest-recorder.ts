import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";

/**
 * A recording server that answers like the relay's ingest route (contract §2) on a real HTTP server on 127.0.0.1:
 * it verifies each request's signature with the independent `standardwebhooks` package,
 * records it, and answers as `respond` says (by default like the relay: 401 for a bad
 * signature, 400 for no events, versions in request order, and a stored id answered as a
 * duplicate with its original version).
 */
export type ReceivedRequest = {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** Event ids in the order they were in the body. */
  eventIds: string[];
  events: { id: string; lamport?: number; entityId: string; eventType: string; payload: unknown; source: { origin: string } }[];
  /** Whether `standardwebhooks` accepted the signature with the recorder's secret. */
  verified: boolean;
  receivedAt: number;
  /** The status the recorder answered with. */
  status: number;
};

export type Respond = (request: Omit<ReceivedRequest, "status">, index: number) => { status: number; headers?: Record<string, string>; body?: unknown } | "default";

export type IngestRecorder = {
  url: string;
  requests: ReceivedRequest[];
  /** Events the recorder stored, in version order. */
  log: { id: string; version: number }[];
  respond: Respond;
  close: () => Promise<void>;
};

export async function startIngestRecorder(secret: string, respond: Respond = () => "default"): Promise<IngestRecorder> {
  const verifier = new Webhook(secret);
  const stored = new Map<string, number>();
  const recorder: IngestRecorder = { url: "", requests: [], log: [], respond, close: async () => {} };

  const server: Server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString("utf8");
    let verified = true;
    try {
      verifier.verify(body, request.headers as Record<string, string>);
    } catch {
      verified = false;
    }
    let events: ReceivedRequest["events"] = [];
    try {
      events = (JSON.parse(body) as { events?: ReceivedRequest["events"] }).events ?? [];
    } catch {
      // Recorded as is; the assertions look at `body`.
    }
    const received = {
      path: request.url ?? "",
      headers: request.headers,
      body,
      eventIds: events.map((event) => event.id),
      events,
      verified,
      receivedAt: Date.now(),
    };
    const index = recorder.requests.length;
    const decided = recorder.respond(received, index);
    let status: number;
    let headers: Record<string, string> = { "content-type": "application/json" };
    let payload: unknown;
    if (decided === "default") {
      if (!verified) {
        status = 401;
        payload = { error: { code: "invalid_signature", message: "no signature matches" } };
      } else if (events.length === 0) {
        status = 400;
        payload = { error: { code: "invalid_request", message: "body is invalid", issues: [{ path: "events", message: "too small" }] } };
      } else {
        status = 200;
        const results = events.map((event) => {
          const known = stored.get(event.id);
          if (known !== undefined) return { id: event.id, version: known, duplicate: true };
          const version = recorder.log.length + 1;
          stored.set(event.id, version);
          recorder.log.push({ id: event.id, version });
          return { id: event.id, version, duplicate: false };
        });
        payload = { results, head: recorder.log.length };
      }
    } else {
      status = decided.status;
      headers = { ...headers, ...decided.headers };
      payload = decided.body ?? {};
    }
    recorder.requests.push({ ...received, status });
    response.writeHead(status, headers);
    response.end(JSON.stringify(payload));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  recorder.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  recorder.close = () =>
    new Promise<void>((resolve, reject) => {
      server.closeAllConnections();
      server.close((error) => (error ? reject(error) : resolve()));
    });
  return recorder;
}
