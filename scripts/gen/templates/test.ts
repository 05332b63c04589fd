import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
// gen:if owned
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
// gen:end
// gen:if !owned
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
// gen:end
import { expectProblem } from "../../../test/factories/auth.ts";
import { __factoryImports__ } from "../../../test/factories/__module__.ts";
import { bearer, createUser } from "../../../test/factories/users.ts";
// gen:each patchFactoryImport
import { createProject } from "../../../test/factories/projects.ts";
// gen:end
import { createTestApp, type TestContext } from "../../../test/helpers/app.ts";
// gen:if owned
import { drainQueue } from "../../../test/helpers/queue.ts";
// gen:end
import type { Role } from "../../lib/actor.ts";
import { __names__ } from "./__module__.table.ts";

let ctx: TestContext;
let alice: FactoryUser;
// gen:if owned
let bob: FactoryUser;
let admin: FactoryUser;
// gen:end
const anonymous = { headers: {} };

async function signUp(role: Role = "user"): Promise<FactoryUser> {
  const name = `User ${randomUUID().slice(0, 8)}`;
  const { user, accessToken } = await createUser(ctx, { role, name });
  return { id: user.id, name, role, headers: bearer(accessToken) };
}

const inject = (
  user: { headers: Record<string, string> },
  method: "GET" | "POST" | "PATCH" | "DELETE",
  url: string,
  payload?: object,
  headers: Record<string, string> = {},
) => ctx.app.inject({ method, url, payload, headers: { ...user.headers, ...headers } });

beforeAll(async () => {
  ctx = await createTestApp();
  alice = await signUp();
  // gen:if owned
  bob = await signUp();
  admin = await signUp("admin");
  // gen:end
});
afterAll(() => ctx.close());
// Lists count rows, so each test starts without any __labels__ (the users stay).
beforeEach(async () => {
  await ctx.deps.db.delete(__names__);
});

describe("POST /api/__module__", () => {
  it("creates a __label__ and answers 201 with Location and ETag", async () => {
    // gen:if refs
    const body = await __name__Body(ctx, alice);
    // gen:end
    // gen:if !refs
    const body = __name__Body();
    // gen:end
    const response = await inject(alice, "POST", "/api/__module__", body);
    expect(response.statusCode).toBe(201);
    const created = response.json();
    expect(response.headers.location).toBe(`/api/__module__/${created.id}`);
    expect(response.headers.etag).toBe('"1"');
    expect(created).toMatchObject({ ...body, version: 1 });
    // gen:if owned
    expect(created.ownerId).toBe(alice.id);
    // gen:end
    const rows = await ctx.deps.db.select().from(__names__).where(eq(__names__.id, created.id));
    expect(rows).toHaveLength(1);
  });

  it("returns 401 without a signed-in caller and stores nothing", async () => {
    // gen:if refs
    const body = await __name__Body(ctx, alice);
    // gen:end
    // gen:if !refs
    const body = __name__Body();
    // gen:end
    expectProblem(await inject(anonymous, "POST", "/api/__module__", body), 401, "unauthorized");
    expect(await ctx.deps.db.select().from(__names__)).toEqual([]);
  });

  it.each([
    // gen:each invalidCase
    ["a title over 200 characters", { title: "x".repeat(201) }],
    // gen:end
  ])("returns 400 for %s", async (_case, override) => {
    // gen:if refs
    const body = await __name__Body(ctx, alice, override);
    // gen:end
    // gen:if !refs
    const body = __name__Body(override);
    // gen:end
    const response = await inject(alice, "POST", "/api/__module__", body);
    expectProblem(response, 400, "validation_failed");
  });
  // gen:if refs

  it("returns 400 when a referenced row does not exist", async () => {
    const body = await __name__Body(ctx, alice, { __refField__: randomUUID() });
    const response = await inject(alice, "POST", "/api/__module__", body);
    expectProblem(response, 400, "reference_not_found");
  });
  // gen:end
});

