import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { logMigrations } from "../../durable-objects/log-schema";
import { migrate } from "../../durable-objects/schema";
import { createSql } from "../../durable-objects/sql";
import { ReadResponse, ReadResponseDesc, StoredEvent, type EventFilters } from "../../src/contract/event";
import { seededRandom } from "../support/seeded-random";
import { createReadKey } from "./feed-support";
import {
  createWorkspace,
  eventsPath,
  expectError,
  expectStatus,
  ingest,
  json,
  makeEvent,
  readAll,
  relayFetch,
  sleep,
  uniqueId,
  workspaceStub,
} from "./helpers";

type Order = "asc" | "desc";
type SearchParams = EventFilters & { order?: Order; after?: number; before?: number; limit?: number; wait?: number };

const VALUES = {
  entityKind: ["user", "team"],
  entityId: ["e1", "e2", "e3", "e4", "e5"],
  eventType: ["create", "update", "delete"],
  origin: ["app-a", "app-b"],
} as const;
const FIELDS = Object.keys(VALUES) as (keyof EventFilters)[];

function search(workspaceId: string, params: SearchParams, token?: string | null) {
  const query = new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)]));
  return relayFetch(`${eventsPath(workspaceId)}?${query}`, token === undefined ? {} : { token });
}

/** A workspace whose log mixes every filter value, with version gaps (lamport jumps). */
async function mixedLog(count: number, seed: number) {
  const random = seededRandom(seed);
  const pick = <T>(values: readonly T[]) => values[Math.floor(random() * values.length)]!;
  const workspace = await createWorkspace();
  let lamport = 0;
  for (let sent = 0; sent < count; sent += 50) {
    const events = Array.from({ length: Math.min(50, count - sent) }, () => {
      lamport += random() < 0.2 ? 3 : 0;
      return makeEvent({
        entityKind: pick(VALUES.entityKind),
        entityId: pick(VALUES.entityId),
        eventType: pick(VALUES.eventType),
        source: { origin: pick(VALUES.origin) },
        lamport: random() < 0.2 ? lamport : undefined,
      });
    });
    await ingest(workspace.workspaceId, workspace.ingressSecret, events);
  }
  return { ...workspace, log: await readAll(workspace.workspaceId) };
}

const matches = (event: StoredEvent, filters: EventFilters) =>
  (filters.entityKind === undefined || event.entityKind === filters.entityKind) &&
  (filters.entityId === undefined || event.entityId === filters.entityId) &&
  (filters.eventType === undefined || event.eventType === filters.eventType) &&
  (filters.origin === undefined || event.source.origin === filters.origin);

/** Pages through a search to its end, checking each page's cursor and hasMore as it goes. */
async function searchAll(workspaceId: string, filters: EventFilters, order: Order, limit: number, start?: number) {
  const seen: StoredEvent[] = [];
  let cursor = start;
  for (let pages = 0; pages < 1000; pages++) {
    const cursorParam = cursor === undefined ? {} : order === "asc" ? { after: cursor } : { before: cursor };
    const res = await search(workspaceId, { ...filters, order, limit, ...cursorParam });
    await expectStatus(res, 200);
    const body = await json(res);
    const page = order === "asc" ? ReadResponse.parse(body) : ReadResponseDesc.parse(body);
    expect(page.events.length).toBeLessThanOrEqual(limit);
    const next = "nextAfter" in page ? page.nextAfter : page.nextBefore;
    expect(next).toBe(page.events.at(-1)?.version ?? cursor ?? (order === "asc" ? 0 : page.head + 1));
    seen.push(...page.events);
    if (!page.hasMore) return seen;
    expect(page.events).toHaveLength(limit);
    cursor = next;
  }
  throw new Error("search never ended");
}

