import { describe, expect, it } from "vitest";
import { MAX_LAMPORT, type EventEnvelope } from "../../src/contract/event";
import {
  createWorkspace,
  envelopeOf,
  expectError,
  expectStatus,
  getWorkspace,
  ingest,
  json,
  lamportVersions,
  makeEvent,
  makeEvents,
  observable,
  readAll,
  signedIngest,
} from "./helpers";

describe("POST /v1/workspaces/{id}/events (contract §2)", () => {
  it("answers 200 with one result per event, in request order, and the new head", async () => {
    const { workspaceId, ingressSecret } = await createWorkspace();
    const events = makeEvents(3);
    const res = await signedIngest(workspaceId, { events }, ingressSecret);
    await expectStatus(res, 200);
    const body = await json<Record<string, unknown>>(res);
    const versions = lamportVersions(events);
    expect(body).toEqual({
      results: events.map((e, i) => ({ id: e.id, version: versions[i], duplicate: false })),
      head: versions[2],
    });
  });

  it("assigns versions as max(head, lamport ?? 0) + 1 in request order", async () => {
    const { workspaceId, ingressSecret } = await createWorkspace();
    const lamports = [undefined, 10, 5, undefined, 100, 100, 0];
    const events = lamports.map((lamport) => makeEvent({ lamport }));
    const first = await ingest(workspaceId, ingressSecret, events);
    expect(first.results.map((r) => r.version)).toEqual([1, 11, 12, 13, 101, 102, 103]);
    expect(first.head).toBe(103);

    // The head carries over to the next request.
    const second = await ingest(workspaceId, ingressSecret, [makeEvent({ lamport: 50 }), makeEvent({ lamport: 500 })]);
    expect(second.results.map((r) => r.version)).toEqual([104, 501]);
    expect(await getWorkspace(workspaceId)).toMatchObject({ head: 501, eventCount: 9 });
  });

  it(`accepts lamport up to ${MAX_LAMPORT} and keeps versions exact integers`, async () => {
    const { workspaceId, ingressSecret } = await createWorkspace();
    const result = await ingest(workspaceId, ingressSecret, [makeEvent({ lamport: MAX_LAMPORT }), makeEvent()]);
    expect(result.results.map((r) => r.version)).toEqual([MAX_LAMPORT + 1, MAX_LAMPORT + 2]);
    const stored = await readAll(workspaceId);
    expect(stored.map((e) => e.version)).toEqual([MAX_LAMPORT + 1, MAX_LAMPORT + 2]);
  });

  it("stores and serves each event exactly as sent, with workspaceId, version and receivedAt", async () => {
    const { workspaceId, ingressSecret } = await createWorkspace();
    const full = makeEvent({ payload: { text: "héllo ✓ 🚀", list: [1, 2.5, null, true], deep: { a: { b: [] } } } });
    const minimal: EventEnvelope = {
      id: "evt_min!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~",
      entityKind: "note",
      entityId: "n_1",
      eventType: "create",
      payload: null,
      source: { origin: "other-origin" },
      emittedAt: 0,
    };
    const scalarPayload = makeEvent({ payload: "just a string", source: { origin: "o", actorId: "user_1" } });
    const before = Date.now();
    const result = await ingest(workspaceId, ingressSecret, [full, minimal, scalarPayload]);
    const after = Date.now();

    const stored = await readAll(workspaceId);
    expect(stored.map(envelopeOf)).toEqual([full, minimal, scalarPayload]);
    // Optional fields that were not sent are not invented.
    expect(Object.keys(stored[1]!).sort()).toEqual(
      ["workspaceId", "version", "receivedAt", ...Object.keys(minimal)].sort(),
    );
    stored.forEach((event, i) => {
      expect(event.workspaceId).toBe(workspaceId);
      expect(event.version).toBe(result.results[i]!.version);
      expect(event.receivedAt).toBeGreaterThanOrEqual(before);
      expect(event.receivedAt).toBeLessThanOrEqual(after);
    });
  });

  it("drops keys the envelope does not define, at every level, and keeps the payload whole", async () => {
    const { workspaceId, ingressSecret } = await createWorkspace();
    const event = makeEvent({ payload: { anything: { goes: [1, { deeper: true }] } } });
    const sent = {
      ...event,
      version: 999,
      workspaceId: "someone-else",
      source: { ...event.source, region: "eu" },
    };
    const result = await ingest(workspaceId, ingressSecret, [sent as unknown as EventEnvelope]);
    const stored = await readAll(workspaceId);
    expect(stored).toHaveLength(1);
    expect(envelopeOf(stored[0]!)).toEqual(event);
    expect(stored[0]).toMatchObject({ workspaceId, version: result.results[0]!.version });
    expect(stored[0]!.source).not.toHaveProperty("region");
  });

  it("is idempotent: a stored id returns its original version with duplicate: true and appends nothing", async () => {
    const { workspaceId, ingressSecret } = await createWorkspace();
    const events = makeEvents(4);
    const first = await ingest(workspaceId, ingressSecret, events);
    const before = await observable(workspaceId);

    // Re-sending the same request, even with changed content, changes nothing.
    const changed = events.map((e) => ({ ...e, payload: { changed: true }, lamport: 9_999 }));
    const again = await ingest(workspaceId, ingressSecret, changed);
    expect(again).toEqual({
      results: first.results.map((r) => ({ ...r, duplicate: true })),
      head: first.head,
    });
    expect(await observable(workspaceId)).toEqual(before);
  });

  it("appends only the new events of a request that mixes new and known ids", async () => {
    const { workspaceId, ingressSecret } = await createWorkspace();
    const [a, b, c] = makeEvents(3, { lamport: undefined });
    const first = await ingest(workspaceId, ingressSecret, [a!, b!]);
    const mixed = await ingest(workspaceId, ingressSecret, [b!, c!, a!]);
    expect(mixed.results).toEqual([
      { id: b!.id, version: first.results[1]!.version, duplicate: true },
      { id: c!.id, version: 3, duplicate: false },
      { id: a!.id, version: first.results[0]!.version, duplicate: true },
    ]);
    expect((await readAll(workspaceId)).map((e) => e.id)).toEqual([a!.id, b!.id, c!.id]);
    expect(await getWorkspace(workspaceId)).toMatchObject({ head: 3, eventCount: 3 });
  });

  it("keeps ids apart between workspaces", async () => {
    const one = await createWorkspace();
    const two = await createWorkspace();
    const event = makeEvent({ lamport: 7 });
    expect((await ingest(one.workspaceId, one.ingressSecret, [event])).results[0]).toMatchObject({ duplicate: false });
    expect((await ingest(two.workspaceId, two.ingressSecret, [event])).results[0]).toMatchObject({
      version: 8,
      duplicate: false,
    });
    // Each workspace's secret only opens its own workspace.
    await expectError(await signedIngest(one.workspaceId, { events: [makeEvent()] }, two.ingressSecret), "invalid_signature");
  });
});

