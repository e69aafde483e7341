import { describe, expect, it } from "vitest";
import { createWorkspace, makeEvents, ingest, pollUntil, readAll } from "./helpers";
import { FRAME_MAX_BYTES, FRAME_MAX_EVENTS } from "../../durable-objects/feed/frames";
import { FEED_ACK_WINDOW_BYTES } from "../../src/contract/feed";
import { createReadKey, expectStrictlyIncreasing, ingestMany, openFeed, type FeedClient } from "./feed-support";

describe("feed: backlog, then live events", () => {
  it("delivers 5,000 backlog and 5,000 live events to one client, each once, in version order", async () => {
    const ws = await createWorkspace();
    const { key } = await createReadKey(ws.workspaceId);
    await ingestMany(ws.workspaceId, ws.ingressSecret, 5_000);

    const feed = await openFeed(ws.workspaceId, { after: 0, token: key });
    // Live events arrive while the backlog is still streaming.
    const live = ingestMany(ws.workspaceId, ws.ingressSecret, 5_000);
    const liveVersions = await live;
    await feed.waitForEventCount(10_000, 120_000);

    expect(feed.malformed).toEqual([]);
    expect(feed.events).toHaveLength(10_000);
    expectStrictlyIncreasing(feed.versions);
    expect(feed.lastVersion).toBe(liveVersions.at(-1));
    // What the feed sent is exactly the log, as the read API serves it.
    expect(feed.events).toEqual(await readAll(ws.workspaceId));
    // Frames are pages, not the whole backlog at once.
    expect(feed.frameSizes.length).toBeGreaterThanOrEqual(10_000 / FRAME_MAX_EVENTS);
    expect(Math.max(...feed.frameSizes)).toBeLessThanOrEqual(FRAME_MAX_EVENTS);
    feed.close();
  }, 180_000);

  it("starts after `after`, and sends nothing more than exists", async () => {
    const ws = await createWorkspace();
    const { key } = await createReadKey(ws.workspaceId);
    const versions = await ingestMany(ws.workspaceId, ws.ingressSecret, 250);
    const after = versions[99]!;
    const feed = await openFeed(ws.workspaceId, { after, token: key });
    await feed.waitForVersion(versions.at(-1)!);
    expect(feed.versions).toEqual(versions.slice(100));

    const [next] = (await ingest(ws.workspaceId, ws.ingressSecret, makeEvents(1))).results;
    await feed.waitForVersion(next!.version);
    expect(feed.versions).toEqual([...versions.slice(100), next!.version]);
    feed.close();
  });

  it("pages a backlog larger than one send turn (big events), still in order and complete", async () => {
    // 3 MB of events: several frames, each within the bound.
    const feed = await readBackPayloads({ big: "x".repeat(2_000) }, 15);
    expect(feed.frameBytes.length).toBeGreaterThan(5);
    expect(Math.max(...feed.frameBytes)).toBeLessThanOrEqual(FRAME_MAX_BYTES);
    feed.close();
  }, 180_000);

  it("bounds frames in UTF-8 bytes, not characters: non-ASCII payloads take more frames", async () => {
    // "€" is one character and three bytes: 300 events of 6 KB each, 1.8 MB in all, which
    // frames bounded in characters would send in two messages of about 900 KB.
    const feed = await readBackPayloads({ euros: "€".repeat(2_000) }, 3);
    expect(Math.max(...feed.frameBytes)).toBeLessThanOrEqual(FRAME_MAX_BYTES);
    expect(feed.frameBytes.length).toBeGreaterThanOrEqual(4);
    feed.close();
  }, 60_000);
});

/**
 * Ingests `requests` × 100 events carrying `payload` into a new workspace, reads them all back
 * through the feed, and checks they came complete, in order and intact.
 */
async function readBackPayloads(payload: Record<string, string>, requests: number): Promise<FeedClient> {
  const ws = await createWorkspace();
  const { key } = await createReadKey(ws.workspaceId);
  for (let i = 0; i < requests; i++) await ingest(ws.workspaceId, ws.ingressSecret, makeEvents(100, { payload }));
  const feed = await openFeed(ws.workspaceId, { token: key });
  await feed.waitForEventCount(requests * 100, 120_000);
  expect(feed.events).toHaveLength(requests * 100);
  expectStrictlyIncreasing(feed.versions);
  const sent = JSON.stringify(payload);
  expect(feed.events.every((e) => JSON.stringify(e.payload) === sent)).toBe(true);
  return feed;
}

