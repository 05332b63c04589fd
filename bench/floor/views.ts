import type { IngredientRow, RecipeRow, SummaryRow } from "./queries.ts";

/** The same JSON as Stratum's recipe views, key for key and in the same order. */

function common(row: RecipeRow | SummaryRow, tags: string[]) {
  return {
    id: row.id,
    title: row.title,
    description: row.description,
    servings: row.servings,
    prepMinutes: row.prep_minutes,
    cookMinutes: row.cook_minutes,
    totalMinutes: row.prep_minutes + row.cook_minutes,
    visibility: row.visibility,
    author: { id: row.author_id, name: row.author_name },
    tags,
    rating: {
      average:
        row.rating_count === 0 ? null : Math.round((row.rating_sum / row.rating_count) * 100) / 100,
      count: row.rating_count,
    },
    favorited: row.favorited,
    version: row.version,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

export function toRecipe(row: RecipeRow, ingredients: IngredientRow[], tags: { tag: string }[]) {
  return {
    ...common(
      row,
      tags.map((t) => t.tag),
    ),
    ingredients: ingredients.map((i) => ({
      name: i.name,
      quantity: i.quantity,
      unit: i.unit,
      note: i.note,
    })),
    steps: row.steps,
  };
}

export function toPage(
  rows: SummaryRow[],
  kept: SummaryRow[],
  tags: { recipe_id: string; tag: string }[],
  limit: number,
) {
  const byRecipe = new Map<string, string[]>();
  for (const { recipe_id, tag } of tags) {
    const list = byRecipe.get(recipe_id);
    if (list) list.push(tag);
    else byRecipe.set(recipe_id, [tag]);
  }
  const last = kept.at(-1);
  const nextCursor =
    rows.length > limit && last
      ? Buffer.from(JSON.stringify({ s: "newest", k: [last.sort_key, last.id] }), "utf8").toString(
          "base64url",
        )
      : null;
  return {
    items: kept.map((row) => ({
      ...common(row, byRecipe.get(row.id) ?? []),
      ingredientCount: row.ingredient_count,
    })),
    nextCursor,
  };
}
