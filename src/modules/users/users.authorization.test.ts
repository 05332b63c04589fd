import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect } from "vitest";
import { bearer, type CreatedUser, createUser } from "../../../test/factories/users.ts";
import { createTestApp, type TestContext } from "../../../test/helpers/app.ts";
import { authzMatrix } from "../../../test/helpers/authz-matrix.ts";
import {
  disableAccount,
  userActors,
  userExpected,
  userRoutes,
  userSnapshot,
} from "../../../test/helpers/users-matrix.ts";

type Actor = (typeof userActors)[number];

let ctx: TestContext;
let other: CreatedUser;
let admin: CreatedUser;

// The table is shared with the GraphQL matrix (src/graphql/graphql.authorization.test.ts).
const matrix = authzMatrix({
  module: "users",
  app: () => ctx.app,
  actors: userActors,
  routes: userRoutes,
  expected: userExpected,
});

beforeAll(async () => {
  ctx = await createTestApp();
  other = await createUser(ctx);
  admin = await createUser(ctx, { role: "admin" });
});
afterAll(() => ctx.close());

describe("authorization matrix for /api/admin/users/:id and /api/auth/me", () => {
  matrix.run(
    "$route ($variant) by $actor answers $expected",
    async ({ variant, route, actor, expected }, send) => {
      const target = await createUser(ctx);
      if (variant === "disabled account") {
        await disableAccount(ctx, bearer(admin.accessToken), target.user.id);
      }
      const id = variant === "unknown id" ? randomUUID() : target.user.id;
      const callers: Record<Actor, CreatedUser | undefined> = {
        self: target,
        other,
        admin,
        anonymous: undefined,
      };
      const caller = callers[actor];
      const before = await userSnapshot(ctx.deps.db, target.user.id);

      const response = await send({
        params: { id },
        headers: caller ? bearer(caller.accessToken) : {},
      });

      const after = await userSnapshot(ctx.deps.db, target.user.id);
      if (expected !== 200 || route === "me") {
        expect(after).toEqual(before);
      } else if (route === "promote") {
        expect(after.role).toBe("admin");
      } else {
        expect(after.disabledAt).not.toBeNull();
      }
      if (route === "me" && expected === 200) expect(response.json().id).toBe(caller?.user.id);
      if (route === "me" && expected === 401) {
        expect(response.json().code).toBe(caller ? "invalid_token" : "unauthorized");
      }
    },
  );
});
