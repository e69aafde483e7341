import { describe, expect, it } from "vitest";
import { ReadResponse } from "../../src/contract/event";
import {
  createWorkspace,
  expectError,
  expectStatus,
  ingest,
  json,
  makeEvent,
  makeEvents,
  readEvents,
  readPage,
  relayFetch,
  sleep,
  workspacePath,
} from "./helpers";

/** A workspace holding `count` events with versions 1..count (no lamport jumps). */
async function workspaceWithEvents(count: number) {
  const workspace = await createWorkspace();
  for (let sent = 0; sent < count; sent += 100) {
    await ingest(workspace.workspaceId, workspace.ingressSecret, makeEvents(Math.min(100, count - sent), { lamport: undefined }));
  }
  return workspace;
}

const versionsOf = (page: ReadResponse) => page.events.map((e) => e.version);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe("GET /v1/workspaces/{id}/events (contract §3)", () => {
  it("pages through the log with after, limit, nextAfter and hasMore", async () => {
    const { workspaceId } = await workspaceWithEvents(25);
    const first = await readPage(workspaceId, { limit: 10 });
    expect(versionsOf(first)).toEqual(range(1, 10));
    expect(first).toMatchObject({ head: 25, nextAfter: 10, hasMore: true });

    const second = await readPage(workspaceId, { after: first.nextAfter, limit: 10 });
    expect(versionsOf(second)).toEqual(range(11, 20));
    expect(second).toMatchObject({ head: 25, nextAfter: 20, hasMore: true });

    const last = await readPage(workspaceId, { after: second.nextAfter, limit: 10 });
    expect(versionsOf(last)).toEqual(range(21, 25));
    expect(last).toMatchObject({ head: 25, nextAfter: 25, hasMore: false });

    // Exactly `limit` left: no more after it.
    expect(await readPage(workspaceId, { after: 15, limit: 10 })).toMatchObject({ nextAfter: 25, hasMore: false });
  });

  it("returns an empty page at or past the head, with nextAfter = after", async () => {
    const { workspaceId } = await workspaceWithEvents(3);
    expect(await readPage(workspaceId, { after: 3 })).toEqual({ events: [], head: 3, nextAfter: 3, hasMore: false });
    expect(await readPage(workspaceId, { after: 50 })).toEqual({ events: [], head: 3, nextAfter: 50, hasMore: false });
  });

  it("defaults to after=0 and limit=100, and allows limit up to 1000", async () => {
    const { workspaceId } = await workspaceWithEvents(1001);
    const res = await readEvents(workspaceId);
    await expectStatus(res, 200);
    const page = ReadResponse.parse(await json(res));
    expect(versionsOf(page)).toEqual(range(1, 100));
    expect(page).toMatchObject({ nextAfter: 100, hasMore: true, head: 1001 });

    const big = await readPage(workspaceId, { limit: 1000 });
    expect(versionsOf(big)).toEqual(range(1, 1000));
    expect(big.hasMore).toBe(true);
  }, 30_000);

  it("returns events in version order across lamport jumps", async () => {
    const { workspaceId, ingressSecret } = await createWorkspace();
    await ingest(workspaceId, ingressSecret, [makeEvent({ lamport: 100 }), makeEvent({ lamport: 5 }), makeEvent({ lamport: 300 })]);
    const page = await readPage(workspaceId, { after: 100 });
    expect(versionsOf(page)).toEqual([101, 102, 301]);
    expect(page.nextAfter).toBe(301);
  });

  it("takes a number parameter given with no value as absent, so its default applies, in either order", async () => {
    const { workspaceId } = await workspaceWithEvents(101);
    const res = await readEvents(workspaceId, "after=&limit=&wait=");
    await expectStatus(res, 200);
    const page = ReadResponse.parse(await json(res));
    expect(versionsOf(page)).toEqual(range(1, 100));
    expect(page).toMatchObject({ nextAfter: 100, hasMore: true });

    const newest = await readEvents(workspaceId, "order=desc&before=&limit=2");
    await expectStatus(newest, 200);
    expect((await json<{ events: { version: number }[] }>(newest)).events.map((e) => e.version)).toEqual([101, 100]);
    // A text parameter keeps its empty value: an empty filter is refused, not read as no filter.
    await expectError(await readEvents(workspaceId, "entityId="), "invalid_request", { issuePaths: ["entityId"] });
  });

  it.each([
    ["a negative after", "after=-1", "after"],
    ["a non-numeric after", "after=abc", "after"],
    ["a fractional after", "after=1.5", "after"],
    ["limit 0", "limit=0", "limit"],
    ["limit 1001", "limit=1001", "limit"],
    ["wait 31", "wait=31", "wait"],
    ["a negative wait", "wait=-1", "wait"],
  ])("refuses %s with 400 invalid_request", async (_name, query, path) => {
    const { workspaceId } = await workspaceWithEvents(1);
    await expectError(await readEvents(workspaceId, query), "invalid_request", { issuePaths: [path] });
  });
});

describe("long poll (wait)", () => {
  it("holds an empty read open and returns the event soon after it is ingested", async () => {
    const { workspaceId, ingressSecret } = await workspaceWithEvents(2);
    const waitSeconds = 20;
    const started = Date.now();
    let settled = false;
    const pending = readEvents(workspaceId, { after: 2, wait: waitSeconds }).then((res) => {
      settled = true;
      return res;
    });

    // Give the read time to reach the Durable Object and park there; it must not answer yet.
    await sleep(500);
    expect(settled).toBe(false);

    const event = makeEvent({ lamport: undefined });
    await ingest(workspaceId, ingressSecret, [event]);
    const res = await pending;
    await expectStatus(res, 200);
    const page = ReadResponse.parse(await json(res));
    expect(page.events.map((e) => e.id)).toEqual([event.id]);
    expect(page).toMatchObject({ head: 3, nextAfter: 3, hasMore: false });
    // It came back because the event arrived, not because the wait ran out.
    expect(Date.now() - started).toBeLessThan(waitSeconds * 1000);
  }, 40_000);

  it("returns an empty page after the wait when nothing arrives", async () => {
    const { workspaceId } = await workspaceWithEvents(2);
    const started = Date.now();
    const page = await readPage(workspaceId, { after: 2, wait: 1 });
    expect(page).toEqual({ events: [], head: 2, nextAfter: 2, hasMore: false });
    // It did hold the request for the wait (a lower bound only: load can only make it later).
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it("answers at once when events are already there", async () => {
    const { workspaceId } = await workspaceWithEvents(2);
    const started = Date.now();
    const page = await readPage(workspaceId, { after: 0, wait: 30 });
    expect(versionsOf(page)).toEqual([1, 2]);
    expect(Date.now() - started).toBeLessThan(30_000);
  }, 40_000);

  it("a waiting read ends with 404 workspace_not_found when the workspace is deleted", async () => {
    const { workspaceId } = await workspaceWithEvents(1);
    const pending = readEvents(workspaceId, { after: 1, wait: 20 });
    await sleep(300);
    const deleted = await relayFetch(workspacePath(workspaceId), { method: "DELETE" });
    await expectStatus(deleted, 204);
    await expectError(await pending, "workspace_not_found");
  }, 40_000);
});
