import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect } from "vitest";
import { randomIp } from "../../../test/factories/auth.ts";
import {
  bearer,
  type CreatedUser,
  createUser,
  uniqueEmail,
} from "../../../test/factories/users.ts";
import { createTestApp, type TestContext } from "../../../test/helpers/app.ts";
import { authzMatrix } from "../../../test/helpers/authz-matrix.ts";
import {
  callback,
  landingOf,
  providersEnv,
  startGitHubMock,
  startOidcMock,
  visitProvider,
} from "../../../test/helpers/identity-providers.ts";
import { userIdentities } from "./identities.table.ts";

type Actor = "owner" | "other" | "admin" | "anonymous";

let ctx: TestContext;
let other: CreatedUser;
let admin: CreatedUser;
let oidc: Awaited<ReturnType<typeof startOidcMock>>;
let github: Awaited<ReturnType<typeof startGitHubMock>>;

const matrix = authzMatrix({
  module: "identities",
  app: () => ctx.app,
  actors: ["owner", "other", "admin", "anonymous"] as const,
  routes: {
    start: { method: "POST", path: "/api/auth/providers/:provider/start" },
    link: { method: "POST", path: "/api/auth/providers/:provider/link" },
    callback: { method: "GET", path: "/api/auth/providers/:provider/callback" },
    list: { method: "GET", path: "/api/auth/identities" },
    unlink: { method: "DELETE", path: "/api/auth/identities/:id" },
  },
  // Expected status, for [owner, other, admin, anonymous].
  expected: {
    "configured provider": {
      start: [200, 200, 200, 200],
      link: [200, 200, 200, 401],
      list: [200, 200, 200, 401],
    },
    "provider not configured": { start: [404, 404, 404, 404], link: [404, 404, 404, 401] },
    // The callback is a browser's redirect: whoever calls it, the flow decides the account.
    "link flow started by the owner": { callback: [302, 302, 302, 302] },
    "identity of the owner": { unlink: [204, 404, 404, 401] },
    "unknown id": { unlink: [404, 404, 404, 401] },
  },
});

beforeAll(async () => {
  [oidc, github] = await Promise.all([startOidcMock(), startGitHubMock()]);
  const env = providersEnv(oidc.issuer, github.url);
  const { GITHUB_CLIENT_ID: _id, GITHUB_CLIENT_SECRET: _secret, ...oidcOnly } = env;
  ctx = await createTestApp({ env: oidcOnly });
  other = await createUser(ctx);
  admin = await createUser(ctx, { role: "admin" });
});
afterAll(async () => {
  await ctx.close();
  await Promise.all([oidc.close(), github.close()]);
});

const identitiesOf = (userId: string) =>
  ctx.deps.db.select().from(userIdentities).where(eq(userIdentities.userId, userId));

describe("authorization matrix for sign-in with identity providers", () => {
  matrix.run("$route: $variant by $actor answers $expected", async (cell, send) => {
    const { variant, actor } = cell;
    const owner = await createUser(ctx);
    const headers: Record<Actor, Record<string, string>> = {
      owner: bearer(owner.accessToken),
      other: bearer(other.accessToken),
      admin: bearer(admin.accessToken),
      anonymous: {},
    };
    const provider = variant === "provider not configured" ? "github" : "oidc";
    oidc.as({ subject: `sub-${randomUUID()}`, email: uniqueEmail(), emailVerified: true });
    let query: Record<string, string> | undefined;
    let id: string = randomUUID();
    if (variant === "link flow started by the owner") {
      const visit = await visitProvider(ctx, "oidc", bearer(owner.accessToken));
      query = Object.fromEntries(visit.location.searchParams);
    }
    if (variant === "identity of the owner") {
      const visit = await visitProvider(ctx, "oidc", bearer(owner.accessToken));
      landingOf(await callback(ctx, visit.callback));
      id = (await identitiesOf(owner.user.id))[0]?.id ?? "";
    }
    const before = await identitiesOf(owner.user.id);

    const response = await send({
      params: { provider, id },
      headers: headers[actor],
      remoteAddress: randomIp(),
      ...(query ? { query } : {}),
    });

    const after = await identitiesOf(owner.user.id);
    if (cell.route === "callback") {
      expect(after).toHaveLength(1);
      expect(await identitiesOf(other.user.id)).toHaveLength(0);
    } else if (cell.route === "unlink" && response.statusCode === 204) {
      expect(after).toEqual([]);
    } else {
      expect(after).toEqual(before);
    }
    if (cell.route === "list" && response.statusCode === 200) {
      expect(response.json().items).toEqual([]);
    }
  });
});
