import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bearer, createUser } from "../../test/factories/users.ts";
import { createTestApp } from "../../test/helpers/app.ts";
import { testDatabase } from "../../test/helpers/database.ts";
import { developmentJwtSecret } from "./dev-secret.ts";

// PGlite and its migrations take seconds: not inside the first test's time.
beforeAll(async () => {
  await testDatabase();
});

const dirs: string[] = [];
function freshDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "stratum-key-"));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe("developmentJwtSecret", () => {
  it("makes a key once, readable by its owner only, and reads the same key afterwards", () => {
    const dataDir = join(freshDir(), "nested");
    const first = developmentJwtSecret(dataDir);
    expect(first.path).toBe(join(dataDir, "jwt-secret"));
    expect(first.secret.length).toBeGreaterThanOrEqual(32);
    expect(statSync(first.path).mode & 0o777).toBe(0o600);
    expect(developmentJwtSecret(dataDir)).toEqual(first);
  });

  it("refuses a file that holds no usable key", () => {
    const dataDir = freshDir();
    writeFileSync(join(dataDir, "jwt-secret"), "short\n");
    expect(() => developmentJwtSecret(dataDir)).toThrow(/holds no usable key: delete it/);
  });
});

describe("the embedded database without JWT_SECRET", () => {
  it("accepts the tokens of the previous process on the same DATA_DIR after a restart", async () => {
    const env = { DATA_DIR: freshDir(), JWT_SECRET: "" };
    const before = await createTestApp({ env });
    const { accessToken } = await createUser(before);
    await before.close();

    const after = await createTestApp({ env });
    try {
      const me = await after.app.inject({ url: "/api/auth/me", headers: bearer(accessToken) });
      expect(me.statusCode, me.body).toBe(200);
    } finally {
      await after.close();
    }

    const elsewhere = await createTestApp({ env: { DATA_DIR: freshDir(), JWT_SECRET: "" } });
    try {
      const me = await elsewhere.app.inject({ url: "/api/auth/me", headers: bearer(accessToken) });
      expect(me.statusCode).toBe(401);
    } finally {
      await elsewhere.close();
    }
  });
});
