import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect } from "vitest";
import { enableTotp } from "../../../test/factories/totp.ts";
import { bearer, type CreatedUser, createUser } from "../../../test/factories/users.ts";
import { createTestApp, type TestContext } from "../../../test/helpers/app.ts";
import { authzMatrix } from "../../../test/helpers/authz-matrix.ts";
import { sessions } from "./auth.table.ts";
import { mfaTotp } from "./mfa.table.ts";

type Actor = "owner" | "other" | "anonymous";

let ctx: TestContext;

/**
 * The owner has two-step sign-in on; the other user has not. Each acts on their own account
 * only (there is no id in these routes): what differs is whether their session is fresh.
 */
const matrix = authzMatrix({
  module: "auth-mfa",
  app: () => ctx.app,
  actors: ["owner", "other", "anonymous"] as const,
  routes: {
    status: { method: "GET", path: "/api/auth/mfa" },
    start: { method: "POST", path: "/api/auth/mfa/totp" },
    disable: { method: "DELETE", path: "/api/auth/mfa/totp" },
    codes: { method: "POST", path: "/api/auth/mfa/recovery-codes" },
  },
  // Expected status, for [owner, other, anonymous].
  expected: {
    "fresh session": {
      status: [200, 200, 401],
      start: [409, 201, 401],
      disable: [204, 409, 401],
      codes: [200, 409, 401],
    },
    "session signed in 10 minutes ago": {
      status: [200, 200, 401],
      start: [403, 403, 401],
      disable: [403, 403, 401],
      codes: [403, 403, 401],
    },
  },
});

/** An admin turns a user's app off: the way back for a user who lost it and every code. */
const resetMatrix = authzMatrix({
  module: "auth-mfa-reset",
  app: () => ctx.app,
  actors: ["admin", "user", "anonymous"] as const,
  routes: { reset: { method: "DELETE", path: "/api/admin/users/:id/mfa" } },
  // Expected status, for [admin, user, anonymous].
  expected: {
    "user with an app": { reset: [204, 403, 401] },
    "user without one": { reset: [409, 403, 401] },
    "unknown id": { reset: [404, 403, 401] },
  },
});

beforeAll(async () => {
  ctx = await createTestApp();
});
afterAll(() => ctx.close());

async function age(user: CreatedUser) {
  const tenMinutesAgo = new Date(Date.now() - 10 * 60_000);
  await ctx.deps.db
    .update(sessions)
    .set({ authenticatedAt: tenMinutesAgo })
    .where(eq(sessions.userId, user.user.id));
}

describe("authorization matrix for /api/auth/mfa", () => {
  matrix.run("$route: a $variant of $actor answers $expected", async (cell, send) => {
    const owner = await createUser(ctx);
    await enableTotp(ctx, owner.accessToken);
    const other = await createUser(ctx);
    if (cell.variant !== "fresh session") await Promise.all([age(owner), age(other)]);
    const headers: Record<Actor, Record<string, string>> = {
      owner: bearer(owner.accessToken),
      other: bearer(other.accessToken),
      anonymous: {},
    };

    const response = await send({ headers: headers[cell.actor] });

    // The owner's app is gone only when the owner turned it off from a fresh session.
    const [ownerApp] = await ctx.deps.db
      .select()
      .from(mfaTotp)
      .where(eq(mfaTotp.userId, owner.user.id));
    const turnedOff = cell.route === "disable" && response.statusCode === 204;
    expect(ownerApp?.confirmedAt ? "on" : "off").toBe(turnedOff ? "off" : "on");
    if (response.statusCode >= 400 && cell.actor !== "anonymous") {
      const codes: Record<number, string> = {
        403: "reauthentication_required",
        409: cell.route === "start" ? "mfa_already_enabled" : "mfa_not_enabled",
      };
      expect(response.json().code).toBe(codes[response.statusCode]);
    }
  });
});

describe("authorization matrix for DELETE /api/admin/users/:id/mfa", () => {
  resetMatrix.run("$route: a $variant by $actor answers $expected", async (cell, send) => {
    const target = await createUser(ctx);
    if (cell.variant === "user with an app") await enableTotp(ctx, target.accessToken);
    const admin = await createUser(ctx, { role: "admin" });
    const user = await createUser(ctx);
    const headers: Record<string, Record<string, string>> = {
      admin: bearer(admin.accessToken),
      user: bearer(user.accessToken),
      anonymous: {},
    };
    const id = cell.variant === "unknown id" ? randomUUID() : target.user.id;

    const response = await send({ params: { id }, headers: headers[cell.actor] ?? {} });

    const [app] = await ctx.deps.db
      .select()
      .from(mfaTotp)
      .where(eq(mfaTotp.userId, target.user.id));
    const had = cell.variant === "user with an app";
    expect(Boolean(app?.confirmedAt)).toBe(had && response.statusCode !== 204);
    if (response.statusCode === 404) expect(response.json().code).toBe("user_not_found");
    if (response.statusCode === 409) expect(response.json().code).toBe("mfa_not_enabled");
  });
});
