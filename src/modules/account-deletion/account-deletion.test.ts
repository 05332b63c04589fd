import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectProblem, randomIp } from "../../../test/factories/auth.ts";
import { createRecipe, signUp, type TestUser } from "../../../test/factories/recipes.ts";
import { bearer, createUser, strongPassword, uniqueEmail } from "../../../test/factories/users.ts";
import { createTestApp, type TestContext } from "../../../test/helpers/app.ts";
import { drainQueue, queuedJobs } from "../../../test/helpers/queue.ts";
import { createAccountDeletionService } from "./account-deletion.service.ts";

const TABLES = [
  "users",
  "recipes",
  "ratings",
  "favorites",
  "sessions",
  "data_exports",
  "audit_events",
] as const;

type Counts = Record<(typeof TABLES)[number], number>;

async function rowCounts(ctx: TestContext): Promise<Counts> {
  const counts = {} as Counts;
  for (const table of TABLES) {
    const [row] = await ctx.deps.database.rows<{ count: number }>(
      sql`select count(*)::int as count from ${sql.identifier(table)}`,
    );
    counts[table] = row?.count ?? 0;
  }
  return counts;
}

async function quickCount(ctx: TestContext): Promise<number> {
  const tags = (await ctx.app.inject({ method: "GET", url: "/api/tags?limit=100" })).json();
  return tags.items.find((tag: { name: string }) => tag.name === "quick")?.count ?? 0;
}

/** A user who owns a bit of everything, and a neighbour whose recipe they rated and favorited. */
async function populatedUser(ctx: TestContext) {
  const created = await createUser(ctx);
  const leaver: TestUser = {
    id: created.user.id,
    name: "",
    role: "user",
    headers: bearer(created.accessToken),
  };
  const neighbour = await signUp(ctx);
  const theirs = await createRecipe(ctx, neighbour, { tags: ["bread"] });
  const mine = await createRecipe(ctx, leaver, { tags: ["bread", "quick"] });
  const other = await signUp(ctx);
  const inject = (user: TestUser, method: "PUT", url: string, payload?: object) =>
    ctx.app.inject({ method, url, headers: user.headers, payload });
  await inject(leaver, "PUT", `/api/recipes/${theirs.id}/rating`, { stars: 1 });
  await inject(other, "PUT", `/api/recipes/${theirs.id}/rating`, { stars: 5 });
  await inject(leaver, "PUT", `/api/recipes/${theirs.id}/favorite`);
  await inject(neighbour, "PUT", `/api/recipes/${mine.id}/rating`, { stars: 3 });
  await inject(neighbour, "PUT", `/api/recipes/${mine.id}/favorite`);
  await ctx.app.inject({ method: "POST", url: "/api/me/exports", headers: leaver.headers });
  await drainQueue(ctx.deps);
  return { created, leaver, neighbour, theirs, mine };
}

