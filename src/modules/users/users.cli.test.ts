import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createUser } from "../../../test/factories/users.ts";
import { createTestApp, type TestContext } from "../../../test/helpers/app.ts";
import { resetDatabase } from "../../../test/helpers/database.ts";
import { spawnEntry } from "../../../test/helpers/process.ts";
import { auditEvents } from "../audit/audit.table.ts";
import { runUserUpdate } from "./users.cli.ts";

// A fresh embedded database is created and migrated by each process: slow on a busy machine.
const SPAWN_TIMEOUT_MS = 90_000;

describe("npm run user:create", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "stratum-user-create-"));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  async function createUser(args: string[], stdin: string) {
    const spawned = spawnEntry("src/cli.ts", ["user:create", ...args], {
      DATA_DIR: dataDir,
      JWT_SECRET: "cli-test-secret-that-is-at-least-32-bytes",
      LOG_LEVEL: "warn",
    });
    spawned.child.stdin?.end(stdin);
    return { code: await spawned.exited, output: spawned.output() };
  }

  it(
    "migrates a fresh DATA_DIR itself and creates an admin from --password-stdin",
    async () => {
      const first = await createUser(
        ["--email", "Root@Example.com", "--role", "admin", "--password-stdin"],
        "a-Strong-password-9\n",
      );
      expect(first.output).toMatch(/created admin root@example\.com \([0-9a-f-]{36}\)/);
      expect(first.code).toBe(0);

      const again = await createUser(
        ["--email", "root@example.com", "--password-stdin"],
        "another-Strong-pass-1\n",
      );
      expect(again.code).toBe(1);
      expect(again.output).toMatch(/already registered/);
    },
    2 * SPAWN_TIMEOUT_MS,
  );

  it(
    "refuses a common password",
    async () => {
      const common = await createUser(
        ["--email", "weak@example.com", "--password-stdin"],
        "password\n",
      );
      expect(common.code).toBe(1);
      expect(common.output).toMatch(/too common/);
    },
    SPAWN_TIMEOUT_MS,
  );
});

describe("user:update", () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestApp();
  });
  beforeEach(() => resetDatabase(ctx.deps.database));
  afterAll(() => ctx.close());

  const update = (...args: string[]) => runUserUpdate(ctx.deps.adminUsers, args);
  const eventsOf = (userId: string) =>
    ctx.deps.db.select().from(auditEvents).where(eq(auditEvents.userId, userId));

  it("changes the role, disables and enables, ends sessions and audits it as done from the CLI", async () => {
    const admin = await createUser(ctx, { role: "admin" });
    const target = await createUser(ctx, { email: "Cook@Example.com" });

    expect(await update("--email", "cook@example.COM", "--role", "admin")).toMatch(
      /^updated cook@example\.com \([0-9a-f-]{36}\): admin, enabled$/,
    );
    expect(await update("--email", target.user.email, "--disable")).toMatch(/: admin, disabled$/);
    expect(await update("--email", target.user.email, "--enable", "--role", "user")).toMatch(
      /: user, enabled$/,
    );

    const events = await eventsOf(target.user.id);
    expect(events.map((event) => event.type).sort()).toEqual([
      "role_changed",
      "role_changed",
      "user_disabled",
      "user_enabled",
    ]);
    for (const event of events) {
      expect(event.data).toMatchObject({ via: "cli" });
    }
    const me = await ctx.app.inject({
      url: "/api/auth/me",
      headers: { authorization: `Bearer ${target.accessToken}` },
    });
    expect(me.statusCode).toBe(401);
    expect(await eventsOf(admin.user.id)).toEqual([]);
  });

  it("refuses to demote or disable the last enabled admin", async () => {
    const admin = await createUser(ctx, { role: "admin" });
    await expect(update("--email", admin.user.email, "--disable")).rejects.toThrow(
      /last enabled admin/,
    );
    await expect(update("--email", admin.user.email, "--role", "user")).rejects.toThrow(
      /last enabled admin/,
    );
    const other = await createUser(ctx);
    await update("--email", other.user.email, "--role", "admin");
    expect(await update("--email", admin.user.email, "--disable")).toMatch(/: admin, disabled$/);
  });

  it("explains its usage and an unknown email", async () => {
    await expect(update("--email", "x@example.com")).rejects.toThrow(
      /usage: user:update[\s\S]*give --role, --enable or --disable/,
    );
    await expect(update("--email", "x@example.com", "--enable", "--disable")).rejects.toThrow(
      /give --enable or --disable/,
    );
    await expect(update("--email", "x@example.com", "--role", "root")).rejects.toThrow(/role/);
    await expect(update("--email", "nobody@example.com", "--enable")).rejects.toThrow(
      "No user nobody@example.com.",
    );
  });

  it(
    "runs as `npm run user:update` on a fresh DATA_DIR",
    async () => {
      const dataDir = mkdtempSync(join(tmpdir(), "stratum-user-update-"));
      try {
        const env = { DATA_DIR: dataDir, LOG_LEVEL: "warn" };
        const create = spawnEntry(
          "src/cli.ts",
          ["user:create", "--email", "root@example.com", "--role", "admin", "--password-stdin"],
          env,
        );
        create.child.stdin?.end("a-Strong-password-9\n");
        expect(await create.exited).toBe(0);
        const refused = spawnEntry(
          "src/cli.ts",
          ["user:update", "--email", "root@example.com", "--disable"],
          env,
        );
        expect(await refused.exited).toBe(1);
        expect(refused.output()).toMatch(/^This is the last enabled admin account: .+\n$/);
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
    2 * SPAWN_TIMEOUT_MS,
  );
});
