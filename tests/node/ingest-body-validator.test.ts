import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { IngestBody, MAX_EVENTS_PER_REQUEST } from "../../src/contract/event.ts";
import matchesIngestBodySchema from "../../src/contract/generated/ingest-body-validator.js";
import { validateIngestBody } from "../../src/ingest/prepare.ts";

/**
 * The ingest path checks bodies with a validator compiled from the zod schema (`npm run
 * codegen`) and falls back to zod for whatever it does not accept. So it must never accept what
 * zod refuses, what it accepts must come out as zod's parse would (unknown keys removed), and
 * it should accept what zod accepts. Bodies are generated around every rule of the schema: missing fields, wrong types,
 * lengths at and past each limit (with characters outside the BMP, which `.length` counts
 * twice), non-integers and out-of-range numbers, unknown keys at every level.
 */

/** Whether an id appears twice: the one rule of `IngestBody` that JSON Schema cannot say. */
function repeatsAnId(body: unknown): boolean {
  const events = (body as { events?: unknown } | null)?.events;
  if (!Array.isArray(events)) return false;
  const ids = events.map((e) => (e as { id?: unknown } | null)?.id);
  return new Set(ids).size !== ids.length;
}

const MISSING = Symbol("missing");
/** A value that is sometimes missing (the key is left out). */
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.oneof(arb, fc.constant(MISSING));
const wrongType = fc.oneof(fc.constant(null), fc.boolean(), fc.integer(), fc.constant([]), fc.constant({}), fc.string());

/** Strings around a length limit, in UTF-16 code units, some with astral characters. */
const stringNear = (max: number, alphabet?: fc.Arbitrary<string>) =>
  fc.oneof(
    fc.constantFrom(0, 1, max - 1, max, max + 1).chain((length) =>
      fc.string({ unit: alphabet ?? fc.constantFrom("a", "é", "😀", " ", "\n", "\ud800", "\udc00"), minLength: length, maxLength: length }),
    ),
    fc.constantFrom(0, 1, max - 1, max, max + 1).map((length) => "x".repeat(length)),
    wrongType,
  );

const numberNear = (max: number) =>
  fc.oneof(
    fc.constantFrom(0, -0, 1, -1, 0.5, max, max + 1, max - 1, Number.MAX_SAFE_INTEGER, 2 ** 53, Infinity, -Infinity, NaN, 1e21),
    fc.integer(),
    fc.double(),
    wrongType,
  );

const extraKeys = fc.dictionary(fc.constantFrom("extra", "__proto__", "constructor", "version", "x"), fc.jsonValue(), {
  maxKeys: 2,
});

/** `base` with some of its keys replaced by values from `fields` (or removed), plus unknown keys. */
function mutated(
  base: fc.Arbitrary<Record<string, unknown>>,
  fields: Record<string, fc.Arbitrary<unknown>>,
): fc.Arbitrary<Record<string, unknown>> {
  const change = fc.constantFrom(...Object.keys(fields)).chain((key) => fields[key]!.map((value) => [key, value] as const));
  return fc.tuple(base, fc.array(change, { maxLength: 2 }), extraKeys).map(([original, changes, extra]) => {
    const result: Record<string, unknown> = { ...extra, ...original };
    for (const [key, value] of changes) {
      if (value === MISSING) delete result[key];
      else result[key] = value;
    }
    return result;
  });
}

/** Valid events: what every mutation starts from, and half of what bodies hold. */
const validSource = fc.record(
  { origin: fc.string({ minLength: 1, maxLength: 8 }), mutation: fc.string({ maxLength: 8 }), actorId: fc.option(fc.string()) },
  { requiredKeys: ["origin"] },
);
const validEvent = fc.record(
  {
    id: fc.string({ unit: fc.constantFrom("a", "b", "~", "!"), minLength: 1, maxLength: 6 }),
    entityKind: fc.string({ minLength: 1, maxLength: 8 }),
    entityId: fc.string({ minLength: 1, maxLength: 8 }),
    eventType: fc.constantFrom("create", "update", "delete"),
    payload: fc.jsonValue(),
    lamport: fc.integer({ min: 0, max: 2 ** 50 }),
    source: validSource,
    emittedAt: fc.nat(),
    traceId: fc.string({ maxLength: 8 }),
    schemaVersion: fc.integer({ min: 0, max: 1_000_000 }),
  },
  { requiredKeys: ["id", "entityKind", "entityId", "eventType", "payload", "source", "emittedAt"] },
);

/** A valid event with one or two fields pushed to or past a rule, or removed. */
const event = mutated(validEvent, {
  id: maybe(stringNear(128, fc.constantFrom("a", "~", "!", " ", "é", "\u007f"))),
  entityKind: maybe(stringNear(256)),
  entityId: maybe(stringNear(512)),
  eventType: maybe(stringNear(128)),
  payload: maybe(fc.jsonValue()),
  lamport: maybe(numberNear(2 ** 50)),
  source: maybe(
    fc.oneof(
      mutated(validSource, {
        origin: maybe(stringNear(256)),
        mutation: maybe(stringNear(256)),
        actorId: maybe(fc.oneof(fc.constant(null), stringNear(256))),
      }),
      wrongType,
    ),
  ),
  emittedAt: maybe(numberNear(Number.MAX_SAFE_INTEGER)),
  traceId: maybe(stringNear(256)),
  schemaVersion: maybe(numberNear(1_000_000)),
});

const body = fc.oneof(
  fc.record({ events: fc.array(fc.oneof(event, validEvent), { maxLength: 3 }) }),
  fc.record({ events: fc.array(validEvent, { minLength: 1, maxLength: 4 }), extra: fc.jsonValue() }),
  fc.record({ events: wrongType }),
  wrongType,
);

describe("the compiled ingest body validator agrees with the zod schema", () => {
  it("accepts exactly what zod accepts, and returns what zod's parse returns", () => {
    fc.assert(
      fc.property(body, (input) => {
        const viaZod = IngestBody.safeParse(structuredClone(input));
        const viaRelay = validateIngestBody(structuredClone(input));
        expect(viaRelay.ok).toBe(viaZod.success);
        if (viaRelay.ok && viaZod.success) expect(viaRelay.events).toEqual(viaZod.data.events);
        // The compiled check alone must agree too, or valid bodies would fall back to zod's
        // slow path (repeated ids are the caller's to check).
        if (!repeatsAnId(input)) expect(matchesIngestBodySchema(structuredClone(input))).toBe(viaZod.success);
      }),
      { numRuns: 5000 },
    );
    // 5,000 generated bodies: fixed work that takes a few seconds on a busy 2-core machine.
  }, 120_000);

  it("agrees on the events-per-request limit and on ids repeated within a request", () => {
    const valid = (id: string) => ({
      id,
      entityKind: "user",
      entityId: "u1",
      eventType: "update",
      payload: {},
      source: { origin: "o" },
      emittedAt: 0,
    });
    for (const count of [0, 1, MAX_EVENTS_PER_REQUEST, MAX_EVENTS_PER_REQUEST + 1]) {
      const input = { events: Array.from({ length: count }, (_, i) => valid(`e${i}`)) };
      expect(validateIngestBody(structuredClone(input)).ok, `${count} events`).toBe(IngestBody.safeParse(input).success);
      expect(matchesIngestBodySchema(structuredClone(input)), `${count} events`).toBe(IngestBody.safeParse(input).success);
    }
    const repeated = { events: [valid("a"), valid("b"), valid("a")] };
    expect(IngestBody.safeParse(repeated).success).toBe(false);
    expect(validateIngestBody(repeated)).toMatchObject({ ok: false, code: "invalid_request" });
  });
});