describe("GET /api/__module__/:id", () => {
  it("answers 200 with the ETag of its version", async () => {
    const created = await create__Name__(ctx, alice);
    const response = await inject(alice, "GET", `/api/__module__/${created.id}`);
    expect(response.statusCode).toBe(200);
    expect(response.headers.etag).toBe('"1"');
    expect(response.json()).toEqual(created);
  });

  it("answers 404 for an id that does not exist", async () => {
    const response = await inject(alice, "GET", `/api/__module__/${randomUUID()}`);
    expectProblem(response, 404, "__code___not_found");
  });
  // gen:if private

  it("hides someone else's __label__ behind a 404, and needs a signed-in caller", async () => {
    const created = await create__Name__(ctx, alice);
    const url = `/api/__module__/${created.id}`;
    expectProblem(await inject(bob, "GET", url), 404, "__code___not_found");
    expectProblem(await inject(anonymous, "GET", url), 401, "unauthorized");
    expect((await inject(admin, "GET", url)).statusCode).toBe(200);
  });
  // gen:end
  // gen:if public

  it("is readable without signing in", async () => {
    const created = await create__Name__(ctx, alice);
    const response = await inject(anonymous, "GET", `/api/__module__/${created.id}`);
    expect(response.statusCode).toBe(200);
  });
  // gen:end
});

describe("PATCH /api/__module__/:id", () => {
  it("changes the fields sent and bumps the version", async () => {
    const created = await create__Name__(ctx, alice);
    const change = __patchBody__;
    const url = `/api/__module__/${created.id}`;
    const response = await inject(alice, "PATCH", url, change, { "if-match": '"1"' });
    expect(response.statusCode).toBe(200);
    expect(response.headers.etag).toBe('"2"');
    expect(response.json()).toMatchObject({ ...change, version: 2 });
  });

  it("returns 412 for a stale If-Match and changes nothing", async () => {
    const created = await create__Name__(ctx, alice);
    const url = `/api/__module__/${created.id}`;
    const change = __patchBody__;
    await inject(alice, "PATCH", url, change);
    const stale = await inject(alice, "PATCH", url, change, { "if-match": '"1"' });
    expectProblem(stale, 412, "version_mismatch");
    expect((await inject(alice, "GET", url)).json().version).toBe(2);
  });

  it("returns 400 for an empty change", async () => {
    const created = await create__Name__(ctx, alice);
    const response = await inject(alice, "PATCH", `/api/__module__/${created.id}`, {});
    expectProblem(response, 400, "validation_failed");
  });

  it("answers 404 for an id that does not exist", async () => {
    const url = `/api/__module__/${randomUUID()}`;
    expectProblem(await inject(alice, "PATCH", url, __patchBody__), 404, "__code___not_found");
  });
  // gen:if owned

  it("lets only the owner and admins change a __label__", async () => {
    const created = await create__Name__(ctx, alice);
    const url = `/api/__module__/${created.id}`;
    const change = __patchBody__;
    // gen:if private
    expectProblem(await inject(bob, "PATCH", url, change), 404, "__code___not_found");
    // gen:end
    // gen:if public
    expectProblem(await inject(bob, "PATCH", url, change), 403, "not___code___owner");
    // gen:end
    expectProblem(await inject(anonymous, "PATCH", url, change), 401, "unauthorized");
    expect((await inject(admin, "PATCH", url, change)).statusCode).toBe(200);
  });
  // gen:end
});

describe("DELETE /api/__module__/:id", () => {
  it("deletes it and answers 204", async () => {
    const created = await create__Name__(ctx, alice);
    const url = `/api/__module__/${created.id}`;
    const response = await inject(alice, "DELETE", url, undefined, { "if-match": '"1"' });
    expect(response.statusCode).toBe(204);
    expectProblem(await inject(alice, "GET", url), 404, "__code___not_found");
  });

  it("returns 412 for a stale If-Match and keeps it", async () => {
    const created = await create__Name__(ctx, alice);
    const url = `/api/__module__/${created.id}`;
    await inject(alice, "PATCH", url, __patchBody__);
    const stale = await inject(alice, "DELETE", url, undefined, { "if-match": '"1"' });
    expectProblem(stale, 412, "version_mismatch");
    expect((await inject(alice, "GET", url)).statusCode).toBe(200);
  });

  it("answers 404 for an id that does not exist", async () => {
    const url = `/api/__module__/${randomUUID()}`;
    expectProblem(await inject(alice, "DELETE", url), 404, "__code___not_found");
  });
  // gen:if owned

  it("refuses anyone but the owner or an admin", async () => {
    const created = await create__Name__(ctx, alice);
    const url = `/api/__module__/${created.id}`;
    // gen:if private
    expectProblem(await inject(bob, "DELETE", url), 404, "__code___not_found");
    // gen:end
    // gen:if public
    expectProblem(await inject(bob, "DELETE", url), 403, "not___code___owner");
    // gen:end
    expectProblem(await inject(anonymous, "DELETE", url), 401, "unauthorized");
    expect((await inject(admin, "DELETE", url)).statusCode).toBe(204);
  });
  // gen:end
});

