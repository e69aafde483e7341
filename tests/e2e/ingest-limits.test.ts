import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ErrorBody } from "../../src/contract/errors";
import { signedHeaders } from "../../src/signing/standard-webhooks";
import { makeEvent, relayClient, startRelay, type LocalRelay } from "../support/relay";

const CAP = 3;
let relay: LocalRelay;
let client: ReturnType<typeof relayClient>;
let ingress: string;

beforeAll(async () => {
  relay = await startRelay({ vars: { RELAY_INGEST_REQUESTS_PER_MINUTE: String(CAP) } });
  client = relayClient(relay.url);
  ingress = await client.createWorkspace("capped");
});
afterAll(async () => relay?.stop());

async function send(id: string, secret: string) {
  const body = JSON.stringify({ events: [makeEvent(id)] });
  const headers = await signedHeaders({ id: `msg_${id}`, timestampSeconds: Math.floor(Date.now() / 1000), body, secrets: [secret] });
  return fetch(`${relay.url}/v1/workspaces/capped/events`, {
    method: "POST",
    headers: { ...headers, "content-type": "application/json" },
    body,
  });
}

describe("RELAY_INGEST_REQUESTS_PER_MINUTE", () => {
  it("answers 429 rate_limited with Retry-After past the cap, stores nothing, and counts only signed requests", async () => {
    // Requests without the secret are refused before the cap and do not use it up.
    for (let i = 0; i < 5; i++) {
      expect((await send(`forged${i}`, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")).status).toBe(401);
    }
    for (let i = 0; i < CAP; i++) expect((await send(`ok${i}`, ingress)).status).toBe(200);

    const refused = await send("over", ingress);
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers.get("retry-after"));
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    const body = ErrorBody.parse(await refused.json());
    expect(body.error.code).toBe("rate_limited");

    const log = await client.call("GET", "/v1/workspaces/capped/events?after=0");
    expect(log.body.events.map((e: { id: string }) => e.id)).toEqual(["ok0", "ok1", "ok2"]);
    // Other workspaces have caps of their own.
    const other = await client.createWorkspace("uncapped-neighbour");
    await client.ingest("uncapped-neighbour", other, [makeEvent("n1")]);
  });
});
