import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { createRecipe, signUp } from "../../../test/factories/recipes.ts";
import { createTestApp, type TestContext } from "../../../test/helpers/app.ts";
import { resetDatabase } from "../../../test/helpers/database.ts";

let ctx: TestContext;

beforeEach(async () => {
  ctx ??= await createTestApp();
  await resetDatabase(ctx.deps.database);
});
afterAll(() => ctx.close());

describe("GET /api/tags", () => {
  it("counts tags of public recipes, most used first, across pages", async () => {
    const cook = await signUp(ctx);
    await createRecipe(ctx, cook, { tags: ["soup", "quick", "vegan"] });
    await createRecipe(ctx, cook, { tags: ["soup", "quick"] });
    await createRecipe(ctx, cook, { tags: ["soup", "baking"] });
    await createRecipe(ctx, cook, { tags: ["secret", "soup"], visibility: "private" });

    const first = await ctx.app.inject({ url: "/api/tags?limit=2" });
    expect(first.statusCode).toBe(200);
    expect(first.json().items).toEqual([
      { name: "soup", count: 3 },
      { name: "quick", count: 2 },
    ]);
    const second = await ctx.app.inject({
      url: `/api/tags?limit=2&cursor=${first.json().nextCursor}`,
    });
    expect(second.json()).toEqual({
      items: [
        { name: "baking", count: 1 },
        { name: "vegan", count: 1 },
      ],
      nextCursor: null,
    });
  });

  it("keeps counts in step with edits, visibility changes and deletes", async () => {
    const cook = await signUp(ctx);
    const a = await createRecipe(ctx, cook, { tags: ["soup", "quick"] });
    const b = await createRecipe(ctx, cook, { tags: ["soup"], visibility: "private" });
    const c = await createRecipe(ctx, cook, { tags: ["stew"] });
    const patch = (id: string, payload: object) =>
      ctx.app.inject({
        method: "PATCH",
        url: `/api/recipes/${id}`,
        headers: cook.headers,
        payload,
      });
    await patch(a.id, { tags: ["soup", "winter"] });
    await patch(b.id, { visibility: "public" });
    await patch(c.id, { visibility: "private" });
    await ctx.app.inject({ method: "DELETE", url: `/api/recipes/${a.id}`, headers: cook.headers });

    const response = await ctx.app.inject({ url: "/api/tags" });
    expect(response.json()).toEqual({ items: [{ name: "soup", count: 1 }], nextCursor: null });
  });

  it("returns 400 for a garbage cursor or a limit above 100", async () => {
    expect((await ctx.app.inject({ url: "/api/tags?cursor=Zm9v" })).statusCode).toBe(400);
    expect((await ctx.app.inject({ url: "/api/tags?limit=101" })).statusCode).toBe(400);
  });
});
