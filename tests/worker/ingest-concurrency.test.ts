import { describe, expect, it } from "vitest";
import { IngestResponse, type EventEnvelope } from "../../src/contract/event";
import { seededRandom } from "../support/seeded-random";
import {
  createWorkspace,
  envelopeOf,
  expectStatus,
  getWorkspace,
  json,
  makeEvent,
  readAll,
  signedIngest,
} from "./helpers";

const REQUESTS = 20;
const EVENTS_PER_REQUEST = 50;
/** Of each request's events, this many are copies of events that other requests also send. */
const DUPLICATES_PER_REQUEST = 5;
const SEED = 20_251_122;

/**
 * 20 requests of 50 events. Each request has 45 events of its own and 5 copies of other
 * requests' events (10% duplicates, never twice in one request). About 70% carry a random
 * lamport; the rest carry none.
 */
function buildRequests(random: () => number): EventEnvelope[][] {
  const pick = (n: number) => Math.floor(random() * n);
  const own = Array.from({ length: REQUESTS }, () =>
    Array.from({ length: EVENTS_PER_REQUEST - DUPLICATES_PER_REQUEST }, () =>
      makeEvent({ lamport: random() < 0.7 ? pick(3_000) : undefined }),
    ),
  );
  return own.map((events, index) => {
    const request = [...events];
    const ids = new Set(request.map((e) => e.id));
    while (request.length < EVENTS_PER_REQUEST) {
      const other = (index + 1 + pick(REQUESTS - 1)) % REQUESTS;
      const copy = own[other]![pick(own[other]!.length)]!;
      if (ids.has(copy.id)) continue;
      ids.add(copy.id);
      request.splice(pick(request.length + 1), 0, copy);
    }
    return request;
  });
}

describe("concurrent ingest", () => {
  it(
    `${REQUESTS} concurrent requests × ${EVENTS_PER_REQUEST} events with 10% cross-request duplicates leave a strictly ordered, deduplicated log`,
    async () => {
      const { workspaceId, ingressSecret } = await createWorkspace();
      const requests = buildRequests(seededRandom(SEED));
      const sent = new Map(requests.flat().map((event) => [event.id, event]));
      expect(sent.size).toBe(REQUESTS * (EVENTS_PER_REQUEST - DUPLICATES_PER_REQUEST));

      const responses = await Promise.all(
        requests.map(async (events) => {
          const res = await signedIngest(workspaceId, { events }, ingressSecret);
          await expectStatus(res, 200);
          return IngestResponse.parse(await json(res));
        }),
      );

      // Every response lists its events in request order.
      responses.forEach((response, r) => expect(response.results.map((x) => x.id)).toEqual(requests[r]!.map((e) => e.id)));

      // Every unique id was appended by exactly one request, and every copy got the same version.
      const results = responses.flatMap((response) => response.results);
      const appended = results.filter((x) => !x.duplicate);
      expect(appended).toHaveLength(sent.size);
      expect(new Set(appended.map((x) => x.id)).size).toBe(sent.size);
      const versionOf = new Map(appended.map((x) => [x.id, x.version]));
      for (const result of results) expect(result.version).toBe(versionOf.get(result.id));

      // The log: one entry per unique id, each as sent, under the version the response gave.
      const log = await readAll(workspaceId, 100);
      expect(log).toHaveLength(sent.size);
      expect(new Set(log.map((e) => e.id)).size).toBe(sent.size);
      for (const stored of log) {
        expect(stored.version).toBe(versionOf.get(stored.id));
        expect(envelopeOf(stored)).toEqual(sent.get(stored.id));
      }

      // Versions strictly increase, and each is exactly max(previous version, lamport ?? 0) + 1
      // (so at least lamport + 1): the log is the contract's lamport rule applied in commit order.
      let previous = 0;
      for (const stored of log) {
        expect(stored.version).toBeGreaterThan(previous);
        expect(stored.version).toBeGreaterThanOrEqual((stored.lamport ?? 0) + 1);
        expect(stored.version).toBe(Math.max(previous, stored.lamport ?? 0) + 1);
        previous = stored.version;
      }

      // Each request was one transaction: the events it appended sit next to each other in the
      // log, in request order, and its head is its last appended version or later.
      const position = new Map(log.map((e, i) => [e.id, i]));
      for (const response of responses) {
        const mine = response.results.filter((x) => !x.duplicate).map((x) => position.get(x.id)!);
        mine.forEach((pos, i) => i > 0 && expect(pos).toBe(mine[i - 1]! + 1));
        expect(response.head).toBeGreaterThanOrEqual(Math.max(0, ...response.results.map((x) => x.version)));
      }

      expect(await getWorkspace(workspaceId)).toMatchObject({ head: previous, eventCount: sent.size });
    },
    60_000,
  );
});
