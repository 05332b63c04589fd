import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect } from "vitest";
import { bearer, type CreatedUser, createUser } from "../../../test/factories/users.ts";
import { createTestApp, type TestContext } from "../../../test/helpers/app.ts";
import { authzMatrix } from "../../../test/helpers/authz-matrix.ts";
import { registerPasskey } from "../../../test/helpers/webauthn.ts";
import { sessions } from "./auth.table.ts";
import { passkeys } from "./passkeys.table.ts";

type Actor = "owner" | "other" | "admin" | "anonymous";

let ctx: TestContext;
let other: CreatedUser;
let admin: CreatedUser;

const matrix = authzMatrix({
  module: "auth",
  app: () => ctx.app,
  actors: ["owner", "other", "admin", "anonymous"] as const,
  routes: {
    end: { method: "DELETE", path: "/api/auth/sessions/:id" },
    endOthers: { method: "POST", path: "/api/auth/sessions/end-others" },
  },
  // Expected status, for [owner, other, admin, anonymous].
  expected: {
    "session on another device": { end: [204, 404, 404, 401], endOthers: [200, 200, 200, 401] },
    "session already ended": { end: [404, 404, 404, 401] },
    "unknown id": { end: [404, 404, 404, 401] },
  },
});

const passkeyMatrix = authzMatrix({
  module: "passkeys",
  app: () => ctx.app,
  actors: ["owner", "other", "admin", "anonymous"] as const,
  routes: {
    list: { method: "GET", path: "/api/auth/passkeys" },
    options: { method: "POST", path: "/api/auth/passkeys/registration/options" },
    add: { method: "POST", path: "/api/auth/passkeys", payload: {} },
    rename: { method: "PATCH", path: "/api/auth/passkeys/:id", payload: { name: "Renamed" } },
    remove: { method: "DELETE", path: "/api/auth/passkeys/:id" },
  },
  // Expected status, for [owner, other, admin, anonymous]; everyone signed in sees only theirs.
  expected: {
    "passkey of the owner": {
      list: [200, 200, 200, 401],
      options: [200, 200, 200, 401],
      add: [400, 400, 400, 401],
      rename: [200, 404, 404, 401],
      remove: [204, 404, 404, 401],
    },
    "unknown id": { rename: [404, 404, 404, 401], remove: [404, 404, 404, 401] },
  },
});

beforeAll(async () => {
  ctx = await createTestApp();
  other = await createUser(ctx);
  admin = await createUser(ctx, { role: "admin" });
});
afterAll(() => ctx.close());

const me = (accessToken: string) =>
  ctx.app.inject({ method: "GET", url: "/api/auth/me", headers: bearer(accessToken) });

describe("authorization matrix for /api/auth/sessions", () => {
  matrix.run("$route: a $variant by $actor answers $expected", async (cell, send) => {
    const { variant, actor, route } = cell;
    const owner = await createUser(ctx);
    // The session under test is the owner's second one; the owner calls from the first.
    const second = await ctx.deps.db.transaction((tx) =>
      ctx.deps.sessions.start(owner.user, { ip: "127.0.0.1", userAgent: "second" }, tx),
    );
    if (variant === "session already ended") {
      const ended = await ctx.app.inject({
        method: "DELETE",
        url: `/api/auth/sessions/${second.sessionId}`,
        headers: bearer(owner.accessToken),
      });
      expect(ended.statusCode).toBe(204);
    }
    const id = variant === "unknown id" ? randomUUID() : second.sessionId;
    const headers: Record<Actor, Record<string, string>> = {
      owner: bearer(owner.accessToken),
      other: bearer(other.accessToken),
      admin: bearer(admin.accessToken),
      anonymous: {},
    };
    const [before] = await ctx.deps.db
      .select()
      .from(sessions)
      .where(eq(sessions.id, second.sessionId));

    const response = await send({ params: { id }, headers: headers[actor] });

    const [after] = await ctx.deps.db
      .select()
      .from(sessions)
      .where(eq(sessions.id, second.sessionId));
    if (route === "endOthers" && response.statusCode === 200) {
      // Only the owner's call reaches the owner's other session; anyone else's ends only theirs.
      expect(after?.revokedAt === null).toBe(actor !== "owner");
      expect(response.json().sessionsEnded).toBe(actor === "owner" ? 1 : 0);
    } else if (response.statusCode === 204) {
      expect(after?.revokedAt).not.toBeNull();
      expect((await me(second.pair.accessToken)).statusCode).toBe(401);
    } else {
      expect(after).toEqual(before);
      expect(response.json().code).toBe(
        actor === "anonymous" ? "unauthorized" : "session_not_found",
      );
    }
    // Whatever happened to the other session, the caller's own keeps working.
    expect((await me(owner.accessToken)).statusCode).toBe(200);
  });
});

describe("authorization matrix for /api/auth/passkeys", () => {
  passkeyMatrix.run("$route: a $variant by $actor answers $expected", async (cell, send) => {
    const { variant, actor, route } = cell;
    const owner = await createUser(ctx);
    const { passkey } = await registerPasskey(ctx.app, owner.accessToken);
    const id = variant === "unknown id" ? randomUUID() : passkey.id;
    const headers: Record<Actor, Record<string, string>> = {
      owner: bearer(owner.accessToken),
      other: bearer(other.accessToken),
      admin: bearer(admin.accessToken),
      anonymous: {},
    };
    const read = () => ctx.deps.db.select().from(passkeys).where(eq(passkeys.id, passkey.id));
    const [before] = await read();

    const response = await send({ params: { id }, headers: headers[actor] });

    const [after] = await read();
    if (route === "list" && response.statusCode === 200) {
      const ids = response.json().items.map((item: { id: string }) => item.id);
      expect(ids.includes(passkey.id)).toBe(actor === "owner");
    } else if (route === "rename" && response.statusCode === 200) {
      expect(after?.name).toBe("Renamed");
    } else if (route === "remove" && response.statusCode === 204) {
      expect(after).toBeUndefined();
    } else {
      expect(after).toEqual(before);
    }
    if (response.statusCode === 404) expect(response.json().code).toBe("passkey_not_found");
  });
});
