import { randomUUID } from "node:crypto";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { anonymous, createRecipe, signUp, type TestUser } from "../../../test/factories/recipes.ts";
import { createTestApp, type TestContext } from "../../../test/helpers/app.ts";
import type { RecipeSummary } from "./recipes.schema.ts";
import { recipes } from "./recipes.table.ts";

let ctx: TestContext;

beforeAll(async () => {
  ctx = await createTestApp();
});
afterAll(() => ctx.close());

type Page = { items: RecipeSummary[]; nextCursor: string | null };

async function list(user: TestUser, query: string) {
  const response = await ctx.app.inject({
    method: "GET",
    url: `/api/recipes?${query}`,
    headers: user.headers,
  });
  return response;
}

async function titles(user: TestUser, query: string): Promise<string[]> {
  const response = await list(user, query);
  expect(response.statusCode).toBe(200);
  return (response.json() as Page).items.map((item) => item.title);
}

async function walk(user: TestUser, query: string, limit: number): Promise<string[]> {
  const seen: string[] = [];
  let cursor: string | null = null;
  do {
    const suffix: string = cursor ? `&cursor=${cursor}` : "";
    const response = await list(user, `${query}&limit=${limit}${suffix}`);
    expect(response.statusCode).toBe(200);
    const page = response.json() as Page;
    seen.push(...page.items.map((item) => item.id));
    cursor = page.nextCursor;
  } while (cursor);
  return seen;
}

/** A made-up word nobody else's recipes contain. */
// A word no other test writes: 12 random letters (a–p, one per hex digit of a UUID).
const word = () =>
  `zx${randomUUID()
    .replace(/-/g, "")
    .slice(0, 12)
    .replace(/[0-9a-f]/g, (hex) => String.fromCharCode(97 + Number.parseInt(hex, 16)))}`;