describe("atomicity", () => {
  it("a request with one invalid event stores nothing, and its valid events stay new", async () => {
    const { workspaceId, ingressSecret } = await createWorkspace();
    await ingest(workspaceId, ingressSecret, makeEvents(2));
    const before = await observable(workspaceId);

    const valid = makeEvents(5);
    const { entityKind: _dropped, ...withoutKind } = makeEvent();
    const body = { events: [valid[0], valid[1], valid[2], withoutKind, valid[3], valid[4]] };
    const res = await signedIngest(workspaceId, body, ingressSecret);
    await expectError(res, "invalid_request", { issuePaths: ["events.3.entityKind"] });
    expect(await observable(workspaceId)).toEqual(before);

    // None of the valid events was remembered as seen.
    const retry = await ingest(workspaceId, ingressSecret, valid);
    expect(retry.results.every((r) => !r.duplicate)).toBe(true);
  });

  it("a request whose last event is too large stores nothing", async () => {
    const { workspaceId, ingressSecret } = await createWorkspace();
    const before = await observable(workspaceId);
    const events = [...makeEvents(3), makeEvent({ payload: "x".repeat(300 * 1024) })];
    await expectError(await signedIngest(workspaceId, { events }, ingressSecret), "payload_too_large");
    expect(await observable(workspaceId)).toEqual(before);
  });
});
