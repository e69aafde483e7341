/**
 * Bad input at the ingest endpoint: every case gets the contract's 4xx error, never a 5xx, and
 * leaves the workspace exactly as it was.
 */
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { MAX_EVENT_BYTES, MAX_EVENTS_PER_REQUEST, MAX_INGEST_BODY_BYTES, MAX_LAMPORT } from "../../src/contract/event";
import { generateSecret, signedHeaders } from "../../src/signing/standard-webhooks";
import {
  awayFromSecondBoundary,
  BASE_URL,
  createWorkspace,
  eventsPath,
  expectError,
  ingest,
  makeEvent,
  makeEvents,
  nowSeconds,
  observable,
  signedIngest,
} from "./helpers";

/** A workspace holding a few events, and a check that a rejected request left it unchanged. */
async function workspaceWithHistory() {
  const { workspaceId, ingressSecret } = await createWorkspace();
  await ingest(workspaceId, ingressSecret, makeEvents(3));
  const before = await observable(workspaceId);
  return {
    workspaceId,
    ingressSecret,
    expectUnchanged: async () => expect(await observable(workspaceId)).toEqual(before),
  };
}

/** An event whose JSON serialization is exactly `bytes` long (ASCII padding in the payload). */
function eventOfSize(bytes: number) {
  const event = makeEvent({ payload: "" });
  const overhead = JSON.stringify(event).length;
  return { ...event, payload: "x".repeat(bytes - overhead) };
}

/** Events filling an ingest body of exactly `bytes`, each well under the per-event limit. */
function bodyOfSize(bytes: number): string {
  const perEvent = 200 * 1024;
  const events = Array.from({ length: Math.ceil(bytes / perEvent) }, () => eventOfSize(perEvent));
  const overshoot = JSON.stringify({ events }).length - bytes;
  const last = events.at(-1)!;
  events[events.length - 1] = eventOfSize(JSON.stringify(last).length - overshoot);
  const body = JSON.stringify({ events });
  expect(body.length).toBe(bytes);
  return body;
}

/** Removes one field of a fresh valid event. */
function eventWithout(field: string) {
  const event: Record<string, unknown> = makeEvent();
  delete event[field];
  return event;
}

