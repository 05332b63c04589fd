import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { recipeBody } from "../../../test/factories/recipes.ts";
import { bearer, createUser, uniqueEmail } from "../../../test/factories/users.ts";
import { createTestApp, type TestContext } from "../../../test/helpers/app.ts";
import { authzMatrix } from "../../../test/helpers/authz-matrix.ts";
import { type GraphqlOperations, graphqlColumn } from "../../../test/helpers/graphql-matrix.ts";
import { drainQueue } from "../../../test/helpers/queue.ts";
import { createPasswordHasher } from "../../lib/passwords.ts";
import { CreateRecipeBody } from "../recipes/recipes.schema.ts";
import { recipes } from "../recipes/recipes.table.ts";
import { users } from "../users/users.table.ts";

// REQUIRE_VERIFIED_EMAIL=true, through both doors: an account whose email is not verified reads,
// signs out and uses its account flows, and every other write is 403 `email_not_verified`.

const actors = ["verified", "unverified", "anonymous"] as const;
type Actor = (typeof actors)[number];
type Route = keyof typeof routes;

const routes = {
  create: { method: "POST", path: "/api/recipes", payload: recipeBody() },
  update: { method: "PATCH", path: "/api/recipes/:id", payload: { title: "Changed" } },
  delete: { method: "DELETE", path: "/api/recipes/:id" },
  rate: { method: "PUT", path: "/api/recipes/:id/rating", payload: { stars: 4 } },
  unrate: { method: "DELETE", path: "/api/recipes/:id/rating" },
  favorite: { method: "PUT", path: "/api/recipes/:id/favorite" },
  unfavorite: { method: "DELETE", path: "/api/recipes/:id/favorite" },
  export: { method: "POST", path: "/api/me/exports" },
  me: { method: "GET", path: "/api/auth/me" },
  updateMe: { method: "PATCH", path: "/api/auth/me", payload: { name: "Renamed" } },
  shoppingList: { method: "POST", path: "/api/shopping-list" },
  resend: { method: "POST", path: "/api/auth/email/resend" },
  endOthers: { method: "POST", path: "/api/auth/sessions/end-others" },
  changeEmail: { method: "POST", path: "/api/auth/email/change" },
  logout: { method: "POST", path: "/api/auth/logout" },
  passkeyOptions: { method: "POST", path: "/api/auth/passkeys/registration/options" },
  mfaStart: { method: "POST", path: "/api/auth/mfa/totp" },
} as const;

const PASSWORD = "a long passphrase of mine";
let ctx: TestContext;
let target: string;
const app = () => ctx.app;

const spec = {
  module: "verified-email",
  app,
  actors,
  routes,
  // For [verified, unverified, anonymous].
  expected: {
    "REQUIRE_VERIFIED_EMAIL=true": {
      create: [201, 403, 401],
      update: [200, 403, 401],
      delete: [204, 403, 401],
      rate: [200, 403, 401],
      unrate: [204, 403, 401],
      favorite: [204, 403, 401],
      unfavorite: [204, 403, 401],
      export: [202, 403, 401],
      me: [200, 200, 401],
      updateMe: [200, 200, 401],
      shoppingList: [200, 200, 401],
      resend: [202, 202, 401],
      endOthers: [200, 200, 401],
      changeEmail: [202, 202, 401],
      logout: [204, 204, 401],
      passkeyOptions: [200, 200, 401],
      mfaStart: [201, 201, 401],
    },
  },
} as const;

const matrix = authzMatrix(spec);

beforeAll(async () => {
  ctx = await createTestApp({
    env: { REQUIRE_VERIFIED_EMAIL: "true" },
    // Authorization is under test, not hashing.
    overrides: { hasher: createPasswordHasher({ memoryCost: 1_024, timeCost: 1, parallelism: 1 }) },
  });
  const cook = await createUser(ctx);
  await ctx.deps.db
    .update(users)
    .set({ emailVerifiedAt: new Date() })
    .where(eq(users.id, cook.user.id));
  const created = await ctx.app.inject({
    method: "POST",
    url: "/api/recipes",
    headers: bearer(cook.accessToken),
    payload: recipeBody(),
  });
  target = created.json().id;
});
afterAll(async () => {
  await drainQueue(ctx.deps);
  await ctx.close();
});

/** A fresh caller per cell (resend is limited per account); its own recipe, made by the service. */
async function arrange(actor: Actor) {
  const caller = await createUser(ctx, { password: PASSWORD });
  const verified = actor !== "unverified";
  if (verified) {
    await ctx.deps.db
      .update(users)
      .set({ emailVerifiedAt: new Date() })
      .where(eq(users.id, caller.user.id));
  }
  const self = { userId: caller.user.id, role: "user" as const, sessionId: randomUUID() };
  const input = CreateRecipeBody.parse(recipeBody());
  const own = await ctx.deps.recipes.create({ ...self, emailVerified: true }, input);
  const headers = actor === "anonymous" ? {} : bearer(caller.accessToken);
  return { headers, id: own.id, userId: caller.user.id };
}

/** The payloads that name the shared recipe, known only once it exists. */
const payloadOf = (route: Route) =>
  route === "shoppingList"
    ? { recipes: [{ id: target }] }
    : route === "changeEmail"
      ? { newEmail: uniqueEmail("new"), password: PASSWORD }
      : undefined;
