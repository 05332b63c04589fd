import { sql } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTestApp, type TestContext } from "../../../test/helpers/app.ts";
import { resetDatabase } from "../../../test/helpers/database.ts";
import { spawnEntry } from "../../../test/helpers/process.ts";
import { demoUsersReport, seedRecipes } from "./recipes.seed.ts";

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
    expect(first.usersCreated).toHaveLength(5);
    expect(second).toMatchObject({ usersCreated: [], password: null });

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

describe("seedRecipes: the demo users' password", () => {
  beforeEach(() => resetDatabase(ctx.deps.database));

  it("is random per run, printed once, kept only as a hash, and left alone by a second run", async () => {
    const first = await seedRecipes(ctx.deps, { count: 0 });
    const password = first.password as string;
    expect(password).toMatch(/^[\w-]{24}$/);
    const admin = first.users.find((user) => user.role === "admin");
    expect(await ctx.deps.users.verifyCredentials(admin?.email ?? "", password)).toBeDefined();
    const [clear] = await ctx.deps.database.rows<{ n: number }>(
      sql`select count(*)::int as n from users u where strpos(row_to_json(u)::text, ${password}) > 0`,
    );
    expect(clear?.n).toBe(0);
    const report = demoUsersReport(first);
    expect(report.split(password)).toHaveLength(2);
    expect(report).toContain("admin@demo.stratum.test  (admin)");

    const second = await seedRecipes(ctx.deps, { count: 0 });
    expect(second.password).toBeNull();
    expect(await ctx.deps.users.verifyCredentials(admin?.email ?? "", password)).toBeDefined();
    expect(demoUsersReport(second)).toMatch(/already existed, left unchanged/);
    expect(demoUsersReport(second)).not.toContain(password);

    await resetDatabase(ctx.deps.database);
    const fresh = await seedRecipes(ctx.deps, { count: 0 });
    expect(fresh.password).not.toBe(password);
  });

  it("is never set in production: the seed refuses before it creates anything", async () => {
    const production = { ...ctx.deps, config: { isProduction: true } };
    await expect(seedRecipes(production, { count: 3 })).rejects.toThrow(/NODE_ENV=production/);
    const [users] = await ctx.deps.database.rows<{ n: number }>(
      sql`select count(*)::int as n from users`,
    );
    expect(users?.n).toBe(0);
  });

  it("`npm run db:seed` exits 1 with one line in production, before it opens the database", async () => {
    const spawned = spawnEntry("src/cli.ts", ["db:seed"], {
      NODE_ENV: "production",
      JWT_SECRET: "seed-test-secret-that-is-at-least-32-bytes",
      // Nothing listens there: the refusal must come first.
      DATABASE_URL: "postgres://stratum@127.0.0.1:1/stratum",
    });
    expect(await spawned.exited).toBe(1);
    expect(spawned.output()).toMatch(/^db:seed refuses to run with NODE_ENV=production: .+\n$/);
  }, 60_000);
});
