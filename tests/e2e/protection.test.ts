import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AlertBody, type AlertType } from "../../src/contract/alerts";
import { DeliveryBody } from "../../src/contract/delivery";
import { receiverPool, type ReceivedRequest, type Receiver } from "../support/receiver";
import { eventually, makeEvent, relayClient, startRelay, type LocalRelay } from "../support/relay";

// Retries every ~1 s (plus the local queue's own delay) until a batch has failed for 20 s.
const MAX_AGE_SECONDS = 20;
let relay: LocalRelay;
let client: ReturnType<typeof relayClient>;
const receivers = receiverPool();

beforeAll(async () => {
  relay = await startRelay({ vars: { RELAY_RETRY_SCHEDULE: "1", RELAY_RETRY_MAX_AGE_SECONDS: String(MAX_AGE_SECONDS) } });
  client = relayClient(relay.url);
});
afterAll(async () => {
  await Promise.all([relay?.stop(), receivers.closeAll()]);
});

const fail = (status = 500) => (_req: ReceivedRequest, res: import("node:http").ServerResponse) => res.writeHead(status).end("nope");

async function workspace(id: string) {
  return { id, ingress: await client.createWorkspace(id) };
}

async function subscribe(ws: string, id: string, url: string, extra: Record<string, unknown> = {}) {
  const res = await client.call("PUT", `/v1/workspaces/${ws}/subscribers/${id}`, { kind: "webhook", url, start: "head", ...extra });
  expect(res.status).toBe(201);
  return res.body as { secret: string };
}

const status = async (ws: string, id: string) => (await client.call("GET", `/v1/workspaces/${ws}/subscribers/${id}`)).body;

async function alertDestination(ws: string, id: string, url: string, types?: AlertType[]) {
  const res = await client.call("PUT", `/v1/workspaces/${ws}/alerts/${id}`, types ? { url, types } : { url });
  expect(res.status).toBe(201);
  return res.body.secret as string;
}

/**
 * The alerts a destination received, each verified with the standardwebhooks library, one per
 * webhook-id (at-least-once retries repeat an id, never a transition).
 */
function alertsReceived(receiver: Receiver, secret: string): AlertBody[] {
  const byId = new Map<string, AlertBody>();
  for (const request of receiver.requests) {
    const verified = new Webhook(secret).verify(request.body, {
      "webhook-id": request.headers["webhook-id"]!,
      "webhook-timestamp": request.headers["webhook-timestamp"]!,
      "webhook-signature": request.headers["webhook-signature"]!,
    });
    const alert = AlertBody.parse(verified);
    expect(request.headers["webhook-id"]).toBe(alert.id);
    const seen = byId.get(alert.id);
    if (seen) expect(seen).toEqual(alert);
    byId.set(alert.id, alert);
  }
  return [...byId.values()];
}

const typesFor = (alerts: AlertBody[], subscriberId: string) =>
  alerts.filter((a) => a.subscriberId === subscriberId).map((a) => a.type);

