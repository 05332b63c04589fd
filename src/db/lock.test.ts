import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { spawnEntry } from "../../test/helpers/process.ts";
import { acquireDataDirLock, DataDirLockedError } from "./lock.ts";

const dirs: string[] = [];
/** A DATA_DIR whose lock is held by a live process other than the one that will ask for it. */
function lockedDataDir(holder: number): string {
  const dir = mkdtempSync(join(tmpdir(), "stratum-lock-"));
  dirs.push(dir);
  writeFileSync(join(dir, "stratum.lock"), String(holder));
  return dir;
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe("DATA_DIR lock", () => {
  it("names the holder's pid and says what to do", () => {
    const dir = lockedDataDir(process.ppid);
    const error = (() => {
      try {
        acquireDataDirLock(dir);
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(DataDirLockedError);
    const message = (error as Error).message;
    expect(message).toContain(`is in use by process ${process.ppid}`);
    expect(message).toMatch(/stop that process and run this again/);
    expect(message).toMatch(/set DATABASE_URL to a PostgreSQL database/);
    expect(readFileSync(join(dir, "stratum.lock"), "utf8")).toBe(String(process.ppid));
  });

  it("makes the CLI print one line saying which command did not run, without a stack trace", async () => {
    const dir = lockedDataDir(process.pid);
    for (const command of [["db:seed"], ["user:create", "--email", "a@example.com"]]) {
      const spawned = spawnEntry("src/cli.ts", command, { DATA_DIR: dir });
      expect(await spawned.exited).toBe(1);
      const output = spawned.output();
      expect(output).toMatch(
        new RegExp(
          `^${command[0]} did not run: DATA_DIR .+ is in use by process ${process.pid} .+\\n$`,
        ),
      );
      expect(output).toContain("stop that process and run this again");
      expect(output).toContain("DATABASE_URL");
    }
  }, 60_000);
});