describe("DELETE /api/me", () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestApp();
  });
  afterAll(() => ctx.close());

  it("returns 403 invalid_password for a wrong password, audits it and changes nothing else", async () => {
    const { leaver } = await populatedUser(ctx);
    const before = await rowCounts(ctx);
    const response = await ctx.app.inject({
      method: "DELETE",
      url: "/api/me",
      headers: leaver.headers,
      payload: { password: "not my password" },
    });
    expectProblem(response, 403, "invalid_password");
    expect(await rowCounts(ctx)).toEqual({ ...before, audit_events: before.audit_events + 1 });
    const events = await ctx.deps.database.rows<{ type: string; data: { purpose: string } }>(
      sql`select type, data from audit_events where user_id = ${leaver.id} and type = 'password_check_failed'`,
    );
    expect(events).toEqual([
      {
        type: "password_check_failed",
        data: expect.objectContaining({ purpose: "account_deletion" }),
      },
    ]);
    const me = await ctx.app.inject({
      method: "GET",
      url: "/api/auth/me",
      headers: leaver.headers,
    });
    expect(me.statusCode).toBe(200);
  });

  it("disables at once, then the job removes exactly the user's rows and recomputes ratings", async () => {
    const { created, leaver, neighbour, theirs, mine } = await populatedUser(ctx);
    const before = await rowCounts(ctx);
    const quickBefore = await quickCount(ctx);

    const response = await ctx.app.inject({
      method: "DELETE",
      url: "/api/me",
      headers: leaver.headers,
      payload: { password: created.password },
    });
    expect(response.statusCode).toBe(202);
    expect(response.json()).toEqual({ status: "deletion_scheduled" });
    const me = await ctx.app.inject({
      method: "GET",
      url: "/api/auth/me",
      headers: leaver.headers,
    });
    expectProblem(me, 401, "invalid_token");
    const login = await ctx.app.inject({
      method: "POST",
      url: "/api/auth/login",
      payload: { email: created.user.email, password: created.password },
    });
    expectProblem(login, 401, "invalid_credentials");
    expect((await queuedJobs(ctx.deps, "accounts.delete")).at(-1)?.data).toEqual({
      userId: leaver.id,
    });

    await drainQueue(ctx.deps);
    const after = await rowCounts(ctx);
    // The user, their recipe, their rating and the neighbour's rating of it, their favorite and
    // the neighbour's favorite of it, their session, their export. Audit rows stay, and two were
    // added: the account was disabled, and the login attempt above failed.
    expect({
      users: before.users - after.users,
      recipes: before.recipes - after.recipes,
      ratings: before.ratings - after.ratings,
      favorites: before.favorites - after.favorites,
      sessions: before.sessions - after.sessions,
      data_exports: before.data_exports - after.data_exports,
      audit_events: after.audit_events - before.audit_events,
    }).toEqual({
      users: 1,
      recipes: 1,
      ratings: 2,
      favorites: 2,
      sessions: 1,
      data_exports: 1,
      audit_events: 2,
    });

    const rated = await ctx.app.inject({
      method: "GET",
      url: `/api/recipes/${theirs.id}`,
      headers: neighbour.headers,
    });
    expect(rated.json().rating).toEqual({ average: 5, count: 1 });
    const gone = await ctx.app.inject({
      method: "GET",
      url: `/api/recipes/${mine.id}`,
      headers: neighbour.headers,
    });
    expect(gone.statusCode).toBe(404);
    const [{ pseudonymous, remaining }] = (await ctx.deps.database.rows<{
      pseudonymous: number;
      remaining: number;
    }>(
      sql`select
            count(*) filter (where data->>'subject' like 'deleted-user:%')::int as pseudonymous,
            count(*) filter (where user_id = ${leaver.id})::int as remaining
          from audit_events`,
    )) as [{ pseudonymous: number; remaining: number }];
    expect(pseudonymous).toBeGreaterThan(0);
    expect(remaining).toBe(0);
    expect(await quickCount(ctx)).toBe(quickBefore - 1);
  });

  it("leaves the address, IP and user agent in no table of the project once the job ran", async () => {
    const email = uniqueEmail();
    const password = strongPassword();
    const ip = randomIp();
    const userAgent = `leaver-agent/${randomUUID()}`;
    const post = (url: string, payload?: object, headers: Record<string, string> = {}) =>
      ctx.app.inject({
        method: "POST",
        url,
        payload,
        headers: { "user-agent": userAgent, ...headers },
        remoteAddress: ip,
      });
    const registered = await post("/api/auth/register", { email, password, name: "Leaver" });
    expect(registered.statusCode).toBe(201);
    await post("/api/auth/login", { email, password: "wrong password here" });
    await post("/api/auth/password/forgot", { email });
    await ctx.app.inject({
      method: "POST",
      url: "/api/me/exports",
      headers: bearer(registered.json().accessToken),
    });
    await drainQueue(ctx.deps);
    const login = await post("/api/auth/login", { email, password });
    const deleted = await ctx.app.inject({
      method: "DELETE",
      url: "/api/me",
      headers: { ...bearer(login.json().accessToken), "user-agent": userAgent },
      remoteAddress: ip,
      payload: { password },
    });
    expect(deleted.statusCode).toBe(202);
    await drainQueue(ctx.deps);

    const tables = await ctx.deps.database.rows<{ name: string }>(
      sql`select table_name as name from information_schema.tables
          where table_schema = 'public' and table_type = 'BASE TABLE'`,
    );
    expect(tables.length).toBeGreaterThan(5);
    const found: string[] = [];
    for (const { name } of tables) {
      for (const value of [email, `"${ip}"`, userAgent]) {
        const [row] = await ctx.deps.database.rows<{ count: number }>(
          sql`select count(*)::int as count from ${sql.identifier(name)} as t
              where row_to_json(t)::text ilike ${`%${value}%`}`,
        );
        if (row?.count) found.push(`${name}: ${value}`);
      }
    }
    expect(found).toEqual([]);
    const payloads = JSON.stringify((await queuedJobs(ctx.deps)).map((job) => job.data));
    expect(payloads).not.toContain(email);
  });

  it("finishes what a crashed run left: a rerun after a failure mid-way completes", async () => {
    const { created, leaver } = await populatedUser(ctx);
    await ctx.app.inject({
      method: "DELETE",
      url: "/api/me",
      headers: leaver.headers,
      payload: { password: created.password },
    });
    let crashes = 1;
    const flaky = createAccountDeletionService({
      db: ctx.deps.db,
      logger: ctx.deps.logger,
      audit: ctx.deps.audit,
      queue: ctx.deps.queue,
      users: { ...ctx.deps.usersAccount, verifyPassword: async () => true },
      steps: [
        { name: "ratings", run: (id) => ctx.deps.ratings.removeAllByUser(id) },
        {
          name: "crash",
          run: async () => {
            if (crashes-- > 0) throw new Error("worker died");
            return 0;
          },
        },
        { name: "recipes", run: (id) => ctx.deps.recipesAccount.removeAllByAuthor(id) },
        { name: "exports", run: (id) => ctx.deps.exports.removeAllForUser(id) },
      ],
    });
    await expect(flaky.run(leaver.id)).rejects.toThrow("worker died");
    await flaky.run(leaver.id);
    const [user] = await ctx.deps.database.rows(sql`select id from users where id = ${leaver.id}`);
    expect(user).toBeUndefined();
    await drainQueue(ctx.deps);
  });
});
