import { MAX_LAMPORT } from "../../../src/contract/event";

/**
 * Each entity keeps its own Lamport clock, on its id map row or tombstone. There is no
 * deployment-wide clock: a document that every synced write read and wrote would make all of
 * them conflict under Convex's optimistic concurrency. Last-writer-wins is decided per entity
 * (by version, updatedAt, origin) and the relay gives the total order, so a per-entity clock
 * is all an event's `lamport` has to carry: it orders the events of one entity.
 */
export type EntityClockSource = { lamport?: number; version: number } | null;

/** The Lamport value of this deployment's next event for an entity: past everything it has seen of it. */
export function nextEntityLamport(stored: EntityClockSource, ...seen: (EntityClockSource | undefined)[]): number {
  let highest = 0;
  for (const source of [stored, ...seen]) {
    if (source) highest = Math.max(highest, source.lamport ?? 0, source.version);
  }
  // Capped where the contract caps `lamport`, so a hostile peer cannot push our envelopes
  // out of the range the relay accepts.
  return Math.min(Math.floor(highest) + 1, MAX_LAMPORT);
}
