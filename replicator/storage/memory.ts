import type { OffsetStore } from "../src/types.ts";

/** Offsets in memory: lost with the process, so every start replays from the beginning. For tests. */
export function memoryOffsetStore(
  initial: Record<string, number> = {},
): OffsetStore & { offsets: Map<string, number> } {
  const offsets = new Map(Object.entries(initial));
  return {
    offsets,
    load: (stream) => offsets.get(stream),
    save: (stream, version) => void offsets.set(stream, version),
  };
}
