import { createExecutionContext, createMessageBatch, getQueueResult, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { DeliveryRef } from "../../src/contract/delivery-messages";
import { DELIVERY_DLQ_NAME, DELIVERY_QUEUE_NAME } from "../../src/delivery/queue-consumer";
import worker from "../../src/index";
import { createWorkspace, expectStatus, ingest, json, makeEvents, pollUntil, relayFetch, workspacePath, workspaceStub } from "./helpers";

async function runQueue(queue: string, bodies: unknown[]) {
  const batch = createMessageBatch(
    queue,
    bodies.map((body, i) => ({ id: `m${i}`, timestamp: new Date(), attempts: 1, body })),
  );
  const ctx = createExecutionContext();
  await worker.queue(batch, env);
  return getQueueResult(batch, ctx);
}

/** A subscriber whose destination cannot be reached, so its first batch goes into retry. */
async function retryingSubscriber() {
  const { workspaceId, ingressSecret } = await createWorkspace();
  const put = await relayFetch(`${workspacePath(workspaceId)}/subscribers/s`, {
    method: "PUT",
    body: { kind: "webhook", url: "http://127.0.0.1:9/unreachable", start: "beginning" },
  });
  await expectStatus(put, 201);
  await ingest(workspaceId, ingressSecret, makeEvents(2));
  await pollUntil(
    async () => {
      const res = await relayFetch(`${workspacePath(workspaceId)}/subscribers/s`);
      const status = await json<{ state: string }>(res);
      return status.state === "retrying";
    },
    { what: "the subscriber to be retrying" },
  );
  const ref = await runInDurableObject(workspaceStub(workspaceId), (_i, state) => {
    const row = state.storage.sql
      .exec("SELECT inflight_id, inflight_from, inflight_to, inflight_attempt FROM subscribers WHERE id = 's'")
      .one();
    return {
      workspaceId,
      subscriberId: "s",
      deliveryId: row.inflight_id as string,
      fromVersion: row.inflight_from as number,
      toVersion: row.inflight_to as number,
      attempt: row.inflight_attempt as number,
    } satisfies DeliveryRef;
  });
  return { workspaceId, ref };
}

describe("delivery queue consumer", () => {
  it("acknowledges malformed and stale messages without sending anything", async () => {
    const { workspaceId, ref } = await retryingSubscriber();
    const result = await runQueue(DELIVERY_QUEUE_NAME, [
      { not: "a ref" },
      { ...ref, deliveryId: "msg_old" },
      { ...ref, attempt: ref.attempt + 5 },
    ]);
    expect(result.explicitAcks.sort()).toEqual(["m0", "m1", "m2"]);
    expect(result.retryMessages).toEqual([]);
    const status = await json<{ inFlight: { attempt: number } }>(await relayFetch(`${workspacePath(workspaceId)}/subscribers/s`));
    expect(status.inFlight.attempt).toBe(ref.attempt);
  });

  it("records messages the queue dead-lettered, so none disappears silently", async () => {
    const { workspaceId, ref } = await retryingSubscriber();
    const result = await runQueue(DELIVERY_DLQ_NAME, [ref]);
    expect(result.explicitAcks).toEqual(["m0"]);
    const status = await json<{ lastError: { message: string }; inFlight: unknown }>(
      await relayFetch(`${workspacePath(workspaceId)}/subscribers/s`),
    );
    expect(status.lastError.message).toContain("dead-lettered by the queue");
    expect(status.inFlight).not.toBeNull();
  });
});