describe("feed: named consumers", () => {
  it("resumes a reconnecting consumer after its last ack: nothing missed, duplicates only after the ack", async () => {
    const ws = await createWorkspace();
    const { key } = await createReadKey(ws.workspaceId);
    await ingestMany(ws.workspaceId, ws.ingressSecret, 2_000);

    const first = await openFeed(ws.workspaceId, { after: 0, consumer: "replica-1", token: key });
    const live = ingestMany(ws.workspaceId, ws.ingressSecret, 2_000);
    await first.waitForEventCount(1_500);
    // Acknowledge less than was received, then drop the connection mid-stream.
    const acked = first.events[999]!.version;
    first.ack(acked);
    first.close();
    await first.waitForClose();
    const seenBefore = [...first.versions];

    const second = await openFeed(ws.workspaceId, { consumer: "replica-1", token: key });
    const finalVersions = await live;
    await second.waitForVersion(finalVersions.at(-1)!, 120_000);

    const all = (await readAll(ws.workspaceId)).map((e) => e.version);
    expect(all).toHaveLength(4_000);
    expectStrictlyIncreasing(second.versions);
    // The second connection starts right after the ack…
    expect(second.versions[0]).toBe(all.find((v) => v > acked));
    // …so together the two connections saw everything…
    expect(new Set([...seenBefore, ...second.versions])).toEqual(new Set(all));
    // …and every event seen twice comes after the last ack.
    const duplicates = second.versions.filter((v) => seenBefore.includes(v));
    expect(duplicates.length).toBeGreaterThan(0);
    expect(duplicates.every((v) => v > acked)).toBe(true);
    expect(second.malformed).toEqual([]);
    second.close();
  }, 180_000);

  it("an explicit `after` wins over the consumer's cursor; an unknown consumer starts at the beginning", async () => {
    const ws = await createWorkspace();
    const { key } = await createReadKey(ws.workspaceId);
    const versions = await ingestMany(ws.workspaceId, ws.ingressSecret, 30);

    const acker = await openFeed(ws.workspaceId, { consumer: "c", token: key });
    await acker.waitForVersion(versions.at(-1)!);
    acker.ack(versions[19]!);
    acker.close();
    await acker.waitForClose();

    const explicit = await openFeed(ws.workspaceId, { consumer: "c", after: versions[4]!, token: key });
    await explicit.waitForVersion(versions.at(-1)!);
    expect(explicit.versions).toEqual(versions.slice(5));

    const resumed = await openFeed(ws.workspaceId, { consumer: "c", token: key });
    await resumed.waitForVersion(versions.at(-1)!);
    expect(resumed.versions).toEqual(versions.slice(20));

    const fresh = await openFeed(ws.workspaceId, { consumer: "someone-else", token: key });
    await fresh.waitForVersion(versions.at(-1)!);
    expect(fresh.versions).toEqual(versions);
    for (const f of [explicit, resumed, fresh]) f.close();
  });
});

describe("feed: flow control", () => {
  /**
   * A round trip through the socket: frames are ordered, so once the server's answer to an
   * invalid frame arrives, everything it sent before has arrived too.
   */
  async function barrier(feed: FeedClient): Promise<void> {
    const seen = feed.errors.length;
    feed.send("barrier");
    await pollUntil(() => feed.errors.length > seen, { what: "barrier reply" });
  }

  it("holds a consumer that stops acking at its window, in SQLite, and resumes it on its next ack", async () => {
    const ws = await createWorkspace();
    const { key } = await createReadKey(ws.workspaceId);
    const big = "y".repeat(2_000);
    for (let i = 0; i < 30; i++) {
      await ingest(ws.workspaceId, ws.ingressSecret, makeEvents(100, { payload: { big } }));
    }
    // 3,000 events of about 2 KB: more than a consumer may have in flight past its ack.
    const feed = await openFeed(ws.workspaceId, { after: 0, consumer: "slow", token: key });
    feed.ack(0);
    // Wait until the stream stops growing, even across a new append (which runs a send turn).
    let previous = -1;
    for (let round = 0; round < 20 && previous !== feed.events.length; round++) {
      previous = feed.events.length;
      await ingest(ws.workspaceId, ws.ingressSecret, makeEvents(1));
      await barrier(feed);
      await barrier(feed);
    }
    expect(feed.events.length).toBeGreaterThan(0);
    expect(feed.events.length).toBeLessThan(3_000);
    // The window is checked before each frame, so at most one frame goes past it.
    const inFlight = feed.frameBytes.reduce((sum, bytes) => sum + bytes, 0);
    expect(inFlight).toBeLessThanOrEqual(FEED_ACK_WINDOW_BYTES + FRAME_MAX_BYTES);

    feed.ack(feed.lastVersion);
    const head = (await ingest(ws.workspaceId, ws.ingressSecret, makeEvents(1))).head;
    // Acking as it goes, the consumer gets everything.
    await pollUntil(
      () => {
        feed.ack(feed.lastVersion);
        return feed.lastVersion >= head;
      },
      { timeoutMs: 60_000, intervalMs: 100, what: "the rest of the stream" },
    );
    expectStrictlyIncreasing(feed.versions);
    expect(feed.events).toEqual(await readAll(ws.workspaceId));
    feed.close();
  }, 180_000);
});

describe("feed: client frames", () => {
  it("answers bad frames with error frames and keeps streaming", async () => {
    const ws = await createWorkspace();
    const { key } = await createReadKey(ws.workspaceId);
    const feed = await openFeed(ws.workspaceId, { token: key });
    const noConsumer = await openFeed(ws.workspaceId, { token: key, consumer: "named" });

    feed.send("not json");
    await feed.waitForError("invalid_frame");
    feed.send({ type: "subscribe" });
    feed.send({ type: "ack", version: -1 });
    feed.send({ type: "ack", version: "7" });
    feed.ack(0);
    await feed.waitForError("consumer_required");
    noConsumer.ack(1_000_000);
    await noConsumer.waitForError("invalid_ack");
    expect(feed.errors.filter((e) => e.code === "invalid_frame")).toHaveLength(4);

    // Both sockets still work.
    const [event] = (await ingest(ws.workspaceId, ws.ingressSecret, makeEvents(1))).results;
    await feed.waitForVersion(event!.version);
    await noConsumer.waitForVersion(event!.version);
    expect(feed.closed).toBeUndefined();
    for (const f of [feed, noConsumer]) f.close();
  });

  it("closes a socket that sends binary or oversized frames, with a clear code", async () => {
    const ws = await createWorkspace();
    const { key } = await createReadKey(ws.workspaceId);
    const binary = await openFeed(ws.workspaceId, { token: key });
    binary.ws.send(new Uint8Array([1, 2, 3]));
    expect((await binary.waitForClose()).code).toBe(1003);

    const huge = await openFeed(ws.workspaceId, { token: key });
    huge.send(JSON.stringify({ type: "ack", version: 1, pad: "x".repeat(10_000) }));
    expect((await huge.waitForClose()).code).toBe(1009);
  });
});