describe("ingest refuses malformed bodies with 400 invalid_request and stores nothing", () => {
  it.each([
    ["truncated JSON", '{"events": ['],
    ["an empty body", ""],
    ["plain text", "hello"],
  ])("%s (with an issue at the root path, as every ingest 400 carries issues)", async (_name, body) => {
    const ws = await workspaceWithHistory();
    await expectError(await signedIngest(ws.workspaceId, body, ws.ingressSecret), "invalid_request", { issuePaths: [""] });
    await ws.expectUnchanged();
  });

  it.each<[string, unknown, string]>([
    ["null", null, ""],
    ["an array", [makeEvent()], ""],
    ["an object without events", {}, "events"],
    ["events not an array", { events: makeEvent() }, "events"],
    ["no events", { events: [] }, "events"],
    [`${MAX_EVENTS_PER_REQUEST + 1} events`, { events: makeEvents(MAX_EVENTS_PER_REQUEST + 1) }, "events"],
    ["an event that is not an object", { events: ["evt_1"] }, "events.0"],
    ["a numeric id", { events: [makeEvent({ id: 42 as never })] }, "events.0.id"],
    ["an empty id", { events: [makeEvent({ id: "" })] }, "events.0.id"],
    ["an id with a space", { events: [makeEvent({ id: "evt 1" })] }, "events.0.id"],
    ["an id with non-ASCII", { events: [makeEvent({ id: "evt_é" })] }, "events.0.id"],
    ["a 129-character id", { events: [makeEvent({ id: "e".repeat(129) })] }, "events.0.id"],
    ["a missing entityKind", { events: [eventWithout("entityKind")] }, "events.0.entityKind"],
    ["a numeric entityId", { events: [makeEvent({ entityId: 5 as never })] }, "events.0.entityId"],
    ["an empty eventType", { events: [makeEvent({ eventType: "" })] }, "events.0.eventType"],
    ["a missing payload", { events: [eventWithout("payload")] }, "events.0.payload"],
    ["lamport as a string", { events: [makeEvent({ lamport: "5" as never })] }, "events.0.lamport"],
    ["a negative lamport", { events: [makeEvent({ lamport: -1 })] }, "events.0.lamport"],
    ["a fractional lamport", { events: [makeEvent({ lamport: 1.5 })] }, "events.0.lamport"],
    ["a lamport above 2^50", { events: [makeEvent({ lamport: MAX_LAMPORT + 1 })] }, "events.0.lamport"],
    ["a missing source", { events: [eventWithout("source")] }, "events.0.source"],
    ["a source without origin", { events: [makeEvent({ source: { mutation: "m" } as never })] }, "events.0.source.origin"],
    ["a numeric actorId", { events: [makeEvent({ source: { origin: "o", actorId: 1 as never } })] }, "events.0.source.actorId"],
    ["emittedAt as a string", { events: [makeEvent({ emittedAt: "2025-01-01" as never })] }, "events.0.emittedAt"],
    ["a missing emittedAt", { events: [eventWithout("emittedAt")] }, "events.0.emittedAt"],
    ["a numeric traceId", { events: [makeEvent({ traceId: 7 as never })] }, "events.0.traceId"],
    ["schemaVersion as a string", { events: [makeEvent({ schemaVersion: "1" as never })] }, "events.0.schemaVersion"],
    ["an invalid second event", { events: [makeEvent(), makeEvent({ lamport: -5 })] }, "events.1.lamport"],
  ])("%s", async (_name, body, path) => {
    const ws = await workspaceWithHistory();
    const res = await signedIngest(ws.workspaceId, JSON.stringify(body), ws.ingressSecret);
    await expectError(res, "invalid_request", { issuePaths: [path] });
    await ws.expectUnchanged();
  });

  it("a correctly signed body that starts with a UTF-8 byte-order mark (the signature covers the mark)", async () => {
    const ws = await workspaceWithHistory();
    const body = `\uFEFF${JSON.stringify({ events: [makeEvent()] })}`;
    const refused = await expectError(await signedIngest(ws.workspaceId, body, ws.ingressSecret), "invalid_request", { issuePaths: [""] });
    expect(refused.error.message).toMatch(/byte-order mark/);
    // The signature is still judged first.
    await expectError(await signedIngest(ws.workspaceId, body, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"), "invalid_signature");
    await ws.expectUnchanged();
  });

  it("a correctly signed body that is not valid UTF-8, checked over its raw bytes", async () => {
    const ws = await workspaceWithHistory();
    const text = JSON.stringify({ events: [makeEvent({ payload: { name: "XX" } })] });
    const bytes = new TextEncoder().encode(text);
    const at = text.indexOf("XX");
    bytes.set([0xc3, 0x28], at); // an invalid two-byte sequence
    const refused = await expectError(await signedIngest(ws.workspaceId, bytes, ws.ingressSecret), "invalid_request", { issuePaths: [""] });
    expect(refused.error.message).toMatch(/UTF-8/);
    // The same bytes under a wrong secret are still a signature failure first.
    await expectError(await signedIngest(ws.workspaceId, bytes, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"), "invalid_signature");
    await ws.expectUnchanged();
  });

  it("the same id twice in one request", async () => {
    const ws = await workspaceWithHistory();
    const [a, b] = makeEvents(2);
    const res = await signedIngest(ws.workspaceId, { events: [a, b, { ...a!, payload: "other" }] }, ws.ingressSecret);
    await expectError(res, "invalid_request", { issuePaths: ["events.2.id"] });
    await ws.expectUnchanged();
  });
});

describe("ingest size limits: 413 payload_too_large and nothing stored", () => {
  it(`a body of exactly ${MAX_INGEST_BODY_BYTES} bytes is accepted, one byte more is not`, async () => {
    const ws = await workspaceWithHistory();
    const over = bodyOfSize(MAX_INGEST_BODY_BYTES + 1);
    await expectError(await signedIngest(ws.workspaceId, over, ws.ingressSecret), "payload_too_large");
    await ws.expectUnchanged();

    const exact = bodyOfSize(MAX_INGEST_BODY_BYTES);
    const res = await signedIngest(ws.workspaceId, exact, ws.ingressSecret);
    expect(res.status).toBe(200);
  });

  it("a body over 1 MiB sent without content-length (chunked)", async () => {
    const ws = await workspaceWithHistory();
    const body = new TextEncoder().encode(bodyOfSize(MAX_INGEST_BODY_BYTES + 64 * 1024));
    const headers = await signedHeaders({
      id: "msg_chunked",
      timestampSeconds: nowSeconds(),
      body: new TextDecoder().decode(body),
      secrets: [ws.ingressSecret],
    });
    const chunk = 64 * 1024;
    let offset = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (offset >= body.length) return controller.close();
        controller.enqueue(body.slice(offset, offset + chunk));
        offset += chunk;
      },
    });
    const res = await SELF.fetch(`${BASE_URL}${eventsPath(ws.workspaceId)}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: stream,
    });
    await expectError(res, "payload_too_large");
    await ws.expectUnchanged();
  });

  it(`an event of exactly ${MAX_EVENT_BYTES} bytes is accepted, one byte more is not`, async () => {
    const ws = await workspaceWithHistory();
    const tooBig = eventOfSize(MAX_EVENT_BYTES + 1);
    const res = await signedIngest(ws.workspaceId, { events: [makeEvent(), tooBig] }, ws.ingressSecret);
    await expectError(res, "payload_too_large");
    await ws.expectUnchanged();

    const exact = eventOfSize(MAX_EVENT_BYTES);
    expect(JSON.stringify(exact).length).toBe(MAX_EVENT_BYTES);
    const stored = await ingest(ws.workspaceId, ws.ingressSecret, [exact]);
    expect(stored.results[0]!.duplicate).toBe(false);
  });

  it("an event's size counts UTF-8 bytes, not characters", async () => {
    const ws = await workspaceWithHistory();
    // 100 Ki characters of a 3-byte character: 300 KiB, well under 1 MiB of body.
    const event = makeEvent({ payload: "✓".repeat(100 * 1024) });
    expect(JSON.stringify(event).length).toBeLessThan(MAX_EVENT_BYTES);
    await expectError(await signedIngest(ws.workspaceId, { events: [event] }, ws.ingressSecret), "payload_too_large");
    await ws.expectUnchanged();
  });
});

describe("ingest refuses bad signatures with 401 invalid_signature and stores nothing", () => {
  const otherSecret = generateSecret();

  it.each<[string, (ws: { workspaceId: string; ingressSecret: string }, body: string) => Promise<Response>]>([
    ["no signature headers", (ws, body) =>
      signedIngest(ws.workspaceId, body, ws.ingressSecret, { omit: ["webhook-id", "webhook-timestamp", "webhook-signature"] })],
    ["no webhook-signature", (ws, body) => signedIngest(ws.workspaceId, body, ws.ingressSecret, { omit: ["webhook-signature"] })],
    ["no webhook-id", (ws, body) => signedIngest(ws.workspaceId, body, ws.ingressSecret, { omit: ["webhook-id"] })],
    ["no webhook-timestamp", (ws, body) => signedIngest(ws.workspaceId, body, ws.ingressSecret, { omit: ["webhook-timestamp"] })],
    ["an empty webhook-signature", (ws, body) =>
      signedIngest(ws.workspaceId, body, ws.ingressSecret, { headers: { "webhook-signature": "" } })],
    ["a signature of random bytes", (ws, body) =>
      signedIngest(ws.workspaceId, body, ws.ingressSecret, {
        headers: { "webhook-signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=" },
      })],
    ["a signature that is not base64", (ws, body) =>
      signedIngest(ws.workspaceId, body, ws.ingressSecret, { headers: { "webhook-signature": "v1,not*base64!" } })],
    ["a signature with an unknown scheme", async (ws, body) => {
      const headers = await signedHeaders({ id: "msg_1", timestampSeconds: nowSeconds(), body, secrets: [ws.ingressSecret] });
      return signedIngest(ws.workspaceId, body, ws.ingressSecret, {
        msgId: "msg_1",
        headers: { "webhook-signature": headers["webhook-signature"].replace("v1,", "v1a,") },
      });
    }],
    ["a signature made with the wrong secret", (ws, body) => signedIngest(ws.workspaceId, body, otherSecret)],
    ["a signature over another body", async (ws, body) => {
      const other = JSON.stringify({ events: [makeEvent()] });
      const headers = await signedHeaders({ id: "msg_2", timestampSeconds: nowSeconds(), body: other, secrets: [ws.ingressSecret] });
      return signedIngest(ws.workspaceId, body, ws.ingressSecret, { headers: { ...headers } });
    }],
    ["a webhook-id changed after signing", async (ws, body) => {
      const headers = await signedHeaders({ id: "msg_3", timestampSeconds: nowSeconds(), body, secrets: [ws.ingressSecret] });
      return signedIngest(ws.workspaceId, body, ws.ingressSecret, { headers: { ...headers, "webhook-id": "msg_4" } });
    }],
    ["a timestamp 301 s old", (ws, body) =>
      signedIngest(ws.workspaceId, body, ws.ingressSecret, { timestampSeconds: nowSeconds() - 301 })],
    ["a timestamp 301 s in the future", (ws, body) =>
      signedIngest(ws.workspaceId, body, ws.ingressSecret, { timestampSeconds: nowSeconds() + 301 })],
    ["a timestamp in milliseconds", (ws, body) =>
      signedIngest(ws.workspaceId, body, ws.ingressSecret, { timestampSeconds: Date.now() })],
    ["a non-numeric timestamp", (ws, body) =>
      signedIngest(ws.workspaceId, body, ws.ingressSecret, { headers: { "webhook-timestamp": "soon" } })],
  ])("%s", async (_name, send) => {
    const ws = await workspaceWithHistory();
    // Signature checks come before body checks, so even an invalid body gets 401, not 400.
    for (const body of [JSON.stringify({ events: [makeEvent()] }), "{not json"]) {
      await awayFromSecondBoundary();
      await expectError(await send(ws, body), "invalid_signature");
    }
    await ws.expectUnchanged();
  });
});

describe("ingest accepts signatures the spec allows", () => {
  it("timestamps 299 s old and 299 s in the future", async () => {
    const { workspaceId, ingressSecret } = await createWorkspace();
    for (const offset of [-299, 299]) {
      await awayFromSecondBoundary();
      const res = await signedIngest(workspaceId, { events: [makeEvent()] }, ingressSecret, {
        timestampSeconds: nowSeconds() + offset,
      });
      expect(res.status).toBe(200);
    }
  });

  it("several signatures, of which any one matches", async () => {
    const { workspaceId, ingressSecret } = await createWorkspace();
    const res = await signedIngest(workspaceId, { events: [makeEvent()] }, [generateSecret(), ingressSecret, generateSecret()]);
    expect(res.status).toBe(200);
  });
});