describe("alerts", () => {
  it("each transition alerts each destination once, signed with the destination's secret", async () => {
    const ws = await workspace("alerting");
    const ops = await receivers.start();
    const opsSecret = await alertDestination(ws.id, "ops", ops.url);
    // A second destination that wants only disables.
    const pager = await receivers.start();
    const pagerSecret = await alertDestination(ws.id, "pager", pager.url, ["subscriber.disabled"]);

    const recovering = await receivers.start((req, res) =>
      Number(req.headers["x-relay-attempt"]) <= 4 ? res.writeHead(500).end("warming up") : res.writeHead(204).end(),
    );
    const down = await receivers.start(fail());
    const gone = await receivers.start(fail(410));
    const healthy = await receivers.start();
    const only = (kind: string) => ({ filter: { entityKinds: [kind] } });
    await subscribe(ws.id, "recovers", recovering.url, only("r"));
    await subscribe(ws.id, "pauser", down.url, { ...only("p"), onExhausted: "pause" });
    await subscribe(ws.id, "dropper", down.url, { ...only("d"), onExhausted: "dead-letter" });
    await subscribe(ws.id, "gone", gone.url, only("g"));
    await subscribe(ws.id, "manual", healthy.url, only("m"));

    await client.ingest(ws.id, ws.ingress, ["r", "p", "d", "g", "m"].map((kind) => makeEvent(`e-${kind}`, { entityKind: kind })));
    expect((await client.call("POST", `/v1/workspaces/${ws.id}/subscribers/manual/disable`)).status).toBe(200);

    const expected: Record<string, AlertType[]> = {
      recovers: ["subscriber.failing", "subscriber.recovered"],
      pauser: ["subscriber.failing", "subscriber.paused"],
      dropper: ["subscriber.failing", "dead_letter.created"],
      gone: ["subscriber.disabled"],
      manual: ["subscriber.disabled"],
    };
    await eventually(() => alertsReceived(ops, opsSecret).length === 8, 90_000, 250);
    const alerts = alertsReceived(ops, opsSecret);
    for (const [subscriberId, types] of Object.entries(expected)) expect(typesFor(alerts, subscriberId)).toEqual(types);
    expect(alerts.every((a) => a.workspaceId === ws.id)).toBe(true);

    const disabled = alerts.filter((a) => a.type === "subscriber.disabled");
    expect(disabled.map((a) => [a.subscriberId, a.data.reason]).sort()).toEqual([
      ["gone", "gone"],
      ["manual", "manual"],
    ]);
    const deadLetter = alerts.find((a) => a.type === "dead_letter.created")!;
    const letters = (await client.call("GET", `/v1/workspaces/${ws.id}/dead-letters?subscriberId=dropper`)).body.deadLetters;
    expect(deadLetter.data).toMatchObject({ deadLetterId: letters[0].id, fromVersion: letters[0].fromVersion, toVersion: letters[0].toVersion });

    // The pager wanted only disables, and got exactly those.
    await eventually(() => alertsReceived(pager, pagerSecret).length === 2, 30_000, 250);
    expect(alertsReceived(pager, pagerSecret).map((a) => [a.type, a.subscriberId]).sort()).toEqual([
      ["subscriber.disabled", "gone"],
      ["subscriber.disabled", "manual"],
    ]);
    // Nothing more comes: every transition was told once.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(alertsReceived(ops, opsSecret)).toHaveLength(8);
  });

  it("a failing alert destination is retried with the same id, and delays no delivery", async () => {
    const ws = await workspace("alerts-retry");
    let alertAttempts = 0;
    const ops = await receivers.start((_req, res) => (++alertAttempts <= 2 ? res.writeHead(503).end() : res.writeHead(200).end()));
    const opsSecret = await alertDestination(ws.id, "ops", ops.url);
    const gone = await receivers.start(fail(410));
    const healthy = await receivers.start();
    await subscribe(ws.id, "gone", gone.url);
    await subscribe(ws.id, "healthy", healthy.url);

    await client.ingest(ws.id, ws.ingress, [makeEvent("a1")]);
    await eventually(() => ops.requests.length >= 1, 30_000);
    // While the alert is still being retried, deliveries go on.
    for (let i = 2; i <= 4; i++) await client.ingest(ws.id, ws.ingress, [makeEvent(`a${i}`)]);
    await eventually(() => healthy.requests.length >= 4, 30_000);
    const firstDeliveries = healthy.requests.slice(0, 4).at(-1)!.at;

    await eventually(() => ops.requests.length >= 3, 60_000);
    expect(firstDeliveries).toBeLessThan(ops.requests[2]!.at);
    expect(new Set(ops.requests.map((r) => r.headers["webhook-id"])).size).toBe(1);
    expect(alertsReceived(ops, opsSecret).map((a) => [a.type, a.subscriberId, a.data.reason])).toEqual([
      ["subscriber.disabled", "gone", "gone"],
    ]);
  });
});

