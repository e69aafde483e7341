import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { DeliveryBody } from "../../src/contract/delivery";
import { startReceiver } from "../support/receiver";
import { eventually, makeEvent, relayClient, startRelay, type LocalRelay } from "../support/relay";

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/**
 * A state folder and a receiver that holds every request open until `stopRelay` has stopped
 * the relay, so the first batch is in flight when the relay goes away.
 */
async function restartSetup(prefix: string) {
  const persistDir = await mkdtemp(join(tmpdir(), prefix));
  cleanups.push(() => rm(persistDir, { recursive: true, force: true }));
  const receiver = await startReceiver();
  cleanups.push(() => receiver.close());
  let relayStopped = false;
  receiver.setBehaviour(async (_req, res) => {
    while (!relayStopped) await new Promise((resolve) => setTimeout(resolve, 50));
    res.writeHead(200).end();
  });
  return {
    persistDir,
    receiver,
    async stopRelay(relay: LocalRelay) {
      await relay.stop();
      relayStopped = true;
    },
  };
}

it("completes a delivery cut off by a relay restart, with no event lost", async () => {
  const { persistDir, receiver, stopRelay } = await restartSetup("relay-restart-");
  let relay = await startRelay({ persistDir });
  const client = relayClient(relay.url);
  const ingress = await client.createWorkspace("restart");
  const put = await client.call("PUT", "/v1/workspaces/restart/subscribers/r", {
    kind: "webhook",
    url: receiver.url,
    maxBatchSize: 10,
  });
  expect(put.status).toBe(201);
  await client.ingest("restart", ingress, Array.from({ length: 50 }, (_, i) => makeEvent(`r${i}`)));
  await eventually(() => receiver.requests.length >= 1, 30_000);
  await stopRelay(relay);

  // Nothing calls the workspace after the restart: the watchdog alarm alone must finish the job.
  relay = await startRelay({ persistDir });
  cleanups.push(() => relay.stop());
  await eventually(() => {
    const versions = new Set(receiver.requests.flatMap((q) => DeliveryBody.parse(JSON.parse(q.body)).events.map((e) => e.version)));
    return versions.size === 50;
  }, 120_000, 250);
  const after = relayClient(relay.url);
  const status = await eventually(async () => {
    const s = (await after.call("GET", "/v1/workspaces/restart/subscribers/r")).body;
    return s.lag === 0 && s.inFlight === null ? s : undefined;
  }, 30_000);
  expect(status).toMatchObject({ cursor: 50, head: 50, state: "active" });
  // The batch cut off by the restart was re-sent under the same webhook-id.
  const firstId = receiver.requests[0]!.headers["webhook-id"];
  expect(receiver.requests.filter((q) => q.headers["webhook-id"] === firstId).length).toBeGreaterThanOrEqual(2);
}, 300_000);

it("counts the watchdog's re-send after a restart against the subscriber's rate limit", async () => {
  const { persistDir, receiver, stopRelay } = await restartSetup("relay-restart-paced-");
  let relay = await startRelay({ persistDir });
  const client = relayClient(relay.url);
  const ingress = await client.createWorkspace("paced-restart");
  await client.ingest("paced-restart", ingress, Array.from({ length: 100 }, (_, i) => makeEvent(`p${i}`)));
  const put = await client.call("PUT", "/v1/workspaces/paced-restart/subscribers/paced", {
    kind: "webhook",
    url: receiver.url,
    start: "beginning",
    rateLimit: { eventsPerSecond: 5 },
  });
  expect(put.status).toBe(201);
  await eventually(() => receiver.requests.length >= 1, 30_000);
  await stopRelay(relay);
  const beforeRestart = receiver.requests.length;

  relay = await startRelay({ persistDir });
  cleanups.push(() => relay.stop());
  const receipts = () =>
    receiver.requests.slice(beforeRestart).flatMap((q) => DeliveryBody.parse(JSON.parse(q.body)).events.map(() => q.at));
  // The watchdog re-sends the cut-off batch, then pacing goes on: wait past one full window.
  await eventually(() => receipts().length >= 60, 120_000, 250);
  const times = receipts();
  const mostInTenSeconds = Math.max(...times.map((t) => times.filter((o) => o >= t && o < t + 10_000).length));
  // 5/s is 50 events in any 10 s, the re-sent batch included.
  expect(mostInTenSeconds).toBeLessThanOrEqual(50);
  expect(receiver.requests[beforeRestart]!.headers["webhook-id"]).toBe(receiver.requests[0]!.headers["webhook-id"]);
}, 300_000);
