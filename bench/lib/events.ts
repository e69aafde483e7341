import type { EventEnvelope } from "../../src/contract/event.ts";

/**
 * A realistic event as a Convex app emits it: a user record update of about 500 bytes, with
 * every optional field set, so the relay validates and stores the full envelope.
 */
export function sampleEvent(id: string, n: number): EventEnvelope {
  return {
    id,
    entityKind: "user",
    entityId: `u_${n % 5000}`,
    eventType: n % 10 === 0 ? "create" : "update",
    payload: {
      name: `User ${n}`,
      email: `user${n}@example.com`,
      plan: n % 3 === 0 ? "pro" : "free",
      seats: n % 50,
      tags: ["beta", "eu-west", `cohort-${n % 12}`],
      preferences: { theme: "dark", locale: "en-GB", notifications: { email: true, push: false } },
      updatedAt: 1_763_769_600_000 + n,
    },
    lamport: n,
    source: { origin: "happy-animal-123", mutation: "users:update", actorId: `u_${(n * 7) % 5000}` },
    emittedAt: 1_763_769_600_000 + n,
    traceId: `trace_${n.toString(36)}`,
    schemaVersion: 1,
  };
}

/**
 * `requests` ingest bodies of `eventsPerRequest` events each. Ids carry `prefix` so that every
 * run appends new events rather than hitting the relay's dedupe path.
 */
export function ingestBodies(input: { prefix: string; requests: number; eventsPerRequest: number }): string[] {
  const bodies: string[] = [];
  let n = 0;
  for (let r = 0; r < input.requests; r++) {
    const events: EventEnvelope[] = [];
    for (let e = 0; e < input.eventsPerRequest; e++, n++) events.push(sampleEvent(`${input.prefix}_${n}`, n));
    bodies.push(JSON.stringify({ events }));
  }
  return bodies;
}
