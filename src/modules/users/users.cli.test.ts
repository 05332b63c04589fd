import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { spawnEntry } from "../../../test/helpers/process.ts";

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
