import { afterAll, beforeAll, describe, expect } from "vitest";
import { signUpActors, type TestUser } from "../../../test/factories/recipes.ts";
import { createTestApp, type TestContext } from "../../../test/helpers/app.ts";
import { authzMatrix } from "../../../test/helpers/authz-matrix.ts";
import {
  type ExportVariant,
  exportActors,
  exportExpected,
  exportRoutes,
  exportsSnapshot,
  idsOf,
  startOwnersExports,
} from "../../../test/helpers/exports-matrix.ts";
import { drainQueue } from "../../../test/helpers/queue.ts";

let ctx: TestContext;
let people: Record<(typeof exportActors)[number], TestUser>;
let exportIds: Record<ExportVariant, string>;

// The table is shared with the GraphQL matrix (src/graphql/graphql.authorization.test.ts).
const matrix = authzMatrix({
  module: "exports",
  app: () => ctx.app,
  actors: exportActors,
  routes: exportRoutes,
  expected: exportExpected,
});

beforeAll(async () => {
  ctx = await createTestApp();
  people = await signUpActors(ctx, "owner");
  exportIds = await startOwnersExports(ctx, people.owner);
});
afterAll(async () => {
  await drainQueue(ctx.deps);
  await ctx.close();
});

describe("authorization matrix for /api/me/exports routes", () => {
  matrix.run(
    "$route ($variant) by $actor answers $expected",
    async ({ variant, route, actor, expected }, send) => {
      const id = exportIds[variant];
      const before = await exportsSnapshot(ctx.deps.db, people.owner.id);

      const response = await send({ params: { id }, headers: people[actor].headers });

      if (expected >= 400) {
        expect(await exportsSnapshot(ctx.deps.db, people.owner.id)).toEqual(before);
      }
      if (expected === 404) expect(response.json().code).toBe("export_not_found");
      if (expected === 409) expect(response.json().code).toBe("export_not_ready");
      if (expected === 200 && route === "read") expect(response.json().id).toBe(id);
      if (expected === 200 && route === "download") {
        expect(response.json().profile.id).toBe(people.owner.id);
      }
      // Only the owner's door leads to the owner's exports.
      const owners = Object.values(exportIds);
      if (expected === 200 && route === "list") {
        const listed = idsOf(response.json());
        expect(owners.every((ownerId) => listed.includes(ownerId))).toBe(actor === "owner");
        expect(owners.some((ownerId) => listed.includes(ownerId))).toBe(actor === "owner");
      }
      if (expected === 202) {
        expect(response.json().id === exportIds["export in progress"]).toBe(actor === "owner");
        if (actor !== "owner") expect(owners).not.toContain(response.json().id);
      }
    },
  );
});
