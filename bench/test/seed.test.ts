import { describe, expect, it } from "vitest";
import { createRandom } from "../lib/prng.ts";
import { COUNTS, generate } from "../lib/seed.ts";

describe("bench seed", () => {
  it("generates the same rows from the fixed seed every time", () => {
    const a = generate("hash");
    const b = generate("hash");
    expect(a.recipes.slice(0, 50)).toEqual(b.recipes.slice(0, 50));
    expect(a.favorites.at(-1)).toEqual(b.favorites.at(-1));
    expect(a.users.map((u) => u.id)).toEqual(b.users.map((u) => u.id));
  });

  it("has the promised shape: users, recipes, 8 ingredients, 6 steps, 3 tags each", () => {
    const data = generate("hash");
    expect(data.users).toHaveLength(COUNTS.users);
    expect(data.recipes).toHaveLength(COUNTS.recipes);
    expect(data.ingredients).toHaveLength(COUNTS.recipes * 8);
    expect(data.tags).toHaveLength(COUNTS.recipes * 3);
    expect(data.recipes.every((r) => (r.steps as string[]).length === 6)).toBe(true);
    expect(new Set(data.recipes.map((r) => r.id)).size).toBe(COUNTS.recipes);
    expect(new Set(data.tags.map((t) => `${t.recipe_id}:${t.tag}`)).size).toBe(data.tags.length);
  });

  it("keeps ratings off the author's own recipes and the recipe totals exact", () => {
    const data = generate("hash");
    const byId = new Map(data.recipes.map((r) => [r.id, r]));
    const sums = new Map<string, number>();
    for (const rating of data.ratings) {
      const recipe = byId.get(rating.recipe_id as string);
      expect(rating.user_id).not.toBe(recipe?.author_id);
      sums.set(
        recipe?.id as string,
        (sums.get(recipe?.id as string) ?? 0) + (rating.stars as number),
      );
    }
    const first = data.recipes[0] as Record<string, unknown>;
    expect(first.rating_sum).toBe(sums.get(first.id as string));
    const pairs = new Set(data.favorites.map((f) => `${f.user_id}:${f.recipe_id}`));
    expect(pairs.size).toBe(data.favorites.length);
  });

  it("draws version-4 shaped UUIDs", () => {
    const random = createRandom(1);
    expect(random.uuid()).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });
});
