import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DeliveryBody } from "../../src/contract/delivery.ts";
import { startReceiver } from "../../tests/support/receiver.ts";
import { eventually } from "../../tests/support/relay.ts";
import { memoryAdapter } from "../adapters/memory.ts";
import { runBridge } from "../src/bridge.ts";
import { createInboundClient, REPLICATOR_ORIGIN, type ExternalMutation } from "../src/inbound.ts";
import { RelayHttpError } from "../src/relay-http.ts";
import { memoryOffsetStore } from "../storage/memory.ts";
import { createTestWorkspace, startRelay, type LocalRelay } from "./support/local-relay.ts";

let relay: LocalRelay;

beforeAll(async () => {
  relay = await startRelay();
});

afterAll(async () => {
  await relay?.stop();
});

const rename: ExternalMutation = {
  dedupeKey: "crm-change-0001",
  entityKind: "user",
  entityId: "u_42",
  eventType: "update",
  payload: { name: "Renamed in the CRM" },
  mutation: "crm:rename",
  actorId: "alice",
};

describe("replicator: applyExternalMutation", () => {
  it("reaches a webhook subscriber with origin customer-replicator; the same dedupeKey twice is one event", async () => {
    const ws = await createTestWorkspace(relay);
    const receiver = await startReceiver();
    try {
      const put = await ws.admin.call("PUT", `/v1/workspaces/${ws.workspaceId}/subscribers/crm-hook`, {
        kind: "webhook",
        url: receiver.url,
        start: "beginning",
      });
      expect(put.status).toBe(201);
      const subscriberSecret = (put.body as { secret: string }).secret;

      const inbound = createInboundClient({
        relayUrl: relay.url,
        workspaceId: ws.workspaceId,
        ingressSecret: ws.ingressSecret,
      });
      const first = await inbound.applyExternalMutation(rename);
      const second = await inbound.applyExternalMutation(rename);
      expect(first).toEqual({ id: rename.dedupeKey, version: expect.any(Number), duplicate: false });
      expect(second).toEqual({ ...first, duplicate: true });

      // The subscriber gets it, signed by the relay, with the replicator's origin.
      const delivery = await eventually(() => receiver.requests.find((r) => r.body.includes(rename.dedupeKey)));
      new Webhook(subscriberSecret).verify(delivery!.body, delivery!.headers);
      const deliveredEvents = receiver.requests.flatMap((r) => DeliveryBody.parse(JSON.parse(r.body)).events);
      const delivered = deliveredEvents.filter((e) => e.id === rename.dedupeKey);
      expect(new Set(delivered.map((e) => e.version))).toEqual(new Set([first.version]));
      expect(delivered[0]).toMatchObject({
        version: first.version,
        entityKind: "user",
        entityId: "u_42",
        eventType: "update",
        payload: { name: "Renamed in the CRM" },
        source: { origin: REPLICATOR_ORIGIN, mutation: "crm:rename", actorId: "alice" },
      });

      // The log holds it once, and a replica following the workspace converges on it.
      const log = await ws.readAll();
      expect(log.filter((e) => e.id === rename.dedupeKey)).toHaveLength(1);
      const replica = memoryAdapter();
      const exit = await runBridge({
        relayUrl: relay.url,
        workspaceId: ws.workspaceId,
        readKey: ws.readKey,
        adapter: replica,
        offsetStore: memoryOffsetStore(),
        waitFn: () => false,
      });
      expect(exit.reason).toBe("caught_up");
      expect(replica.get("user", "u_42")).toEqual({
        entityKind: "user",
        entityId: "u_42",
        version: first.version,
        data: { name: "Renamed in the CRM" },
      });
    } finally {
      await receiver.close();
    }
  });

  it("validates before sending, and does not retry what the relay refuses", async () => {
    const ws = await createTestWorkspace(relay);
    let requests = 0;
    const counting: typeof fetch = (input, init) => {
      requests++;
      return fetch(input, init);
    };
    const inbound = createInboundClient({
      relayUrl: relay.url,
      workspaceId: ws.workspaceId,
      ingressSecret: ws.ingressSecret,
      fetch: counting,
    });
    await expect(inbound.applyExternalMutation({ ...rename, entityKind: "" })).rejects.toThrow(/entityKind/);
    await expect(inbound.applyExternalMutation({ ...rename, dedupeKey: "has space" })).rejects.toThrow(/dedupeKey/);
    expect(requests).toBe(0);

    const wrongSecret = createInboundClient({
      relayUrl: relay.url,
      workspaceId: ws.workspaceId,
      ingressSecret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
      fetch: counting,
    });
    const refused = await wrongSecret.applyExternalMutation(rename).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(RelayHttpError);
    expect(refused).toMatchObject({ status: 401, code: "invalid_signature" });
    expect(requests).toBe(1);
    expect(await ws.readAll()).toEqual([]);
  });
});
