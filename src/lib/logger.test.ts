import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";

/** Runs a script with the real logger (stdout batching included) and returns its stdout. */
function run(script: string): string {
  const result = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
    cwd: process.cwd(),
    encoding: "utf8",
    timeout: 20_000,
  });
  return result.stdout;
}

const setup = `
  import { writeSync } from "node:fs";
  const { createLogger } = await import(${JSON.stringify(`${process.cwd()}/src/lib/logger.ts`)});
  const log = createLogger({ logLevel: "info" });
`;

describe("the stdout logger", () => {
  it("writes a lone line within its flush interval, not only at exit", () => {
    const out = run(`${setup}
      log.info("lone line");
      setTimeout(() => { writeSync(1, "MARK\\n"); process.exit(0); }, 700);`);
    expect(out.indexOf("lone line")).toBeGreaterThanOrEqual(0);
    expect(out.indexOf("lone line")).toBeLessThan(out.indexOf("MARK"));
  });

  it("writes pending lines when the process exits or crashes", () => {
    const exited = run(`${setup} log.info("before exit"); process.exit(3);`);
    expect(exited).toContain("before exit");
    const crashed = run(`${setup}
      log.info("before crash");
      setTimeout(() => { throw new Error("boom"); }, 5);`);
    expect(crashed).toContain("before crash");
  });
});
