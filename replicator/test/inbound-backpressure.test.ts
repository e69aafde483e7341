import { createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createInboundClient } from "../src/inbound.ts";
import { RelayHttpError } from "../src/relay-http.ts";
import { createTestWorkspace, startRelay, type LocalRelay } from "./support/local-relay.ts";

let relay: LocalRelay;
beforeAll(async () => {
  relay = await startRelay();
});
afterAll(async () => {
  await relay?.stop();
});

/**
 * A front for the real relay that sheds load the way the relay does (contract §9): the first
 * `refusals` ingest requests get `429 rate_limited` or `503 overloaded` with `Retry-After: 1`,
 * and everything else is passed to the relay. Records when each request arrived.
 */
async function sheddingFront(target: string, refusals: { status: 429 | 503 }[]) {
  const arrivals: { at: number; answered: number }[] = [];
  const server: Server = createServer((req, res) => {
    const refusal = req.method === "POST" ? refusals.shift() : undefined;
    if (refusal) {
      arrivals.push({ at: Date.now(), answered: refusal.status });
      const code = refusal.status === 429 ? "rate_limited" : "overloaded";
      res.writeHead(refusal.status, { "content-type": "application/json", "retry-after": "1" });
      res.end(JSON.stringify({ error: { code, message: "come back later" } }));
      return;
    }
    const upstream = httpRequest(new URL(req.url!, target), { method: req.method, headers: req.headers }, (answer) => {
      arrivals.push({ at: Date.now(), answered: answer.statusCode! });
      res.writeHead(answer.statusCode!, answer.headers);
      answer.pipe(res);
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    arrivals,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const mutation = (dedupeKey: string) => ({
  dedupeKey,
  entityKind: "user",
  entityId: "u_1",
  eventType: "update",
  payload: { name: dedupeKey },
});

describe("applyExternalMutation under the relay's backpressure", () => {
  it("waits at least Retry-After on 429 and 503, without using up its attempts, and stores the change once", async () => {
    const ws = await createTestWorkspace(relay);
    const front = await sheddingFront(relay.url, [{ status: 429 }, { status: 503 }, { status: 429 }]);
    try {
      // One attempt only: the relay's own "come back later" answers must not count as failures.
      const inbound = createInboundClient({ relayUrl: front.url, workspaceId: ws.workspaceId, ingressSecret: ws.ingressSecret, attempts: 1 });
      const result = await inbound.applyExternalMutation(mutation("crm-0001"));
      expect(result.duplicate).toBe(false);
      expect(front.arrivals.map((a) => a.answered)).toEqual([429, 503, 429, 200]);
      for (let i = 1; i < front.arrivals.length; i++) {
        expect(front.arrivals[i]!.at - front.arrivals[i - 1]!.at).toBeGreaterThanOrEqual(1000);
      }
      const log = await ws.readAll();
      expect(log.map((e) => e.id)).toEqual(["crm-0001"]);
    } finally {
      await front.close();
    }
  });

  it("gives up with the relay's answer once the waits it asked for exceed maxThrottledWaitMs", async () => {
    const ws = await createTestWorkspace(relay);
    const front = await sheddingFront(relay.url, [{ status: 429 }, { status: 429 }, { status: 429 }]);
    try {
      const inbound = createInboundClient({
        relayUrl: front.url,
        workspaceId: ws.workspaceId,
        ingressSecret: ws.ingressSecret,
        maxThrottledWaitMs: 1_500,
      });
      const failure = await inbound.applyExternalMutation(mutation("crm-0002")).catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(RelayHttpError);
      expect(failure).toMatchObject({ status: 429, code: "rate_limited", retryAfterSeconds: 1, throttled: true });
      expect(await ws.readAll()).toEqual([]);
    } finally {
      await front.close();
    }
  });
});
