import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createWorkspace, pollUntil, workspaceStub } from "./helpers";
import { createReadKey, ingestMany, openFeed, type FeedClient } from "./feed-support";

/**
 * A socket's first ack is saved as its consumer's cursor at once; later acks are kept in the
 * socket's attachment and saved together shortly after (a write per ack held back every frame
 * sent after it). Whatever the path, a consumer resumes after its latest ack.
 */

/** A round trip through the socket: once the reply to an invalid frame arrives, every ack before it was handled. */
async function barrier(feed: FeedClient): Promise<void> {
  const seen = feed.errors.length;
  feed.send("barrier");
  await pollUntil(() => feed.errors.length > seen, { what: "barrier reply" });
}

function storedCursor(workspaceId: string, consumer: string): Promise<number | undefined> {
  return runInDurableObject(workspaceStub(workspaceId), (_instance, state) => {
    const rows = state.storage.sql
      .exec<{ cursor: number }>("SELECT cursor FROM feed_consumers WHERE name = ?", consumer)
      .toArray();
    return rows[0]?.cursor;
  });
}

async function ackingConsumer(consumer: string) {
  const ws = await createWorkspace();
  const { key } = await createReadKey(ws.workspaceId);
  const versions = await ingestMany(ws.workspaceId, ws.ingressSecret, 30);
  const feed = await openFeed(ws.workspaceId, { after: 0, consumer, token: key });
  await feed.waitForVersion(versions.at(-1)!);
  // The first ack creates the consumer; the later ones are batched.
  for (const i of [4, 9, 19]) feed.ack(versions[i]!);
  await barrier(feed);
  return { ws, key, versions, feed };
}

describe("feed: batched ack saves", () => {
  it("saves a socket's latest ack when it closes: the consumer resumes right after it", async () => {
    const { ws, key, versions, feed } = await ackingConsumer("closing");
    feed.close();
    await feed.waitForClose();
    const resumed = await openFeed(ws.workspaceId, { consumer: "closing", token: key });
    await resumed.waitForVersion(versions.at(-1)!);
    expect(resumed.versions).toEqual(versions.slice(20));
    resumed.close();
  });

  it("resumes a second connection of a consumer after the latest ack of its first, still open", async () => {
    const { ws, key, versions, feed } = await ackingConsumer("twice");
    const second = await openFeed(ws.workspaceId, { consumer: "twice", token: key });
    await second.waitForVersion(versions.at(-1)!);
    expect(second.versions).toEqual(versions.slice(20));
    feed.close();
    second.close();
  });

  it("keeps an ack not saved yet across hibernation, and its stored alarm saves it", async () => {
    const { ws, versions, feed } = await ackingConsumer("sleeper");
    const stub = workspaceStub(ws.workspaceId);
    await evictDurableObject(stub, { webSockets: "hibernate" });
    // The save is an alarm task: run it now if it is still pending (it may already have run).
    await runDurableObjectAlarm(stub);
    await pollUntil(async () => (await storedCursor(ws.workspaceId, "sleeper")) === versions[19], {
      what: "the consumer's cursor to reach its latest ack",
    });
    expect(feed.closed).toBeUndefined();
    feed.close();
  });
});
