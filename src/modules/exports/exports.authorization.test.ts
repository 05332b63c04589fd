import { afterAll, beforeAll, describe, expect } from "vitest";
import { signUpActors, type TestUser } from "../../../test/factories/recipes.ts";
import { createTestApp, type TestContext } from "../../../test/helpers/app.ts";
import { authzMatrix } from "../../../test/helpers/authz-matrix.ts";
import { drainQueue } from "../../../test/helpers/queue.ts";

type Actor = "owner" | "other" | "admin" | "anonymous";
type Variant = "finished export" | "export in progress";

let ctx: TestContext;
let people: Record<Actor, TestUser>;
const exportIds = {} as Record<Variant, string>;

const matrix = authzMatrix({
  module: "exports",
  app: () => ctx.app,
  actors: ["owner", "other", "admin", "anonymous"] as const,
  routes: {
    read: { method: "GET", path: "/api/me/exports/:id" },
    download: { method: "GET", path: "/api/me/exports/:id/download" },
  },
  // Expected status per route, for [owner, other, admin, anonymous]: exports are the owner's only.
  expected: {
    "finished export": {
      read: [200, 404, 404, 401],
      download: [200, 404, 404, 401],
    },
    "export in progress": {
      read: [200, 404, 404, 401],
      download: [409, 404, 404, 401],
    },
  },
});

beforeAll(async () => {
  ctx = await createTestApp();
  people = await signUpActors(ctx, "owner");
  const start = () =>
    ctx.app.inject({ method: "POST", url: "/api/me/exports", headers: people.owner.headers });
  exportIds["finished export"] = (await start()).json().id;
  await drainQueue(ctx.deps);
  exportIds["export in progress"] = (await start()).json().id;
});
afterAll(async () => {
  await drainQueue(ctx.deps);
  await ctx.close();
});

describe("authorization matrix for /api/me/exports/:id routes", () => {
  matrix.run(
    "$route of a $variant by $actor answers $expected",
    async ({ variant, route, actor, expected }, send) => {
      const id = exportIds[variant];

      const response = await send({ params: { id }, headers: people[actor].headers });

      if (expected === 404) expect(response.json().code).toBe("export_not_found");
      if (expected === 409) expect(response.json().code).toBe("export_not_ready");
      if (expected === 200 && route === "read") expect(response.json().id).toBe(id);
      if (expected === 200 && route === "download") {
        expect(response.json().profile.id).toBe(people.owner.id);
      }
    },
  );
});
