/**
 * Units an ingredient may use, and the pure arithmetic on them: scaling a recipe and converting
 * amounts so a shopping list can add them up. Volumes are US customary (1 cup = 236.59 ml).
 */

export const MASS_UNITS = ["mg", "g", "kg", "oz", "lb"] as const;
export const VOLUME_UNITS = ["ml", "l", "tsp", "tbsp", "cup", "fl_oz"] as const;
/** Counted things: only amounts of the same unit add up (2 cloves + 1 clove = 3 cloves). */
export const COUNT_UNITS = [
  "piece",
  "pinch",
  "clove",
  "can",
  "slice",
  "bunch",
  "sprig",
  "stalk",
  "head",
  "leaf",
  "sheet",
  "package",
] as const;
export const UNITS = [...MASS_UNITS, ...VOLUME_UNITS, ...COUNT_UNITS] as const;

export type MassUnit = (typeof MASS_UNITS)[number];
export type VolumeUnit = (typeof VOLUME_UNITS)[number];
export type Unit = (typeof UNITS)[number];

const GRAMS_PER: Record<MassUnit, number> = {
  mg: 0.001,
  g: 1,
  kg: 1_000,
  oz: 28.349523125,
  lb: 453.59237,
};

const MILLILITRES_PER: Record<VolumeUnit, number> = {
  ml: 1,
  l: 1_000,
  tsp: 4.92892159375,
  tbsp: 14.78676478125,
  cup: 236.5882365,
  fl_oz: 29.5735295625,
};

/**
 * What an amount can be added to: all masses together, all volumes together, each count unit
 * on its own, and unit-less amounts ("2 eggs") on their own.
 */
export type Dimension = "mass" | "volume" | `count:${string}`;

/** An amount in its dimension's base unit (g, ml, or the count unit itself). */
export type BaseAmount = { dimension: Dimension; amount: number };

export type Amount = { quantity: number; unit: Unit | null };

function isMass(unit: Unit | null): unit is MassUnit {
  return unit !== null && unit in GRAMS_PER;
}

function isVolume(unit: Unit | null): unit is VolumeUnit {
  return unit !== null && unit in MILLILITRES_PER;
}

export function toBase({ quantity, unit }: Amount): BaseAmount {
  if (isMass(unit)) return { dimension: "mass", amount: quantity * GRAMS_PER[unit] };
  if (isVolume(unit)) return { dimension: "volume", amount: quantity * MILLILITRES_PER[unit] };
  return { dimension: `count:${unit ?? ""}`, amount: quantity };
}

/** Expresses a base amount in a given unit of the same dimension. */
export function fromBase(base: BaseAmount, unit: Unit | null): Amount {
  if (base.dimension === "mass" && isMass(unit)) {
    return { quantity: base.amount / GRAMS_PER[unit], unit };
  }
  if (base.dimension === "volume" && isVolume(unit)) {
    return { quantity: base.amount / MILLILITRES_PER[unit], unit };
  }
  if (base.dimension === `count:${unit ?? ""}`) return { quantity: base.amount, unit };
  throw new RangeError(`cannot express ${base.dimension} in ${unit ?? "no unit"}`);
}

/** The unit a shopper reads best: g below 1 kg, kg from 1,000 g; ml below 1 l, l from 1,000 ml. */
export function toDisplay(base: BaseAmount): Amount {
  if (base.dimension === "mass") return fromBase(base, base.amount >= 1_000 ? "kg" : "g");
  if (base.dimension === "volume") return fromBase(base, base.amount >= 1_000 ? "l" : "ml");
  const unit = base.dimension.slice("count:".length);
  return { quantity: base.amount, unit: unit === "" ? null : (unit as Unit) };
}

/** Rounds to `digits` significant digits (0.3333 → 0.333, 1234 → 1230). */
export function roundSignificant(value: number, digits = 3): number {
  if (value === 0 || !Number.isFinite(value)) return value;
  return Number(value.toPrecision(digits));
}

/** A quantity for `to` servings of a recipe written for `from`; "to taste" (null) stays null. */
export function scaleQuantity(quantity: number | null, from: number, to: number): number | null {
  if (quantity === null) return null;
  return roundSignificant((quantity * to) / from);
}
