import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestContext } from "../../../test/helpers/app.ts";
import { resetDatabase } from "../../../test/helpers/database.ts";
import { seedRecipes } from "./recipes.seed.ts";

let ctx: TestContext;

beforeAll(async () => {
  ctx = await createTestApp();
  await resetDatabase(ctx.deps.database);
});
afterAll(() => ctx.close());

describe("seedRecipes", () => {
  it("creates demo users and recipes with tags, ratings and favorites, idempotently", async () => {
    const first = await seedRecipes(ctx.deps, { count: 30 });
    const second = await seedRecipes(ctx.deps, { count: 30 });
    expect(first.created).toBe(30);
    expect(second.created).toBe(0);
    expect(second.users.map((user) => user.id)).toEqual(first.users.map((user) => user.id));

    const [counts] = await ctx.deps.database.rows<Record<string, number>>(sql`select
      (select count(*)::int from recipes) as recipes,
      (select count(*)::int from recipe_tags) as tags,
      (select count(*)::int from favorites) as favorites,
      (select count(*)::int from ratings) as ratings,
      (select count(*)::int from recipes r where r.rating_count <>
        (select count(*) from ratings where recipe_id = r.id)) as wrong_aggregates,
      (select count(*)::int from tag_counts c where c.public_count <>
        (select count(*) from recipe_tags t join recipes r on r.id = t.recipe_id
          where r.visibility = 'public' and t.tag = c.tag)) as wrong_tag_counts`);
    expect(counts).toMatchObject({ recipes: 30, wrong_aggregates: 0, wrong_tag_counts: 0 });
    expect(counts?.tags).toBeGreaterThan(30);
    expect(counts?.ratings).toBeGreaterThan(0);
    expect(counts?.favorites).toBeGreaterThan(0);

    const search = await ctx.app.inject({ url: "/api/recipes?q=pancakes" });
    expect(search.json().items.length).toBeGreaterThan(0);
  });
});
