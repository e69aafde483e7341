import type { EventEnvelope, StoredEvent } from "../../../src/contract/event.ts";
import { seededRandom } from "../../../tests/support/seeded-random.ts";
import type { ReplicaEntity } from "../../adapters/entity-mutation.ts";

/** A stored event with just the fields adapters read, for tests without a relay. */
export function storedEvent(
  version: number,
  entityKind: string,
  entityId: string,
  eventType: string,
  payload: unknown,
): StoredEvent {
  return {
    workspaceId: "ws",
    version,
    receivedAt: 0,
    id: `evt_${version}`,
    entityKind,
    entityId,
    eventType,
    payload,
    source: { origin: "test" },
    emittedAt: 0,
  };
}

/**
 * The reference model the replica must equal: for every entity, its last event in version
 * order decides — a delete removes it, anything else sets it to the payload.
 */
export function entityState(
  events: readonly Pick<StoredEvent, "version" | "entityKind" | "entityId" | "eventType" | "payload">[],
): ReplicaEntity[] {
  const last = new Map<string, (typeof events)[number]>();
  for (const event of [...events].sort((a, b) => a.version - b.version)) {
    last.set(JSON.stringify([event.entityKind, event.entityId]), event);
  }
  return [...last.values()]
    .filter((event) => event.eventType !== "delete")
    .map((event) => ({
      entityKind: event.entityKind,
      entityId: event.entityId,
      version: event.version,
      data: event.payload,
    }))
    .sort((a, b) => (a.entityKind === b.entityKind ? cmp(a.entityId, b.entityId) : cmp(a.entityKind, b.entityKind)));
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Creates, updates and deletes over a pool of entities, as a source app would emit them:
 * an entity is created before it is updated or deleted, and may be created again after a delete.
 */
export function generateWorkload(options: {
  seed: number;
  count: number;
  entities: number;
  prefix: string;
  /** Characters of filler in each payload, to make events heavy. */
  padding?: number;
}): EventEnvelope[] {
  const pad = "x".repeat(options.padding ?? 0);
  const random = seededRandom(options.seed);
  const alive = new Set<string>();
  const events: EventEnvelope[] = [];
  for (let i = 0; i < options.count; i++) {
    const entityId = `u_${Math.floor(random() * options.entities)}`;
    const kind = random() < 0.2 ? "team" : "user";
    const key = `${kind}/${entityId}`;
    let eventType: string;
    if (!alive.has(key)) {
      eventType = "create";
      alive.add(key);
    } else if (random() < 0.15) {
      eventType = "delete";
      alive.delete(key);
    } else {
      eventType = "update";
    }
    events.push({
      id: `${options.prefix}_${i}`,
      entityKind: kind,
      entityId,
      eventType,
      payload:
        eventType === "delete" ? null : { name: `${kind} ${entityId}`, revision: i, flags: { even: i % 2 === 0 }, pad },
      source: { origin: "entity-auth", mutation: `${kind}s:${eventType}`, actorId: null },
      emittedAt: Date.now(),
    });
  }
  return events;
}