describe("auto-disable and enable", () => {
  it("disables a subscriber failing for disableAfterFailingHours, alerts once, and enable delivers everything from the cursor", async () => {
    const ws = await workspace("auto-disable");
    const ops = await receivers.start();
    const opsSecret = await alertDestination(ws.id, "ops", ops.url, ["subscriber.disabled"]);
    const receiver = await receivers.start(fail(503));
    // 0.002 h is 7.2 s: well inside the retry age, so this is auto-disable, not exhaustion.
    await subscribe(ws.id, "auto", receiver.url, { disableAfterFailingHours: 0.002, onExhausted: "pause", maxBatchSize: 2 });
    const first = await client.ingest(ws.id, ws.ingress, [makeEvent("x1"), makeEvent("x2"), makeEvent("x3")]);

    await eventually(async () => (await status(ws.id, "auto")).state === "disabled", 60_000, 250);
    const disabled = await status(ws.id, "auto");
    expect(disabled).toMatchObject({ disabledReason: "failing", cursor: first.results[0]!.version - 1, inFlight: null });
    await eventually(() => alertsReceived(ops, opsSecret).length === 1, 30_000);
    expect(alertsReceived(ops, opsSecret)[0]).toMatchObject({ type: "subscriber.disabled", subscriberId: "auto", data: { reason: "failing" } });

    // While disabled nothing is sent, and new events wait for it.
    const attemptsWhileFailing = receiver.requests.length;
    const second = await client.ingest(ws.id, ws.ingress, [makeEvent("x4")]);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(receiver.requests).toHaveLength(attemptsWhileFailing);

    receiver.setBehaviour((_req, res) => res.writeHead(200).end());
    const enabled = await client.call("POST", `/v1/workspaces/${ws.id}/subscribers/auto/enable`);
    expect(enabled.body).toMatchObject({ state: "active", disabledReason: null });
    await eventually(async () => (await status(ws.id, "auto")).cursor === second.results[0]!.version, 30_000);
    const delivered = receiver.requests
      .slice(attemptsWhileFailing)
      .flatMap((r) => DeliveryBody.parse(JSON.parse(r.body)).events.map((e) => e.id));
    expect(delivered).toEqual(["x1", "x2", "x3", "x4"]);
    expect(alertsReceived(ops, opsSecret)).toHaveLength(1);
  });
});

describe("rateLimit", () => {
  it("at 5 events/s drains a 200-event backlog in order, never more than 50 events in any 10 s at the receiver", async () => {
    const ws = await workspace("rate-limited");
    const events = Array.from({ length: 200 }, (_, i) => makeEvent(`rl${i}`));
    for (let i = 0; i < events.length; i += 100) await client.ingest(ws.id, ws.ingress, events.slice(i, i + 100));
    const receiver = await receivers.start();
    await subscribe(ws.id, "slow", receiver.url, { start: "beginning", rateLimit: { eventsPerSecond: 5 } });

    const received = () => receiver.requests.flatMap((r) => DeliveryBody.parse(JSON.parse(r.body)).events.map((e) => ({ at: r.at, id: e.id })));
    await eventually(() => received().length >= 200, 120_000, 500);
    const receipts = received();
    expect(receipts.map((r) => r.id)).toEqual(events.map((e) => e.id));
    const mostInTenSeconds = Math.max(...receipts.map((r) => receipts.filter((o) => o.at >= r.at && o.at < r.at + 10_000).length));
    expect(mostInTenSeconds).toBeLessThanOrEqual(50);
    // It drains at its limit, not in bursts: no batch carries more than a second's worth.
    expect(Math.max(...receiver.requests.map((r) => DeliveryBody.parse(JSON.parse(r.body)).events.length))).toBeLessThanOrEqual(5);
  });
});
