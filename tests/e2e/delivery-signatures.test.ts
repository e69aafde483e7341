import { Webhook as StandardWebhook } from "standardwebhooks";
import { Webhook as SvixWebhook } from "svix";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DeliveryBody } from "../../src/contract/delivery";
import { startReceiver, type Receiver } from "../support/receiver";
import { eventually, makeEvent, relayClient, startRelay, type LocalRelay } from "../support/relay";

let relay: LocalRelay;
let receiver: Receiver;

beforeAll(async () => {
  [relay, receiver] = await Promise.all([startRelay(), startReceiver()]);
});
afterAll(async () => {
  await Promise.all([relay?.stop(), receiver?.close()]);
});

/** Verifies a recorded delivery with both independent verifiers; throws if either refuses. */
function verifyWithLibraries(secret: string, request: { headers: Record<string, string>; body: string }) {
  const headers = {
    "webhook-id": request.headers["webhook-id"]!,
    "webhook-timestamp": request.headers["webhook-timestamp"]!,
    "webhook-signature": request.headers["webhook-signature"]!,
  };
  new StandardWebhook(secret).verify(request.body, headers);
  new SvixWebhook(secret).verify(request.body, {
    "svix-id": headers["webhook-id"],
    "svix-timestamp": headers["webhook-timestamp"],
    "svix-signature": headers["webhook-signature"],
  });
}

describe("webhook deliveries", () => {
  it("are signed so that standardwebhooks and svix verify them, also across a secret rotation", async () => {
    const client = relayClient(relay.url);
    const ingress = await client.createWorkspace("sig-ws");
    const created = await client.call("PUT", "/v1/workspaces/sig-ws/subscribers/hook", {
      kind: "webhook",
      url: receiver.url,
      start: "beginning",
    });
    expect(created.status).toBe(201);
    const oldSecret = created.body.secret as string;
    expect(oldSecret).toMatch(/^whsec_/);

    await client.ingest("sig-ws", ingress, [makeEvent("e1"), makeEvent("e2")]);
    await eventually(() => receiver.requests.length >= 1);
    const first = receiver.requests[0]!;
    verifyWithLibraries(oldSecret, first);
    const body = DeliveryBody.parse(JSON.parse(first.body));
    expect(body).toMatchObject({ workspaceId: "sig-ws", subscriberId: "hook", prevVersion: 0 });
    expect(body.events.map((e) => e.id)).toEqual(["e1", "e2"]);
    expect(first.headers).toMatchObject({
      "content-type": "application/json",
      "x-relay-workspace": "sig-ws",
      "x-relay-subscriber": "hook",
      "x-relay-first-version": "1",
      "x-relay-last-version": "2",
      "x-relay-prev-version": "0",
      "x-relay-attempt": "1",
    });
    expect(first.headers["webhook-id"]).not.toContain(".");

    const rotated = await client.call("POST", "/v1/workspaces/sig-ws/subscribers/hook/secret/rotate", { graceSeconds: 3600 });
    expect(rotated.status).toBe(200);
    const newSecret = rotated.body.secret as string;
    expect(newSecret).not.toBe(oldSecret);

    await client.ingest("sig-ws", ingress, [makeEvent("e3")]);
    await eventually(() => receiver.requests.length >= 2);
    const second = receiver.requests[1]!;
    // During the grace period both secrets verify.
    verifyWithLibraries(oldSecret, second);
    verifyWithLibraries(newSecret, second);
    expect(() => verifyWithLibraries("whsec_" + btoa("x".repeat(32)), second)).toThrow();

    const status = await client.call("GET", "/v1/workspaces/sig-ws/subscribers/hook");
    expect(status.body).toMatchObject({ state: "active", cursor: 3, head: 3, lag: 0, inFlight: null });
    // The secret is shown once only.
    expect(JSON.stringify(status.body)).not.toContain(oldSecret.slice(6));
    expect(status.body.secret).toBeUndefined();
  });
});
