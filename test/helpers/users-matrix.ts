import { eq } from "drizzle-orm";
import { expect } from "vitest";
import type { Db } from "../../src/db/client.ts";
import { auditEvents } from "../../src/modules/audit/audit.table.ts";
import { sessions } from "../../src/modules/auth/auth.table.ts";
import { users } from "../../src/modules/users/users.table.ts";
import type { TestContext } from "./app.ts";

/**
 * The authorization matrix of an account, one table for two doors: the REST matrix
 * (src/modules/users/users.authorization.test.ts) and its GraphQL column
 * (src/graphql/graphql.authorization.test.ts), which asks `me` (the admin routes are REST only).
 * "self" is the account under test, the one an admin promotes or disables.
 */
export const userActors = ["self", "other", "admin", "anonymous"] as const;

export const userRoutes = {
  promote: { method: "PATCH", path: "/api/admin/users/:id", payload: { role: "admin" } },
  disable: { method: "PATCH", path: "/api/admin/users/:id", payload: { disabled: true } },
  me: { method: "GET", path: "/api/auth/me" },
} as const;

export type UserRoute = keyof typeof userRoutes;

/**
 * Expected status per route, for [self, other, admin, anonymous]. `me` answers each caller its
 * own account whatever the variant, except the account an admin disabled: its token stops
 * verifying.
 */
export const userExpected = {
  "existing account": {
    promote: [403, 403, 200, 401],
    disable: [403, 403, 200, 401],
    me: [200, 200, 200, 401],
  },
  "unknown id": {
    promote: [null, 403, 404, 401],
    disable: [null, 403, 404, 401],
  },
  "disabled account": {
    me: [401, 200, 200, 401],
  },
} as const satisfies Record<string, Partial<Record<UserRoute, readonly (number | null)[]>>>;

/** Everything a request about an account could change. */
export async function userSnapshot(db: Db, userId: string) {
  const [row] = await db.select().from(users).where(eq(users.id, userId));
  const open = await db.select().from(sessions).where(eq(sessions.userId, userId));
  const events = await db.select().from(auditEvents).where(eq(auditEvents.userId, userId));
  return {
    role: row?.role,
    disabledAt: row?.disabledAt,
    revoked: open.map((session) => session.revokedAt),
    events: events.length,
  };
}

/** The "disabled account" variant: an admin disables the account, through the API. */
export async function disableAccount(ctx: TestContext, adminHeaders: object, userId: string) {
  const response = await ctx.app.inject({
    method: "PATCH",
    url: `/api/admin/users/${userId}`,
    headers: { ...adminHeaders },
    payload: { disabled: true },
  });
  expect(response.statusCode, response.body).toBe(200);
}