/** Ratings and favorites go to another cook's recipe; changes and deletion to the caller's. */
const paramsOf = (route: Route, own: string) => ({
  id: ["rate", "unrate", "favorite", "unfavorite"].includes(route) ? target : own,
});

const recipeCount = async (userId: string) =>
  (await ctx.deps.db.select().from(recipes).where(eq(recipes.authorId, userId))).length;

describe("REQUIRE_VERIFIED_EMAIL=true, REST", () => {
  matrix.run("$route by a $actor caller answers $expected", async (cell, send) => {
    const { headers, id, userId } = await arrange(cell.actor);
    const before = await recipeCount(userId);

    const response = await send({
      headers,
      params: paramsOf(cell.route, id),
      payload: payloadOf(cell.route),
    });

    if (cell.expected === 403) {
      expect(response.json().code).toBe("email_not_verified");
      expect(await recipeCount(userId)).toBe(before);
    }
  });
});

const operations: GraphqlOperations<Route> = {
  create: {
    field: "createRecipe",
    document: "mutation ($input: CreateRecipeInput!) { createRecipe(input: $input) { id } }",
  },
  update: {
    field: "updateRecipe",
    document: `mutation ($id: ID!) { updateRecipe(id: $id, input: { title: "Changed" }) { id } }`,
  },
  delete: { field: "deleteRecipe", document: "mutation ($id: ID!) { deleteRecipe(id: $id) }" },
  rate: {
    field: "rateRecipe",
    document: "mutation ($target: ID!) { rateRecipe(id: $target, input: { stars: 4 }) { stars } }",
  },
  unrate: {
    field: "unrateRecipe",
    document: "mutation ($target: ID!) { unrateRecipe(id: $target) }",
  },
  favorite: {
    field: "favoriteRecipe",
    document: "mutation ($target: ID!) { favoriteRecipe(id: $target) }",
  },
  unfavorite: {
    field: "unfavoriteRecipe",
    document: "mutation ($target: ID!) { unfavoriteRecipe(id: $target) }",
  },
  export: { field: "requestExport", document: "mutation { requestExport { id } }" },
  me: { field: "me", document: "{ me { id } }" },
  updateMe: null,
  shoppingList: {
    field: "shoppingList",
    document:
      "query ($target: ID!) { shoppingList(recipes: [{ id: $target }]) { items { name } } }",
  },
  resend: null,
  endOthers: null,
  changeEmail: null,
  logout: null,
  passkeyOptions: null,
  mfaStart: null,
};

describe("REQUIRE_VERIFIED_EMAIL=true, GraphQL", () => {
  const column = graphqlColumn(spec, operations);
  column.run("$route by a $actor caller answers as REST's $expected", async (cell, ask) => {
    const { headers, id, userId } = await arrange(cell.actor);
    const before = await recipeCount(userId);

    const answer = await ask({
      headers,
      variables: cell.route === "create" ? { input: recipeBody() } : { id, target },
      params: paramsOf(cell.route, id),
      payload: payloadOf(cell.route),
    });

    if (cell.expected === 403) {
      expect(answer.errors?.[0]?.extensions.code).toBe("email_not_verified");
      expect(await recipeCount(userId)).toBe(before);
    }
  });
});

describe("REQUIRE_VERIFIED_EMAIL=true, an unverified account", () => {
  it("changes its password and deletes itself", async () => {
    const { accessToken, password } = await createUser(ctx);
    const newPassword = "another long passphrase of mine";
    const changed = await ctx.app.inject({
      method: "POST",
      url: "/api/auth/password",
      headers: bearer(accessToken),
      payload: { currentPassword: password, newPassword },
    });
    expect(changed.statusCode).toBe(204);
    const deleted = await ctx.app.inject({
      method: "DELETE",
      url: "/api/me",
      headers: bearer(accessToken),
      payload: { password: newPassword },
    });
    expect(deleted.statusCode).toBe(202);
  });

  it("writes with the same access token once the email is verified", async () => {
    const { user, accessToken } = await createUser(ctx);
    const create = () =>
      ctx.app.inject({
        method: "POST",
        url: "/api/recipes",
        headers: bearer(accessToken),
        payload: recipeBody(),
      });
    expect((await create()).statusCode).toBe(403);
    await ctx.deps.db
      .update(users)
      .set({ emailVerifiedAt: new Date() })
      .where(eq(users.id, user.id));
    expect((await create()).statusCode).toBe(201);
  });
});

describe("REQUIRE_VERIFIED_EMAIL unset", () => {
  it("lets an unverified account write, through both doors", async () => {
    const open = await createTestApp();
    try {
      const { accessToken } = await createUser(open);
      const rest = await open.app.inject({
        method: "POST",
        url: "/api/recipes",
        headers: bearer(accessToken),
        payload: recipeBody(),
      });
      expect(rest.statusCode).toBe(201);
      const graphql = await open.app.inject({
        method: "POST",
        url: "/graphql",
        headers: bearer(accessToken),
        payload: {
          query: "mutation ($input: CreateRecipeInput!) { createRecipe(input: $input) { id } }",
          variables: { input: recipeBody() },
        },
      });
      expect(graphql.json().errors).toBeUndefined();
      expect(graphql.json().data.createRecipe.id).toEqual(expect.any(String));
    } finally {
      await open.close();
    }
  });
});
