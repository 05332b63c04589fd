import {
  type BaseAmount,
  type Dimension,
  roundSignificant,
  toBase,
  toDisplay,
  type Unit,
} from "../recipes/units.ts";

export type ListedIngredient = { name: string; quantity: number | null; unit: Unit | null };
export type ShoppingItem = { name: string; quantity: number | null; unit: Unit | null };

/** "  Olive   Oil " and "olive oil" are the same thing to buy. */
export function normalizeName(name: string): string {
  return name.trim().replace(/\s+/g, " ").toLowerCase();
}

type Group = { name: string; toTaste: boolean; amounts: Map<Dimension, number[]> };

/**
 * Adds up ingredients of the same name: masses in grams, volumes in millilitres, each count unit
 * on its own. Amounts that cannot be converted into each other stay separate items of the same
 * name, and an unquantified ingredient ("salt to taste") appears once with a null quantity.
 * The result is sorted, so it does not depend on the order of the input.
 */
export function aggregateIngredients(ingredients: readonly ListedIngredient[]): ShoppingItem[] {
  const groups = new Map<string, Group>();
  for (const ingredient of ingredients) {
    const key = normalizeName(ingredient.name);
    let group = groups.get(key);
    if (!group) {
      group = { name: key, toTaste: false, amounts: new Map() };
      groups.set(key, group);
    }
    if (ingredient.quantity === null) {
      group.toTaste = true;
      continue;
    }
    const base = toBase({ quantity: ingredient.quantity, unit: ingredient.unit });
    const amounts = group.amounts.get(base.dimension) ?? [];
    amounts.push(base.amount);
    group.amounts.set(base.dimension, amounts);
  }
  return [...groups.values()].flatMap(itemsOf).sort(compareItems);
}

// Floating-point addition is not associative: adding in a fixed order makes the total
// independent of the order the recipes were listed in.
function sum(amounts: number[]): number {
  return [...amounts].sort((a, b) => a - b).reduce((total, amount) => total + amount, 0);
}

function itemsOf(group: Group): ShoppingItem[] {
  const items: ShoppingItem[] = [...group.amounts].map(([dimension, amounts]) => {
    const display = toDisplay({ dimension, amount: sum(amounts) } satisfies BaseAmount);
    return { name: group.name, quantity: roundSignificant(display.quantity), unit: display.unit };
  });
  if (group.toTaste) items.push({ name: group.name, quantity: null, unit: null });
  return items;
}

function compareItems(a: ShoppingItem, b: ShoppingItem): number {
  if (a.name !== b.name) return a.name < b.name ? -1 : 1;
  const unitA = a.quantity === null ? "~" : (a.unit ?? "");
  const unitB = b.quantity === null ? "~" : (b.unit ?? "");
  return unitA < unitB ? -1 : unitA > unitB ? 1 : 0;
}
