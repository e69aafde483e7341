import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ReadResponse, ReadResponseDesc } from "../../src/contract/event";
import { searchEvents, type SearchRequest } from "../../durable-objects/event-search";
import { createSql } from "../../durable-objects/sql";
import { createWorkspace, eventsPath, expectStatus, ingest, json, makeEvent, relayFetch, workspaceStub } from "./helpers";

const LOG_SIZE = 50_000;
const RARE_EVERY = 2_000;

/**
 * Rows SQLite reads for one page of a search, counted by the Durable Object's own SQLite
 * (`cursor.rowsRead`), not timed: run inside the workspace's object against its real storage,
 * with the same function the read route uses.
 */
function rowsReadFor(workspaceId: string, request: SearchRequest) {
  return runInDurableObject(workspaceStub(workspaceId), (_instance, state) => {
    const page = searchEvents(createSql(state.storage.sql), request);
    return { versions: page.rows.map((row) => row.version), rowsRead: page.rowsRead, hasMore: page.hasMore };
  });
}

describe("event search cost (contract §8: a filtered page costs time proportional to the page)", () => {
  it("a page of a rare entity from a 50,000-event log reads about as many rows as it returns", async () => {
    const { workspaceId, ingressSecret } = await createWorkspace();
    // Versions 1..50,000; every 2,000th event belongs to the rare entity, as a "delete".
    for (let first = 1; first <= LOG_SIZE; first += 100) {
      const events = Array.from({ length: 100 }, (_, i) => {
        const version = first + i;
        const rare = version % RARE_EVERY === 0;
        return makeEvent({
          lamport: undefined,
          payload: null,
          entityId: rare ? "rare" : `common_${version % 50}`,
          eventType: rare ? "delete" : "update",
        });
      });
      await ingest(workspaceId, ingressSecret, events);
    }
    const rareVersions = Array.from({ length: LOG_SIZE / RARE_EVERY }, (_, i) => (i + 1) * RARE_EVERY);
    const limit = 10;

    // Ascending from the start, ascending from a cursor, descending from the head.
    const firstPage = await rowsReadFor(workspaceId, { entityId: "rare", order: "asc", cursor: 0, limit });
    expect(firstPage.versions).toEqual(rareVersions.slice(0, limit));
    const middle = await rowsReadFor(workspaceId, { entityId: "rare", order: "asc", cursor: 24_000, limit });
    expect(middle.versions).toEqual(rareVersions.filter((v) => v > 24_000).slice(0, limit));
    const newest = await rowsReadFor(workspaceId, { entityId: "rare", order: "desc", cursor: LOG_SIZE + 1, limit });
    expect(newest.versions).toEqual(rareVersions.slice(-limit).reverse());
    // Combined with a second filter: the two indexes' intersection, a few seeks per hit.
    const combined = await rowsReadFor(workspaceId, {
      entityId: "rare",
      eventType: "delete",
      order: "desc",
      cursor: 30_000,
      limit,
    });
    expect(combined.versions).toEqual(rareVersions.filter((v) => v < 30_000).reverse().slice(0, limit));

    // One page reads its rows plus the one past it, through the index: a few dozen rows at most.
    for (const page of [firstPage, middle, newest]) {
      expect(page.hasMore).toBe(true);
      expect(page.rowsRead).toBeLessThanOrEqual(3 * (limit + 1));
    }

    expect(combined.hasMore).toBe(true);
    expect(combined.rowsRead).toBeLessThanOrEqual(20 * (limit + 1));

    // A rare value combined with values that every event has, whichever filter comes first:
    // reading the common values' rows would be 2,000 rows per hit (22,000 for this page). The
    // intersection seeks each index a few times per hit instead (about 6 rows per hit for two
    // filters, 12 for three, here).
    const commonAndRare = [
      { entityKind: "user", eventType: "delete", order: "asc", cursor: 0 },
      { entityKind: "user", eventType: "delete", origin: "happy-animal-123", order: "desc", cursor: 41_000 },
      { eventType: "delete", origin: "happy-animal-123", order: "asc", cursor: 7_000 },
    ] as const;
    for (const search of commonAndRare) {
      const page = await rowsReadFor(workspaceId, { ...search, limit });
      const expected = search.order === "asc"
        ? rareVersions.filter((v) => v > search.cursor).slice(0, limit)
        : rareVersions.filter((v) => v < search.cursor).reverse().slice(0, limit);
      expect(page.versions).toEqual(expected);
      expect(page.hasMore).toBe(true);
      expect(page.rowsRead).toBeLessThanOrEqual(20 * (limit + 1));
    }

    // The same search through the API returns the same events.
    const res = await relayFetch(`${eventsPath(workspaceId)}?entityId=rare&limit=${limit}`);
    await expectStatus(res, 200);
    expect(ReadResponse.parse(await json(res)).events.map((e) => e.version)).toEqual(firstPage.versions);
    const resDesc = await relayFetch(`${eventsPath(workspaceId)}?entityId=rare&order=desc&limit=${limit}`);
    expect(ReadResponseDesc.parse(await json(resDesc)).events.map((e) => e.version)).toEqual(newest.versions);
    const resCombined = await relayFetch(`${eventsPath(workspaceId)}?entityKind=user&eventType=delete&limit=${limit}`);
    expect(ReadResponse.parse(await json(resCombined)).events.map((e) => e.version)).toEqual(rareVersions.slice(0, limit));
  }, 300_000);
});
