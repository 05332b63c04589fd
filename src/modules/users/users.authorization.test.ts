import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect } from "vitest";
import { bearer, type CreatedUser, createUser } from "../../../test/factories/users.ts";
import { createTestApp, type TestContext } from "../../../test/helpers/app.ts";
import { authzMatrix } from "../../../test/helpers/authz-matrix.ts";
import { auditEvents } from "../audit/audit.table.ts";
import { sessions } from "../auth/auth.table.ts";
import { users } from "./users.table.ts";

type Actor = "self" | "other" | "admin" | "anonymous";

let ctx: TestContext;
let other: CreatedUser;
let admin: CreatedUser;

const matrix = authzMatrix({
  module: "users",
  app: () => ctx.app,
  actors: ["self", "other", "admin", "anonymous"] as const,
  routes: {
    promote: { method: "PATCH", path: "/api/admin/users/:id", payload: { role: "admin" } },
    disable: { method: "PATCH", path: "/api/admin/users/:id", payload: { disabled: true } },
  },
  // Expected status per route, for [self, other, admin, anonymous]; "self" is the account itself.
  expected: {
    "existing account": {
      promote: [403, 403, 200, 401],
      disable: [403, 403, 200, 401],
    },
    "unknown id": {
      promote: [null, 403, 404, 401],
      disable: [null, 403, 404, 401],
    },
  },
});

beforeAll(async () => {
  ctx = await createTestApp();
  other = await createUser(ctx);
  admin = await createUser(ctx, { role: "admin" });
});
afterAll(() => ctx.close());

/** Everything a PATCH of an account could change. */
async function snapshot(userId: string) {
  const [row] = await ctx.deps.db.select().from(users).where(eq(users.id, userId));
  const open = await ctx.deps.db.select().from(sessions).where(eq(sessions.userId, userId));
  const events = await ctx.deps.db.select().from(auditEvents).where(eq(auditEvents.userId, userId));
  return {
    role: row?.role,
    disabledAt: row?.disabledAt,
    revoked: open.map((session) => session.revokedAt),
    events: events.length,
  };
}

describe("authorization matrix for /api/admin/users/:id", () => {
  matrix.run(
    "$route of an $variant by $actor answers $expected",
    async ({ variant, route, actor, expected }, send) => {
      const target = await createUser(ctx);
      const id = variant === "unknown id" ? randomUUID() : target.user.id;
      const headers: Record<Actor, Record<string, string>> = {
        self: bearer(target.accessToken),
        other: bearer(other.accessToken),
        admin: bearer(admin.accessToken),
        anonymous: {},
      };
      const before = await snapshot(target.user.id);

      await send({ params: { id }, headers: headers[actor] });

      const after = await snapshot(target.user.id);
      if (expected !== 200) {
        expect(after).toEqual(before);
      } else if (route === "promote") {
        expect(after.role).toBe("admin");
      } else {
        expect(after.disabledAt).not.toBeNull();
      }
    },
  );
});
