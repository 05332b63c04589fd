import type { RecipeRecord, SummaryRecord } from "./recipes.repository.ts";
import type { Recipe, RecipeSummary } from "./recipes.schema.ts";
import type { RecipeIngredientRow } from "./recipes.table.ts";
import { scaleQuantity, type Unit } from "./units.ts";

/** Turns rows into what the API shows; the response schemas whitelist the same fields. */

function common(record: Omit<RecipeRecord, "steps">, tags: string[]) {
  return {
    id: record.id,
    title: record.title,
    description: record.description,
    servings: record.servings,
    prepMinutes: record.prepMinutes,
    cookMinutes: record.cookMinutes,
    totalMinutes: record.prepMinutes + record.cookMinutes,
    visibility: record.visibility,
    author: { id: record.authorId, name: record.authorName },
    tags,
    rating: {
      average:
        record.ratingCount === 0
          ? null
          : Math.round((record.ratingSum / record.ratingCount) * 100) / 100,
      count: record.ratingCount,
    },
    favorited: record.favorited,
    version: record.version,
    createdAt: record.createdAt.toISOString(),
    updatedAt: record.updatedAt.toISOString(),
  };
}

export function toRecipe(
  record: RecipeRecord,
  ingredients: RecipeIngredientRow[],
  tags: string[],
  servings = record.servings,
): Recipe {
  return {
    ...common(record, tags),
    servings,
    ingredients: ingredients.map((ingredient) => ({
      name: ingredient.name,
      quantity:
        servings === record.servings
          ? ingredient.quantity
          : scaleQuantity(ingredient.quantity, record.servings, servings),
      unit: ingredient.unit as Unit | null,
      note: ingredient.note,
    })),
    steps: record.steps,
  };
}

export function toSummary(record: SummaryRecord, tags: string[]): RecipeSummary {
  return { ...common(record, tags), ingredientCount: record.ingredientCount };
}

/** Tags in the order the repository reads them: by code point (slugs are ASCII). */
export function sortTags(tags: string[]): string[] {
  return [...tags].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Groups child rows by recipe id, keeping their order. */
export function groupBy<T extends { recipeId: string }, V>(
  rows: T[],
  value: (row: T) => V,
): Map<string, V[]> {
  const groups = new Map<string, V[]>();
  for (const row of rows) {
    const group = groups.get(row.recipeId) ?? [];
    group.push(value(row));
    groups.set(row.recipeId, group);
  }
  return groups;
}
