/**
 * Last-writer-wins: a write is stamped with (version, updatedAt, origin) and an incoming write
 * applies only when its stamp beats the local one, compared in that order. The origin makes
 * the order total, so two deployments that wrote the same version in the same millisecond
 * still pick the same winner.
 */
export type WriteStamp = { version: number; updatedAt: number; origin: string };

export function compareStamps(a: WriteStamp, b: WriteStamp): number {
  if (a.version !== b.version) return a.version < b.version ? -1 : 1;
  if (a.updatedAt !== b.updatedAt) return a.updatedAt < b.updatedAt ? -1 : 1;
  if (a.origin !== b.origin) return a.origin < b.origin ? -1 : 1;
  return 0;
}

/** True when `incoming` strictly beats `local`; a tie is the same write seen twice. */
export function beats(incoming: WriteStamp, local: WriteStamp | null): boolean {
  return local === null || compareStamps(incoming, local) > 0;
}
