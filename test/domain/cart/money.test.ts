import { describe, expect, it } from "vitest";
import { allocateProportionally, mulDivHalfUp } from "../../../src/domain/cart/money";

describe("mulDivHalfUp", () => {
  it("rounds halves up and everything else to nearest", () => {
    expect(mulDivHalfUp(1005, 10, 100)).toBe(101); // 100.5
    expect(mulDivHalfUp(1004, 10, 100)).toBe(100); // 100.4
    expect(mulDivHalfUp(1006, 10, 100)).toBe(101); // 100.6
    expect(mulDivHalfUp(1000, 825, 10_000)).toBe(83); // 82.5
    expect(mulDivHalfUp(0, 825, 10_000)).toBe(0);
  });

  it("stays exact past 2^53 intermediate products", () => {
    // A 2.2e13 subtotal (250 lines × 999 × 9e7 minor units) × 2500 bps ≈ 5.6e16, past 2^53.
    const subtotal = 22_477_500_000_000;
    expect(mulDivHalfUp(subtotal, 2500, 10_000)).toBe(subtotal / 4);
  });
});

describe("allocateProportionally", () => {
  it("sums exactly and breaks ties toward the earlier index", () => {
    expect(allocateProportionally(100, [1, 1, 1])).toEqual([34, 33, 33]);
    expect(allocateProportionally(2, [1, 1, 1])).toEqual([1, 1, 0]);
  });

  it("gives the extra unit to the largest remainder", () => {
    // exact shares 1.2, 2.4, 6.4 → floors 1, 2, 6 and the one left over goes to index 1 (.4 vs .4 → earlier)
    expect(allocateProportionally(10, [12, 24, 64])).toEqual([1, 3, 6]);
  });

  it("handles zero totals and zero weights", () => {
    expect(allocateProportionally(0, [0, 0])).toEqual([0, 0]);
    expect(allocateProportionally(5, [0, 10])).toEqual([0, 5]);
    expect(() => allocateProportionally(5, [0, 0])).toThrow(RangeError);
  });
});
