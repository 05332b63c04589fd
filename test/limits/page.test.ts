import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bearer, createUser } from "../factories/users.ts";
import { createTestApp, type TestContext } from "../helpers/app.ts";
import { LARGEST_NAME, LARGEST_TAGS, largestListedRecipe, largestRecipe } from "./recipes.ts";
import { limitsEnv, listen, percentile, recordLimits, round, send } from "./support.ts";

const PAGE = 100;
const TIMED_READS = 5;
const PAGE_WITHIN_MS = 2_000;

let ctx: TestContext;
let port: number;
let authorId: string;
let largestId: string;
let createMs: number;

beforeAll(async () => {
  ctx = await createTestApp({ env: limitsEnv() });
  ({ port } = await listen(ctx));
  // One recipe through the API (so it passed validation), then copied in SQL: a hundred POSTs
  // took 20–40 s on a busy 2-core machine, a copy takes milliseconds.
  const { user, accessToken } = await createUser(ctx, { name: LARGEST_NAME });
  authorId = user.id;
  const started = performance.now();
  const created = await ctx.app.inject({
    method: "POST",
    url: "/api/recipes",
    headers: bearer(accessToken),
    payload: largestListedRecipe(),
  });
  if (created.statusCode !== 201) throw new Error(`create failed: ${created.body}`);
  await copyRecipe(created.json().id, PAGE);
  createMs = performance.now() - started;
  // The largest recipe of all, by another author, so that the page above stays as it is.
  const other = await createUser(ctx);
  const full = await ctx.app.inject({
    method: "POST",
    url: "/api/recipes",
    headers: bearer(other.accessToken),
    payload: largestRecipe(),
  });
  if (full.statusCode !== 201) throw new Error(`create failed: ${full.body}`);
  largestId = full.json().id;
});
afterAll(() => ctx.close());

/** `count` copies of a recipe with its ingredients and tags, each a millisecond older. */
async function copyRecipe(id: string, count: number): Promise<void> {
  await ctx.deps.db.transaction(async (tx) => {
    await tx.execute(sql`
      insert into recipes (author_id, title, description, servings, prep_minutes, cook_minutes,
        visibility, steps, search, ingredient_search, created_at, updated_at)
      select author_id, title, description, servings, prep_minutes, cook_minutes,
        visibility, steps, search, ingredient_search,
        created_at - n * interval '1 millisecond', updated_at
      from recipes, generate_series(1, ${count}) as n where id = ${id}`);
    await tx.execute(sql`
      insert into recipe_ingredients (recipe_id, position, name, quantity, unit, note)
      select copy.id, i.position, i.name, i.quantity, i.unit, i.note
      from recipes copy, recipes original, recipe_ingredients i
      where original.id = ${id} and copy.author_id = original.author_id and copy.id <> original.id
        and i.recipe_id = original.id`);
    await tx.execute(sql`
      insert into recipe_tags (recipe_id, tag)
      select copy.id, t.tag
      from recipes copy, recipes original, recipe_tags t
      where original.id = ${id} and copy.author_id = original.author_id and copy.id <> original.id
        and t.recipe_id = original.id`);
  });
}

async function timedReads(path: string) {
  await send(port, { path }); // warm: the first read compiles and caches plans
  const answers = [];
  for (let i = 0; i < TIMED_READS; i++) answers.push(await send(port, { path }));
  const ms = answers.map((answer) => answer.ms);
  return { answers, p50: percentile(ms, 50), max: Math.max(...ms) };
}

describe("the largest page", () => {
  it("serves limit=100 of recipes with every listed field at its largest, and the largest recipe", async () => {
    const page = await timedReads(`/api/recipes?author=${authorId}&limit=${PAGE}`);
    const one = await timedReads(`/api/recipes/${largestId}`);

    for (const answer of page.answers) {
      expect(answer.status).toBe(200);
      const body = JSON.parse(answer.body);
      expect(body.items).toHaveLength(PAGE);
      expect(body.nextCursor).toEqual(expect.any(String));
      for (const item of body.items) {
        expect(item.title).toHaveLength(200);
        expect(item.description).toHaveLength(5_000);
        expect(item.tags).toEqual(LARGEST_TAGS);
        expect(item.author.name).toBe(LARGEST_NAME);
      }
    }
    const pageBytes = Buffer.byteLength(page.answers[0]?.body ?? "");
    // Every listed text field in full: 3 bytes a character, 5,200 characters a recipe at least.
    expect(pageBytes).toBeGreaterThan(PAGE * 5_200 * 3);
    expect(page.max).toBeLessThan(PAGE_WITHIN_MS);

    for (const answer of one.answers) {
      expect(answer.status).toBe(200);
      const recipe = JSON.parse(answer.body);
      expect(recipe.steps).toEqual(largestRecipe().steps);
      expect(recipe.ingredients).toHaveLength(100);
    }
    const oneBytes = Buffer.byteLength(one.answers[0]?.body ?? "");
    expect(one.max).toBeLessThan(PAGE_WITHIN_MS);

    await recordLimits("largestPage", {
      items: PAGE,
      pageBytes,
      bytesPerItem: Math.round(pageBytes / PAGE),
      pageP50Ms: round(page.p50),
      pageMaxMs: round(page.max),
      reads: TIMED_READS,
      recipesOfTheAuthor: PAGE + 1,
      createAndCopyMs: Math.round(createMs),
      largestRecipeBytes: oneBytes,
      largestRecipeP50Ms: round(one.p50),
      largestRecipeMaxMs: round(one.max),
    });
  });
});