describe("event search (contract §8)", () => {
  it("every combination of filters returns exactly the matching events, both orders, paged", async () => {
    const random = seededRandom(9);
    const { workspaceId, log } = await mixedLog(240, 9);
    expect(log).toHaveLength(240);
    const head = log.at(-1)!.version;

    for (let mask = 0; mask < 1 << FIELDS.length; mask++) {
      const fields = FIELDS.filter((_, i) => mask & (1 << i));
      // One assignment drawn from the log (it matches something), and one drawn at random.
      const sample = log[Math.floor(random() * log.length)]!;
      const fromLog: EventFilters = {};
      const drawn: EventFilters = {};
      for (const field of fields) {
        fromLog[field] = field === "origin" ? sample.source.origin : sample[field];
        drawn[field] = VALUES[field][Math.floor(random() * VALUES[field].length)];
      }
      for (const filters of [fromLog, drawn]) {
        const expected = log.filter((e) => matches(e, filters));
        if (filters === fromLog) expect(expected.length).toBeGreaterThan(0);
        const limit = 1 + Math.floor(random() * 25);
        const asc = await searchAll(workspaceId, filters, "asc", limit);
        expect(asc.map((e) => e.version), JSON.stringify(filters)).toEqual(expected.map((e) => e.version));
        expect(asc).toEqual(expected);
        const desc = await searchAll(workspaceId, filters, "desc", limit);
        expect(desc.map((e) => e.version), JSON.stringify(filters)).toEqual(expected.map((e) => e.version).reverse());

        // From a cursor in the middle of the log, each way.
        const middle = log[Math.floor(log.length / 2)]!.version;
        const ascFrom = await searchAll(workspaceId, filters, "asc", limit, middle);
        expect(ascFrom.map((e) => e.version)).toEqual(expected.filter((e) => e.version > middle).map((e) => e.version));
        const descFrom = await searchAll(workspaceId, filters, "desc", limit, middle);
        expect(descFrom.map((e) => e.version)).toEqual(
          expected.filter((e) => e.version < middle).map((e) => e.version).reverse(),
        );
      }
    }
    // Past either end: empty pages that keep the cursor, with no filter, one, or several.
    const first = log[0]!;
    const several = { entityKind: first.entityKind, eventType: first.eventType, origin: first.source.origin };
    for (const filters of [{}, { entityKind: first.entityKind }, several]) {
      expect(ReadResponseDesc.parse(await json(await search(workspaceId, { ...filters, order: "desc", before: 1 })))).toEqual({
        events: [],
        head,
        nextBefore: 1,
        hasMore: false,
      });
      expect(ReadResponse.parse(await json(await search(workspaceId, { ...filters, after: head })))).toEqual({
        events: [],
        head,
        nextAfter: head,
        hasMore: false,
      });
    }
    // Just inside the start: descending from just past the first event finds it alone.
    const firstPage = ReadResponseDesc.parse(await json(await search(workspaceId, { ...several, order: "desc", before: first.version + 1 })));
    expect(firstPage.events.map((e) => e.version)).toEqual([first.version]);
  }, 120_000);

  it("desc defaults to the newest events and says nextBefore, never nextAfter", async () => {
    const { workspaceId, log } = await mixedLog(30, 3);
    const res = await search(workspaceId, { order: "desc", limit: 5 });
    await expectStatus(res, 200);
    const body = await json<Record<string, unknown>>(res);
    expect(Object.keys(body).sort()).toEqual(["events", "hasMore", "head", "nextBefore"]);
    const page = ReadResponseDesc.parse(body);
    expect(page.events.map((e) => e.version)).toEqual(log.slice(-5).reverse().map((e) => e.version));
    expect(page).toMatchObject({ hasMore: true, nextBefore: log.at(-5)!.version, head: log.at(-1)!.version });
  });

  it("refuses bad search parameters in the contract's error shape", async () => {
    const { workspaceId } = await createWorkspace();
    const cases: [Record<string, string>, string][] = [
      [{ order: "sideways" }, "order"],
      [{ before: "5" }, "before"],
      [{ order: "desc", after: "5" }, "after"],
      [{ order: "desc", wait: "1" }, "wait"],
      [{ entityId: "" }, "entityId"],
      [{ eventType: "x".repeat(129) }, "eventType"],
      [{ before: "-1", order: "desc" }, "before"],
      [{ after: "abc" }, "after"],
    ];
    for (const [params, path] of cases) {
      const res = await relayFetch(`${eventsPath(workspaceId)}?${new URLSearchParams(params)}`);
      await expectError(res, "invalid_request", { issuePaths: [path] });
    }
  });

  it("the search migration fills entity ids of a log written before it", async () => {
    const { workspaceId, ingressSecret } = await createWorkspace();
    await ingest(workspaceId, ingressSecret, [
      makeEvent({ entityId: "old-1", lamport: undefined }),
      makeEvent({ entityId: "old-2", lamport: undefined }),
      makeEvent({ entityId: "old-1", lamport: undefined }),
    ]);
    // Back to the schema before log/0003, then migrate again, as a deploy would.
    await runInDurableObject(workspaceStub(workspaceId), (_instance, state) => {
      const sql = createSql(state.storage.sql);
      state.storage.transactionSync(() => {
        for (const index of ["entity_id", "entity_kind", "event_type", "origin"]) {
          state.storage.sql.exec(`DROP INDEX events_by_${index}`);
        }
        sql`ALTER TABLE events DROP COLUMN entity_id`;
        sql`DELETE FROM schema_migrations WHERE name = 'log/0003-search-indexes'`;
      });
      state.storage.transactionSync(() => migrate(sql, logMigrations));
    });
    const page = ReadResponse.parse(await json(await search(workspaceId, { entityId: "old-1" })));
    expect(page.events.map((e) => e.version)).toEqual([1, 3]);
  });

  it("a filtered long poll waits past appends that do not match, until one that does", async () => {
    const { workspaceId, ingressSecret } = await createWorkspace();
    const pending = search(workspaceId, { entityId: "wanted", wait: 20 });
    await sleep(100);
    await ingest(workspaceId, ingressSecret, [makeEvent({ entityId: "other", lamport: undefined })]);
    await sleep(300);
    await ingest(workspaceId, ingressSecret, [makeEvent({ entityId: "wanted", lamport: undefined })]);
    const res = await pending;
    await expectStatus(res, 200);
    const page = ReadResponse.parse(await json(res));
    expect(page.events.map((e) => [e.version, e.entityId])).toEqual([[2, "wanted"]]);
    expect(page.nextAfter).toBe(2);
  });
});