describe("GET /api/__module__", () => {
  it("pages newest first with a cursor", async () => {
    const ids = new Set<string>();
    for (let i = 0; i < 3; i++) ids.add((await create__Name__(ctx, alice)).id);
    const first = await inject(alice, "GET", "/api/__module__?limit=2");
    expect(first.statusCode).toBe(200);
    const page1 = first.json();
    expect(page1.items).toHaveLength(2);
    expect(page1.nextCursor).toEqual(expect.any(String));
    const url = `/api/__module__?limit=2&cursor=${page1.nextCursor}`;
    const page2 = (await inject(alice, "GET", url)).json();
    expect(page2).toMatchObject({ nextCursor: null });
    const items: { id: string; createdAt: string }[] = [...page1.items, ...page2.items];
    expect(new Set(items.map((item) => item.id))).toEqual(ids);
    const times = items.map((item) => item.createdAt);
    expect(times).toEqual([...times].sort().reverse());
  });

  it("answers 400 for a cursor it did not issue", async () => {
    const response = await inject(alice, "GET", "/api/__module__?cursor=bm90LWEtY3Vyc29y");
    expectProblem(response, 400, "invalid_cursor");
  });
  // gen:if filterTest

  it("filters by __filterField__", async () => {
    const match = await create__Name__(ctx, alice, __filterMatch__);
    await create__Name__(ctx, alice, __filterOther__);
    const response = await inject(alice, "GET", "/api/__module__?__filterQuery__");
    expect(response.statusCode).toBe(200);
    expect(response.json().items.map((item: { id: string }) => item.id)).toEqual([match.id]);
  });
  // gen:end
  // gen:if private

  it("lists only the caller's own __labels__", async () => {
    await create__Name__(ctx, alice);
    const response = await inject(bob, "GET", "/api/__module__");
    expect(response.json()).toEqual({ items: [], nextCursor: null });
  });
  // gen:end
});
// gen:if owned

describe("the owner's account", () => {
  it("puts the owner's __labels__, and only theirs, in their data export", async () => {
    const mine = await create__Name__(ctx, alice);
    await create__Name__(ctx, bob);
    const started = await inject(alice, "POST", "/api/me/exports");
    expect(started.statusCode).toBe(202);
    await drainQueue(ctx.deps);
    const status = (await inject(alice, "GET", `/api/me/exports/${started.json().id}`)).json();
    const document = (await inject(alice, "GET", status.downloadUrl)).json();
    expect(document.__names__).toEqual([mine]);
  });

  it("exports every row of the owner, page after page", async () => {
    const ids = new Set<string>();
    for (let i = 0; i < 3; i++) ids.add((await create__Name__(ctx, alice)).id);
    const exported: string[] = [];
    for await (const row of ctx.deps.__names__.exportRows(alice.id, 2)) exported.push(row.id);
    expect(exported).toHaveLength(3);
    expect(new Set(exported)).toEqual(ids);
  });

  it("deletes the owner's __labels__ in a step of the account deletion job", async () => {
    const { user, accessToken, password } = await createUser(ctx);
    const leaver = { id: user.id, name: user.name, role: user.role, headers: bearer(accessToken) };
    await create__Name__(ctx, leaver);
    const kept = await create__Name__(ctx, alice);
    const step = vi.spyOn(ctx.deps.__names__, "removeAllByOwner");
    try {
      const response = await inject(leaver, "DELETE", "/api/me", { password });
      expect(response.statusCode).toBe(202);
      await drainQueue(ctx.deps);
      expect(step).toHaveBeenCalledWith(leaver.id);
    } finally {
      step.mockRestore();
    }
    const rows = await ctx.deps.db.select().from(__names__);
    expect(rows.map((row) => row.id)).toEqual([kept.id]);
  });
});
// gen:end
