import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  fromBase,
  MASS_UNITS,
  roundSignificant,
  scaleQuantity,
  toBase,
  toDisplay,
  UNITS,
  VOLUME_UNITS,
} from "./units.ts";

const quantity = fc.double({ min: 0.001, max: 100_000, noNaN: true });
const unit = fc.constantFrom(...UNITS);

function expectClose(actual: number, expected: number) {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(Math.abs(expected) * 1e-12);
}

describe("unit conversion", () => {
  it("converting to the base unit and back preserves the amount", () => {
    fc.assert(
      fc.property(quantity, unit, (q, u) => {
        const back = fromBase(toBase({ quantity: q, unit: u }), u);
        expect(back.unit).toBe(u);
        expectClose(back.quantity, q);
      }),
    );
  });

  it("converting between any two units of a dimension and back preserves the amount", () => {
    const sameDimension = fc.oneof(
      fc.tuple(fc.constantFrom(...MASS_UNITS), fc.constantFrom(...MASS_UNITS)),
      fc.tuple(fc.constantFrom(...VOLUME_UNITS), fc.constantFrom(...VOLUME_UNITS)),
    );
    fc.assert(
      fc.property(quantity, sameDimension, (q, [from, to]) => {
        const there = fromBase(toBase({ quantity: q, unit: from }), to);
        const back = fromBase(toBase(there), from);
        expectClose(back.quantity, q);
      }),
    );
  });

  it.each([
    [
      { quantity: 1, unit: "kg" as const },
      { quantity: 1000, unit: "g" as const },
    ],
    [
      { quantity: 1, unit: "lb" as const },
      { quantity: 453.59237, unit: "g" as const },
    ],
    [
      { quantity: 3, unit: "tsp" as const },
      { quantity: 1, unit: "tbsp" as const },
    ],
    [
      { quantity: 16, unit: "tbsp" as const },
      { quantity: 1, unit: "cup" as const },
    ],
    [
      { quantity: 8, unit: "fl_oz" as const },
      { quantity: 1, unit: "cup" as const },
    ],
  ])("%o equals %o", (a, b) => {
    const [x, y] = [toBase(a), toBase(b)];
    expect(x.dimension).toBe(y.dimension);
    expectClose(x.amount, y.amount);
  });

  it("keeps count units apart from each other and from unit-less amounts", () => {
    expect(toBase({ quantity: 2, unit: "clove" }).dimension).toBe("count:clove");
    expect(toBase({ quantity: 2, unit: null }).dimension).toBe("count:");
    expect(() => fromBase({ dimension: "mass", amount: 1 }, "ml")).toThrow(RangeError);
  });

  it("displays grams below a kilogram and kilograms from 1,000 g", () => {
    expect(toDisplay({ dimension: "mass", amount: 999 })).toEqual({ quantity: 999, unit: "g" });
    expect(toDisplay({ dimension: "mass", amount: 1500 })).toEqual({ quantity: 1.5, unit: "kg" });
    expect(toDisplay({ dimension: "volume", amount: 2000 })).toEqual({ quantity: 2, unit: "l" });
    expect(toDisplay({ dimension: "count:", amount: 3 })).toEqual({ quantity: 3, unit: null });
  });
});

describe("scaling", () => {
  it("rounds to three significant digits", () => {
    expect(roundSignificant(0.33333)).toBe(0.333);
    expect(roundSignificant(1234.5)).toBe(1230);
    expect(roundSignificant(0)).toBe(0);
    expect(scaleQuantity(200, 4, 6)).toBe(300);
    expect(scaleQuantity(1, 3, 1)).toBe(0.333);
    expect(scaleQuantity(null, 4, 8)).toBeNull();
  });

  it("is proportional to the servings, within rounding", () => {
    const servings = fc.integer({ min: 1, max: 100 });
    fc.assert(
      fc.property(quantity, servings, servings, (q, from, to) => {
        const scaled = scaleQuantity(q, from, to) as number;
        const exact = (q * to) / from;
        expect(Math.abs(scaled - exact)).toBeLessThanOrEqual(exact * 0.005 + 1e-12);
      }),
    );
  });

  it("scaling to the same servings only rounds", () => {
    fc.assert(
      fc.property(quantity, fc.integer({ min: 1, max: 100 }), (q, n) => {
        expect(scaleQuantity(q, n, n)).toBe(roundSignificant(q));
      }),
    );
  });
});
