import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectProblem, manualClock } from "../../../test/factories/auth.ts";
import { anonymous, createRecipe, signUp, type TestUser } from "../../../test/factories/recipes.ts";
import { bearer, createUser } from "../../../test/factories/users.ts";
import { createTestApp, type TestContext } from "../../../test/helpers/app.ts";
import { drainQueue, queuedJobs } from "../../../test/helpers/queue.ts";
import { registerPasskey } from "../../../test/helpers/webauthn.ts";
import { userIdentities } from "../auth/identities.table.ts";

describe("data exports", () => {
  let ctx: TestContext;
  const clock = manualClock(new Date("2026-11-01T10:00:00Z"));
  beforeAll(async () => {
    ctx = await createTestApp({ overrides: { clock } });
  });
  afterAll(() => ctx.close());

  const start = (user: TestUser) =>
    ctx.app.inject({ method: "POST", url: "/api/me/exports", headers: user.headers });
  const read = (user: TestUser, path: string) =>
    ctx.app.inject({ method: "GET", url: path, headers: user.headers });

  it("POST /api/me/exports → 202 queued, then the job builds a file to download", async () => {
    const alice = await signUp(ctx);
    const bob = await signUp(ctx);
    const own = await createRecipe(ctx, alice, {
      title: "Alice's private stew",
      visibility: "private",
    });
    const bobsPublic = await createRecipe(ctx, bob, { title: "Bob's public bread" });
    await createRecipe(ctx, bob, { title: "Bob's secret sauce", visibility: "private" });
    await ctx.app.inject({
      method: "PUT",
      url: `/api/recipes/${bobsPublic.id}/favorite`,
      headers: alice.headers,
    });
    await ctx.app.inject({
      method: "PUT",
      url: `/api/recipes/${bobsPublic.id}/rating`,
      headers: alice.headers,
      payload: { stars: 4, comment: "Crusty." },
    });
    const token = (alice.headers.authorization ?? "").replace(/^Bearer /, "");
    const { authenticator, passkey } = await registerPasskey(ctx.app, token, "Alice's laptop");

    await ctx.deps.db
      .insert(userIdentities)
      .values({ userId: alice.id, provider: "github", subject: "42", email: "a@users.example" });

    const started = await start(alice);
    expect(started.statusCode).toBe(202);
    const body = started.json();
    expect(body).toMatchObject({
      status: "queued",
      downloadUrl: null,
      sizeBytes: null,
      finishedAt: null,
    });
    expect(started.headers.location).toBe(`/api/me/exports/${body.id}`);
    expect((await queuedJobs(ctx.deps, "exports.build")).map((job) => job.data)).toContainEqual({
      exportId: body.id,
    });

    await drainQueue(ctx.deps);
    const status = (await read(alice, `/api/me/exports/${body.id}`)).json();
    expect(status).toMatchObject({
      id: body.id,
      status: "succeeded",
      downloadUrl: `/api/me/exports/${body.id}/download`,
    });
    expect(status.sizeBytes).toBeGreaterThan(100);

    const download = await read(alice, status.downloadUrl);
    expect(download.statusCode).toBe(200);
    expect(download.headers["content-type"]).toMatch(/^application\/json/);
    expect(download.headers["content-disposition"]).toMatch(
      /^attachment; filename="stratum-export-2026-11-01\.json"$/,
    );
    expect(Buffer.byteLength(download.body)).toBe(status.sizeBytes);
    const document = download.json();
    expect(document.profile).toMatchObject({ id: alice.id, name: alice.name });
    expect(document.recipes.map((r: { id: string }) => r.id)).toEqual([own.id]);
    expect(document.recipes[0]).toMatchObject({
      title: "Alice's private stew",
      steps: own.steps,
      tags: own.tags,
    });
    expect(document.recipes[0].ingredients).toHaveLength(own.ingredients.length);
    expect(document.favorites).toEqual([
      { recipeId: bobsPublic.id, createdAt: expect.any(String) },
    ]);
    expect(document.ratings).toEqual([
      expect.objectContaining({ recipeId: bobsPublic.id, stars: 4, comment: "Crusty." }),
    ]);
    expect(document.sessions.length).toBeGreaterThan(0);
    expect(document.sessions[0]).toEqual(
      expect.objectContaining({ id: expect.any(String), userAgent: "factory", ip: "127.0.0.1" }),
    );
    expect(document.passkeys).toEqual([
      {
        id: passkey.id,
        name: "Alice's laptop",
        createdAt: "2026-11-01T10:00:00.000Z",
        lastUsedAt: null,
        deviceType: "singleDevice",
        backedUp: false,
      },
    ]);
    expect(download.body).not.toContain(authenticator.credentialId);
    expect(document.identities).toEqual([
      {
        provider: "github",
        subject: "42",
        email: "a@users.example",
        createdAt: expect.any(String),
        lastUsedAt: null,
      },
    ]);
    expect(download.body).not.toMatch(/secret sauce|passwordHash|password_hash|tokenHash|\$argon2/);
    expect(download.body).not.toMatch(/publicKey|credentialId/);
  });

  it("returns the export in progress instead of starting a second one", async () => {
    const user = await signUp(ctx);
    const first = (await start(user)).json();
    const second = await start(user);
    expect(second.statusCode).toBe(202);
    expect(second.json().id).toBe(first.id);
    await drainQueue(ctx.deps);
  });

  it("answers 409 export_not_ready for a download before the export finished", async () => {
    const user = await signUp(ctx);
    const started = (await start(user)).json();
    expectProblem(
      await read(user, `/api/me/exports/${started.id}/download`),
      409,
      "export_not_ready",
    );
    await drainQueue(ctx.deps);
  });

  it("keeps each user's exports to that user (404 for anyone else)", async () => {
    const owner = await signUp(ctx);
    const other = await signUp(ctx);
    const started = (await start(owner)).json();
    await drainQueue(ctx.deps);
    expectProblem(await read(other, `/api/me/exports/${started.id}`), 404, "export_not_found");
    expectProblem(
      await read(other, `/api/me/exports/${started.id}/download`),
      404,
      "export_not_found",
    );
    const list = (await read(other, "/api/me/exports")).json();
    expect(list.items.map((e: { id: string }) => e.id)).not.toContain(started.id);
    expect((await read(owner, "/api/me/exports")).json().items[0].id).toBe(started.id);
  });

  it("requires a signed-in caller", async () => {
    expectProblem(await start(anonymous), 401, "unauthorized");
  });

  it("allows 5 exports a day, then 429 with Retry-After", async () => {
    const user = await signUp(ctx);
    for (let i = 0; i < 5; i++) {
      expect((await start(user)).statusCode).toBe(202);
      await drainQueue(ctx.deps);
    }
    const sixth = await start(user);
    expectProblem(sixth, 429, "export_limit_reached");
    expect(Number(sixth.headers["retry-after"])).toBeGreaterThan(0);
    const page = (await read(user, "/api/me/exports?limit=2")).json();
    expect(page.items).toHaveLength(2);
    const next = (await read(user, `/api/me/exports?limit=2&cursor=${page.nextCursor}`)).json();
    expect(next.items.map((e: { id: string }) => e.id)).not.toContain(page.items[0].id);
  });

  it("expires after 7 days: the link goes, and the cleanup job deletes the file and the row", async () => {
    const created = await createUser(ctx);
    const user: TestUser = {
      id: created.user.id,
      name: "",
      role: "user",
      headers: bearer(created.accessToken),
    };
    const started = (await start(user)).json();
    await drainQueue(ctx.deps);
    clock.advance(7 * 24 * 60 * 60 * 1000 + 1_000);
    // The access token expired with the days that passed: sign in again.
    const login = await ctx.app.inject({
      method: "POST",
      url: "/api/auth/login",
      payload: { email: created.user.email, password: created.password },
    });
    user.headers = bearer(login.json().accessToken);
    const status = (await read(user, `/api/me/exports/${started.id}`)).json();
    expect(status).toMatchObject({ status: "succeeded", downloadUrl: null });
    expectProblem(
      await read(user, `/api/me/exports/${started.id}/download`),
      409,
      "export_not_ready",
    );

    await ctx.deps.queue.send("maintenance.cleanup", {});
    await drainQueue(ctx.deps);
    expectProblem(await read(user, `/api/me/exports/${started.id}`), 404, "export_not_found");
    await expect(ctx.deps.storage.get(`exports/${user.id}/${started.id}.json`)).rejects.toThrow();
  });
});
