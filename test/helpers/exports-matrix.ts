import { count, eq } from "drizzle-orm";
import { expect } from "vitest";
import type { Db } from "../../src/db/client.ts";
import { dataExports } from "../../src/modules/exports/exports.table.ts";
import type { TestUser } from "../factories/recipes.ts";
import type { TestContext } from "./app.ts";
import { drainQueue } from "./queue.ts";

/**
 * The authorization matrix of data exports, one table for two doors: the REST matrix
 * (src/modules/exports/exports.authorization.test.ts) and its GraphQL column
 * (src/graphql/graphql.authorization.test.ts), which asks `myExports` and `requestExport` (an
 * export by id and its download are REST only).
 */
export const exportActors = ["owner", "other", "admin", "anonymous"] as const;

export const exportRoutes = {
  read: { method: "GET", path: "/api/me/exports/:id" },
  download: { method: "GET", path: "/api/me/exports/:id/download" },
  list: { method: "GET", path: "/api/me/exports" },
  request: { method: "POST", path: "/api/me/exports" },
} as const;

export type ExportRoute = keyof typeof exportRoutes;
export type ExportVariant = keyof typeof exportExpected;

/**
 * Expected status per route, for [owner, other, admin, anonymous]: exports are the owner's only.
 * The owner has both exports at once; the variant is the one `:id` names. The list and a new
 * request are asked while one is in progress, which a request by the owner answers with.
 */
export const exportExpected = {
  "finished export": {
    read: [200, 404, 404, 401],
    download: [200, 404, 404, 401],
  },
  "export in progress": {
    read: [200, 404, 404, 401],
    download: [409, 404, 404, 401],
    list: [200, 200, 200, 401],
    request: [202, 202, 202, 401],
  },
} as const satisfies Record<string, Partial<Record<ExportRoute, readonly number[]>>>;

/** The owner's two exports: one built, and one still waiting for its job. */
export async function startOwnersExports(
  ctx: TestContext,
  owner: TestUser,
): Promise<Record<ExportVariant, string>> {
  const start = async () => {
    const response = await ctx.app.inject({
      method: "POST",
      url: "/api/me/exports",
      headers: owner.headers,
    });
    expect(response.statusCode, response.body).toBe(202);
    return String(response.json().id);
  };
  const finished = await start();
  await drainQueue(ctx.deps);
  return { "finished export": finished, "export in progress": await start() };
}

/** Everything a request about exports could change: the owner's, and how many there are. */
export async function exportsSnapshot(db: Db, ownerId: string) {
  const owners = await db.select().from(dataExports).where(eq(dataExports.userId, ownerId));
  const [all] = await db.select({ n: count() }).from(dataExports);
  return { owners: owners.sort((a, b) => a.id.localeCompare(b.id)), total: all?.n };
}

/** The ids of a page of exports. */
export const idsOf = (page: unknown): string[] =>
  ((page as { items?: { id: string }[] } | null)?.items ?? []).map((item) => item.id);