describe("GET /v1/workspaces/{ws}/events/{version} (contract §8)", () => {
  it("returns the stored event, or 404 event_not_found for a version the log does not hold", async () => {
    const { workspaceId, ingressSecret } = await createWorkspace();
    await ingest(workspaceId, ingressSecret, [makeEvent({ lamport: 10 }), makeEvent({ lamport: undefined })]);
    const [first, second] = await readAll(workspaceId);
    for (const event of [first!, second!]) {
      const res = await relayFetch(`${eventsPath(workspaceId)}/${event.version}`);
      await expectStatus(res, 200);
      expect(StoredEvent.parse(await json(res))).toEqual(event);
    }
    // 11 and 12 exist; 5 fell in the lamport gap, 13 is past the head.
    for (const missing of [5, 13]) {
      await expectError(await relayFetch(`${eventsPath(workspaceId)}/${missing}`), "event_not_found");
    }
    for (const bad of ["0", "abc", "1.5"]) {
      await expectError(await relayFetch(`${eventsPath(workspaceId)}/${bad}`), "invalid_request", { issuePaths: [""] });
    }
    await expectError(await relayFetch(`${eventsPath(uniqueId())}/1`), "workspace_not_found");
    await expectError(await relayFetch(`${eventsPath(workspaceId)}/11`, { token: null }), "unauthorized");
  });

  it("read keys open search and single events of their own workspace only", async () => {
    const { workspaceId, ingressSecret } = await createWorkspace();
    const other = await createWorkspace();
    await ingest(workspaceId, ingressSecret, [makeEvent({ entityId: "k1", lamport: undefined })]);
    const { key } = await createReadKey(workspaceId);

    const page = ReadResponseDesc.parse(await json(await search(workspaceId, { order: "desc", entityId: "k1" }, key)));
    expect(page.events.map((e) => e.version)).toEqual([1]);
    const res = await relayFetch(`${eventsPath(workspaceId)}/1`, { token: key });
    await expectStatus(res, 200);

    await expectError(await search(other.workspaceId, { order: "desc", entityId: "k1" }, key), "forbidden");
    await expectError(await relayFetch(`${eventsPath(other.workspaceId)}/1`, { token: key }), "forbidden");
  });
});