describe("GET /api/recipes", () => {
  it("lists summaries without steps or ingredients, newest first", async () => {
    const cook = await signUp(ctx);
    await createRecipe(ctx, cook, { title: "First" });
    await createRecipe(ctx, cook, { title: "Second" });
    const response = await list(anonymous, `author=${cook.id}`);
    const page = response.json() as Page;
    expect(page.items.map((item) => item.title)).toEqual(["Second", "First"]);
    expect(page.items[0]).toMatchObject({ ingredientCount: 3, tags: ["soup", "vegetarian"] });
    expect(page.items[0]).not.toHaveProperty("steps");
    expect(page.items[0]).not.toHaveProperty("ingredients");
    expect(page.nextCursor).toBeNull();
    expect(await titles(anonymous, `author=${cook.id}&sort=oldest`)).toEqual(["First", "Second"]);
  });

  it("shows private recipes only to their author", async () => {
    const cook = await signUp(ctx);
    const other = await signUp(ctx);
    await createRecipe(ctx, cook, { title: "Open" });
    await createRecipe(ctx, cook, { title: "Secret", visibility: "private" });
    expect(await titles(cook, `author=${cook.id}`)).toEqual(["Secret", "Open"]);
    expect(await titles(other, `author=${cook.id}`)).toEqual(["Open"]);
    expect(await titles(anonymous, `author=${cook.id}`)).toEqual(["Open"]);
    expect(await titles(cook, "author=me&visibility=private")).toEqual(["Secret"]);
    expect((await list(anonymous, "author=me")).statusCode).toBe(401);
  });

  it("searches title, description and ingredient names with full-text search", async () => {
    const cook = await signUp(ctx);
    const [a, b, c] = [word(), word(), word()];
    await createRecipe(ctx, cook, { title: `Soup ${a}` });
    await createRecipe(ctx, cook, { title: "Stew", description: `Tastes of ${b}` });
    await createRecipe(ctx, cook, { title: "Salad", ingredients: [{ name: `${c} leaves` }] });
    expect(await titles(anonymous, `q=${a}`)).toEqual([`Soup ${a}`]);
    expect(await titles(anonymous, `q=${b}`)).toEqual(["Stew"]);
    expect(await titles(anonymous, `q=${c}&sort=relevance`)).toEqual(["Salad"]);
    expect(await titles(anonymous, `q=${a} OR ${b}&author=${cook.id}&sort=oldest`)).toEqual([
      `Soup ${a}`,
      "Stew",
    ]);
  });

  it.each(["%25", "*", "%25%25%25", "'", ":*", "!&|"])(
    "treats q=%s (no searchable words) as matching nothing",
    async (q) => {
      const response = await list(anonymous, `q=${q}`);
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({ items: [], nextCursor: null });
    },
  );

  it("sorts by relevance only with q", async () => {
    const response = await list(anonymous, "sort=relevance");
    expect(response.statusCode).toBe(400);
    expect(response.json().code).toBe("relevance_needs_q");
  });

  it("filters by every tag, ingredient, time and visibility together", async () => {
    const cook = await signUp(ctx);
    const w = word();
    await createRecipe(ctx, cook, { title: "A", tags: ["quick", "vegan"], cookMinutes: 5 });
    await createRecipe(ctx, cook, { title: "B", tags: ["quick"], cookMinutes: 5 });
    await createRecipe(ctx, cook, { title: "C", tags: ["quick", "vegan"], cookMinutes: 90 });
    await createRecipe(ctx, cook, { title: "D", ingredients: [{ name: `Smoked ${w}` }] });
    const mine = `author=${cook.id}`;
    expect(await titles(anonymous, `${mine}&tag=quick&tag=Vegan&sort=oldest`)).toEqual(["A", "C"]);
    expect(await titles(anonymous, `${mine}&tag=vegan&maxTotalMinutes=20`)).toEqual(["A"]);
    expect(await titles(anonymous, `ingredient=${w.slice(0, 9).toUpperCase()}`)).toEqual(["D"]);
    expect(await titles(anonymous, `ingredient=smoked ${w}`)).toEqual(["D"]);
    expect(await titles(anonymous, "ingredient=%25%25")).toEqual([]);
    expect(await titles(anonymous, `${mine}&visibility=private`)).toEqual([]);
  });

  it("walks every recipe exactly once through the cursors, even with equal timestamps", async () => {
    const cook = await signUp(ctx);
    const created = [];
    for (let i = 0; i < 7; i++) created.push(await createRecipe(ctx, cook, { title: `R${i}` }));
    // Make every sort key equal, so only the id breaks ties.
    await ctx.deps.db
      .update(recipes)
      .set({ createdAt: sql`'2026-01-01 00:00:00.123456+00'`, ratingAverage: 4.5 })
      .where(eq(recipes.authorId, cook.id));
    const ids = created.map((recipe) => recipe.id).sort();
    for (const sort of ["newest", "oldest", "rating"]) {
      const seen = await walk(anonymous, `author=${cook.id}&sort=${sort}`, 2);
      expect([...seen].sort()).toEqual(ids);
      expect(new Set(seen).size).toBe(ids.length);
    }
  });

  it("walks relevance pages exactly once", async () => {
    const cook = await signUp(ctx);
    const w = word();
    for (let i = 0; i < 5; i++) await createRecipe(ctx, cook, { title: `${w} ${"x ".repeat(i)}` });
    const seen = await walk(anonymous, `q=${w}&sort=relevance`, 2);
    expect(new Set(seen).size).toBe(5);
  });

  it.each([
    ["limit=101", "validation_failed"],
    ["limit=0", "validation_failed"],
    ["cursor=garbage", "invalid_cursor"],
    [
      `cursor=${Buffer.from('{"s":"newest","k":["x","y"]}').toString("base64url")}`,
      "invalid_cursor",
    ],
    [`q=${"x".repeat(201)}`, "validation_failed"],
    ["sort=spicy", "validation_failed"],
    ["author=someone", "validation_failed"],
    ["tag=no%20slug", "validation_failed"],
  ])("returns 400 for %s", async (query, code) => {
    const response = await list(anonymous, query);
    expect(response.statusCode).toBe(400);
    expect(response.json().code).toBe(code);
  });

  it("rejects a cursor from another sort order", async () => {
    const cook = await signUp(ctx);
    await createRecipe(ctx, cook);
    await createRecipe(ctx, cook);
    const page = (await list(anonymous, `author=${cook.id}&limit=1`)).json() as Page;
    const response = await list(
      anonymous,
      `author=${cook.id}&sort=rating&cursor=${page.nextCursor}`,
    );
    expect(response.statusCode).toBe(400);
  });
});
