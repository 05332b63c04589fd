import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  expectProblem,
  randomIp,
  recordingHasher,
  stableProblem,
} from "../../../test/factories/auth.ts";
import { bearer, createUser, strongPassword, uniqueEmail } from "../../../test/factories/users.ts";
import { createTestApp, type TestContext } from "../../../test/helpers/app.ts";
import { createPasswordHasher } from "../../lib/passwords.ts";
import { auditEvents } from "../audit/audit.table.ts";
import { users } from "../users/users.table.ts";

describe("auth: register, login, me", () => {
  let ctx: TestContext;
  const hasher = recordingHasher();
  beforeAll(async () => {
    ctx = await createTestApp({ overrides: { hasher } });
  });
  afterAll(() => ctx.close());

  const post = (url: string, payload: unknown, headers: Record<string, string> = {}) =>
    ctx.app.inject({
      method: "POST",
      url,
      payload: payload as object,
      headers,
      remoteAddress: randomIp(),
    });

  describe("POST /api/auth/register", () => {
    it("returns 201 with the user and a token pair, normalising the email", async () => {
      const local = uniqueEmail();
      const response = await post("/api/auth/register", {
        email: `  ${local.toUpperCase()} `,
        password: strongPassword(),
        name: "Ann",
      });
      expect(response.statusCode).toBe(201);
      const body = response.json();
      expect(body).toMatchObject({ tokenType: "Bearer", expiresIn: 900 });
      expect(body.user).toEqual({
        id: expect.any(String),
        email: local,
        name: "Ann",
        role: "user",
        emailVerified: false,
        createdAt: expect.any(String),
      });
      const [row] = await ctx.deps.db.select().from(users).where(eq(users.email, local));
      expect(row?.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
      const events = await ctx.deps.db
        .select()
        .from(auditEvents)
        .where(eq(auditEvents.userId, body.user.id));
      expect(events.map((event) => event.type)).toEqual(["user_registered"]);
    });

    it("returns 409 email_taken for an email in another case", async () => {
      const { user } = await createUser(ctx);
      const response = await post("/api/auth/register", {
        email: user.email.toUpperCase(),
        password: strongPassword(),
        name: "Bob",
      });
      expectProblem(response, 409, "email_taken");
    });

    it.each([
      ["too short", "short7!"],
      ["too long", "x".repeat(129)],
      ["common", "password123"],
      ["common in another case", "Password123"],
    ])("rejects a %s password with 400 validation_failed on password", async (_label, password) => {
      const response = await post("/api/auth/register", {
        email: uniqueEmail(),
        password,
        name: "C",
      });
      const body = expectProblem(response, 400, "validation_failed");
      expect(body.errors).toEqual([{ path: "body.password", message: expect.any(String) }]);
    });

    it("lists every field problem at once: a 7-character password and a 101-character name", async () => {
      const response = await post("/api/auth/register", {
        email: uniqueEmail(),
        password: "abcdefg",
        name: "n".repeat(101),
      });
      const body = expectProblem(response, 400, "validation_failed");
      expect(body.errors).toEqual(
        expect.arrayContaining([
          { path: "body.password", message: "must be at least 8 characters" },
          { path: "body.name", message: expect.any(String) },
        ]),
      );
      expect(body.errors).toHaveLength(2);
    });

    it("documents the length rule in the published schema, as code points", async () => {
      const document = (await ctx.app.inject({ url: "/openapi.json" })).json();
      const body =
        document.paths["/api/auth/register"].post.requestBody.content["application/json"].schema;
      expect(body.$ref).toBe("#/components/schemas/RegisterInput");
      const schema = document.components.schemas.RegisterInput;
      expect(schema.properties.password).toMatchObject({ minLength: 8, maxLength: 128 });
      // Four emoji are eight UTF-16 units but four characters: too short, as JSON Schema counts.
      const response = await post("/api/auth/register", {
        email: uniqueEmail(),
        password: "🐧🐧🐧🐧",
        name: "F",
      });
      expect(expectProblem(response, 400, "validation_failed").errors).toEqual([
        { path: "body.password", message: "must be at least 8 characters" },
      ]);
    });

    it("rejects the email as password", async () => {
      const email = uniqueEmail();
      const response = await post("/api/auth/register", { email, password: email, name: "D" });
      expectProblem(response, 400, "validation_failed");
    });

    it("accepts any Unicode, counts characters not bytes, and keeps case and length", async () => {
      const password = "ñandú🐧パスワード長い";
      const email = uniqueEmail();
      expect((await post("/api/auth/register", { email, password, name: "E" })).statusCode).toBe(
        201,
      );
      const login = (candidate: string) => post("/api/auth/login", { email, password: candidate });
      expect((await login(password)).statusCode).toBe(200);
      expect((await login(password.toUpperCase())).statusCode).toBe(401);
      expect((await login(password.slice(0, -1))).statusCode).toBe(401);
      const long = `${"a1b2c3d4e5".repeat(12)}zyxwvuts`; // 128 characters
      const longEmail = uniqueEmail();
      expect(
        (await post("/api/auth/register", { email: longEmail, password: long, name: "F" }))
          .statusCode,
      ).toBe(201);
      const truncated = await post("/api/auth/login", {
        email: longEmail,
        password: long.slice(0, 72),
      });
      expect(truncated.statusCode).toBe(401);
    });

    it("rejects a name outside 1–100 characters", async () => {
      const response = await post("/api/auth/register", {
        email: uniqueEmail(),
        password: strongPassword(),
        name: "n".repeat(101),
      });
      expectProblem(response, 400, "validation_failed");
    });
  });

  describe("POST /api/auth/login", () => {
    it("returns 200 with a working token pair", async () => {
      const { user, password } = await createUser(ctx);
      const response = await post("/api/auth/login", { email: user.email, password });
      expect(response.statusCode).toBe(200);
      const me = await ctx.app.inject({
        method: "GET",
        url: "/api/auth/me",
        headers: bearer(response.json().accessToken),
      });
      expect(me.json()).toEqual(user);
    });

    it("answers unknown email, wrong password and disabled account identically", async () => {
      const { user, password } = await createUser(ctx);
      const disabled = await createUser(ctx);
      await ctx.deps.db
        .update(users)
        .set({ disabledAt: new Date() })
        .where(eq(users.id, disabled.user.id));
      const responses = [
        await post("/api/auth/login", { email: uniqueEmail(), password }),
        await post("/api/auth/login", { email: user.email, password: `${password}x` }),
        await post("/api/auth/login", { email: disabled.user.email, password: disabled.password }),
      ];
      for (const response of responses) expectProblem(response, 401, "invalid_credentials");
      const [first, ...rest] = responses.map(stableProblem);
      for (const other of rest) expect(other).toEqual(first);
    });

    it("verifies a dummy hash when the email is unknown", async () => {
      hasher.verified.length = 0;
      const response = await post("/api/auth/login", {
        email: uniqueEmail(),
        password: strongPassword(),
      });
      expect(response.statusCode).toBe(401);
      expect(hasher.verified).toHaveLength(1);
      expect(hasher.verified[0]).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    });

    it("rehashes a hash made with other parameters on login", async () => {
      const { user, password } = await createUser(ctx);
      const weak = await createPasswordHasher({
        memoryCost: 8192,
        timeCost: 1,
        parallelism: 1,
      }).hash(password);
      await ctx.deps.db.update(users).set({ passwordHash: weak }).where(eq(users.id, user.id));
      expect((await post("/api/auth/login", { email: user.email, password })).statusCode).toBe(200);
      const [row] = await ctx.deps.db.select().from(users).where(eq(users.id, user.id));
      expect(row?.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    });

    it("records login_failed without the password", async () => {
      const { user } = await createUser(ctx);
      const secret = strongPassword();
      await post("/api/auth/login", { email: user.email, password: secret });
      const events = await ctx.deps.db
        .select()
        .from(auditEvents)
        .where(eq(auditEvents.type, "login_failed"));
      const emailHash = ctx.deps.audit.emailHash(user.email);
      const mine = events.filter((event) => event.data.emailHash === emailHash);
      expect(mine).toHaveLength(1);
      expect(JSON.stringify(mine)).not.toContain(secret);
      expect(JSON.stringify(mine)).not.toContain(user.email);
    });
  });

  describe("GET/PATCH /api/auth/me", () => {
    it("returns 401 with WWW-Authenticate without a token", async () => {
      expectProblem(
        await ctx.app.inject({ method: "GET", url: "/api/auth/me" }),
        401,
        "unauthorized",
      );
    });

    it("changes the name and ignores every other field", async () => {
      const { user, accessToken } = await createUser(ctx);
      const response = await ctx.app.inject({
        method: "PATCH",
        url: "/api/auth/me",
        headers: bearer(accessToken),
        payload: {
          name: "New Name",
          role: "admin",
          email: "evil@example.com",
          emailVerified: true,
          passwordHash: "x",
          disabledAt: null,
        },
      });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({ ...user, name: "New Name" });
      const [row] = await ctx.deps.db.select().from(users).where(eq(users.id, user.id));
      expect(row).toMatchObject({ role: "user", email: user.email, emailVerifiedAt: null });
    });
  });
});
