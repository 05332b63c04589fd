import { randomUUID } from "node:crypto";
import type { Role } from "../../src/lib/actor.ts";
import type { Recipe } from "../../src/modules/recipes/recipes.schema.ts";
import type { TestContext } from "../helpers/app.ts";
import { bearer, createUser } from "./users.ts";

export type TestUser = { id: string; name: string; role: Role; headers: Record<string, string> };

/** A signed-in user with a real session: `headers` carries the Bearer access token. */
export async function signUp(ctx: TestContext, role: Role = "user"): Promise<TestUser> {
  const name = `Cook ${randomUUID().slice(0, 8)}`;
  const { user, accessToken } = await createUser(ctx, { role, name });
  return { id: user.id, name, role, headers: bearer(accessToken) };
}

export const anonymous: TestUser = { id: "", name: "", role: "user", headers: {} };

/** An authorization matrix's callers: the resource's owner, another user, an admin, nobody. */
export async function signUpActors<Owner extends string>(
  ctx: TestContext,
  owner: Owner,
): Promise<Record<Owner | "other" | "admin" | "anonymous", TestUser>> {
  return {
    [owner]: await signUp(ctx),
    other: await signUp(ctx),
    admin: await signUp(ctx, "admin"),
    anonymous,
  } as Record<Owner | "other" | "admin" | "anonymous", TestUser>;
}

export function recipeBody(overrides: Record<string, unknown> = {}) {
  return {
    title: "Tomato soup",
    description: "A quick weeknight soup.",
    servings: 4,
    prepMinutes: 10,
    cookMinutes: 25,
    ingredients: [
      { name: "Tomatoes", quantity: 800, unit: "g" },
      { name: "Olive oil", quantity: 2, unit: "tbsp", note: "extra virgin" },
      { name: "Salt", quantity: null, unit: null },
    ],
    steps: ["Chop the tomatoes.", "Simmer for 20 minutes.", "Blend and season."],
    tags: ["Soup", "vegetarian"],
    ...overrides,
  };
}

export async function createRecipe(
  ctx: TestContext,
  author: TestUser,
  overrides: Record<string, unknown> = {},
): Promise<Recipe> {
  const response = await ctx.app.inject({
    method: "POST",
    url: "/api/recipes",
    headers: author.headers,
    payload: recipeBody(overrides),
  });
  if (response.statusCode !== 201) throw new Error(`create failed: ${response.body}`);
  return response.json();
}
