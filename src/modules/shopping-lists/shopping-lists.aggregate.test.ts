import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { UNITS } from "../recipes/units.ts";
import {
  aggregateIngredients,
  type ListedIngredient,
  normalizeName,
} from "./shopping-lists.aggregate.ts";

describe("aggregateIngredients", () => {
  it("sums same-named ingredients across compatible units", () => {
    const items = aggregateIngredients([
      { name: "Flour", quantity: 500, unit: "g" },
      { name: " flour ", quantity: 0.75, unit: "kg" },
      { name: "Milk", quantity: 1, unit: "cup" },
      { name: "milk", quantity: 2, unit: "tbsp" },
      { name: "butter", quantity: 1, unit: "lb" },
      { name: "butter", quantity: 2, unit: "oz" },
    ]);
    expect(items).toEqual([
      { name: "butter", quantity: 510, unit: "g" },
      { name: "flour", quantity: 1.25, unit: "kg" },
      { name: "milk", quantity: 266, unit: "ml" },
    ]);
  });

  it("keeps amounts that cannot be converted as separate items of one name", () => {
    const items = aggregateIngredients([
      { name: "garlic", quantity: 2, unit: "clove" },
      { name: "Garlic", quantity: 3, unit: "clove" },
      { name: "garlic", quantity: 10, unit: "g" },
      { name: "garlic", quantity: 1, unit: null },
      { name: "garlic", quantity: null, unit: null },
      { name: "GARLIC", quantity: null, unit: "pinch" },
    ]);
    expect(items).toEqual([
      { name: "garlic", quantity: 1, unit: null },
      { name: "garlic", quantity: 5, unit: "clove" },
      { name: "garlic", quantity: 10, unit: "g" },
      { name: "garlic", quantity: null, unit: null },
    ]);
  });

  it("normalizes names: trimmed, inner whitespace collapsed, case-insensitive", () => {
    expect(normalizeName("  Olive \t  OIL ")).toBe("olive oil");
  });

  it("does not depend on the order of its input", () => {
    const ingredient: fc.Arbitrary<ListedIngredient> = fc.record({
      name: fc.constantFrom("salt", "Salt ", "sugar", "eggs"),
      quantity: fc.option(fc.double({ min: 0.001, max: 10_000, noNaN: true }), { nil: null }),
      unit: fc.option(fc.constantFrom(...UNITS), { nil: null }),
    });
    fc.assert(
      fc.property(
        fc
          .array(ingredient, { maxLength: 30 })
          .chain((list) =>
            fc.tuple(fc.constant(list), fc.shuffledSubarray(list, { minLength: list.length })),
          ),
        ([list, shuffled]) => {
          expect(aggregateIngredients(shuffled)).toEqual(aggregateIngredients(list));
        },
      ),
    );
  });

  it("sums to the total of its parts in base units", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 999 }), { minLength: 1 }), (grams) => {
        const [item] = aggregateIngredients(
          grams.map((g) => ({ name: "x", quantity: g, unit: "g" })),
        );
        const total = grams.reduce((a, b) => a + b, 0);
        const inGrams = item?.unit === "kg" ? (item.quantity as number) * 1000 : item?.quantity;
        expect(Math.abs((inGrams as number) - total)).toBeLessThanOrEqual(total * 0.005);
      }),
    );
  });
});
