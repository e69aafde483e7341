import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { beats, compareStamps, type WriteStamp } from "./lww";

const stamp = (version: number, updatedAt: number, origin: string): WriteStamp => ({ version, updatedAt, origin });

describe("last-writer-wins stamps", () => {
  test("compare by version, then updatedAt, then origin", () => {
    expect(beats(stamp(2, 0, "a"), stamp(1, 99, "z"))).toBe(true);
    expect(beats(stamp(1, 99, "a"), stamp(2, 0, "z"))).toBe(false);
    expect(beats(stamp(1, 6, "a"), stamp(1, 5, "z"))).toBe(true);
    expect(beats(stamp(1, 5, "b"), stamp(1, 5, "a"))).toBe(true);
    expect(beats(stamp(1, 5, "a"), stamp(1, 5, "b"))).toBe(false);
  });

  test("a tie does not beat (the same write seen twice), and anything beats nothing", () => {
    expect(beats(stamp(1, 5, "a"), stamp(1, 5, "a"))).toBe(false);
    expect(beats(stamp(0, 0, "a"), null)).toBe(true);
  });

  test("the order is total and antisymmetric, so every receiver picks the same winner", () => {
    const arb = fc.record({ version: fc.integer({ min: 0, max: 3 }), updatedAt: fc.integer({ min: 0, max: 3 }), origin: fc.constantFrom("a", "b", "c") });
    fc.assert(
      fc.property(arb, arb, (a, b) => {
        expect(Math.sign(compareStamps(a, b)) + Math.sign(compareStamps(b, a))).toBe(0);
        expect(compareStamps(a, b) === 0).toBe(JSON.stringify(a) === JSON.stringify(b));
      }),
    );
  });
});
