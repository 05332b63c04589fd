import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { spawnEntry, startServer, waitForOutput } from "./helpers/process.ts";

// Each test starts real processes (PGlite alone takes seconds); a busy machine needs the room.
vi.setConfig({ testTimeout: 90_000 });

const dirs: string[] = [];
function freshDataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "stratum-proc-"));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe("server process", () => {
  it("exits with one readable line per configuration problem and no stack trace", async () => {
    const spawned = spawnEntry("src/server.ts", [], { PORT: "abc", DATABASE_URL: "mysql://x" });
    expect(await spawned.exited).toBe(78);
    const output = spawned.output();
    expect(output).toContain("Invalid configuration:");
    expect(output).toMatch(/^ {2}PORT: .+$/m);
    expect(output).toMatch(/^ {2}DATABASE_URL: must be a postgres:\/\/ URL$/m);
    expect(output).not.toMatch(/\n\s+at /);
  });

  it("refuses to start in production without JWT_SECRET", async () => {
    const spawned = spawnEntry("src/server.ts", [], { NODE_ENV: "production" });
    expect(await spawned.exited).toBe(78);
    expect(spawned.output()).toMatch(/JWT_SECRET: must be set to at least 32 bytes in production/);
  });

  it("refuses DATABASE_URL without JWT_SECRET in development too, saying why", async () => {
    const spawned = spawnEntry("src/server.ts", [], {
      NODE_ENV: "development",
      DATABASE_URL: "postgres://stratum@127.0.0.1:1/none",
    });
    expect(await spawned.exited).toBe(78);
    expect(spawned.output()).toMatch(
      /^ {2}JWT_SECRET: required with DATABASE_URL: every API replica/m,
    );
  });

  it("warns about each default that is wrong in production and serves /metrics apart", async () => {
    const server = await startServer({
      NODE_ENV: "production",
      DATA_DIR: freshDataDir(),
      ALLOW_EMBEDDED_IN_PRODUCTION: "true",
      JWT_SECRET: "process-test-secret-that-is-long-enough",
      METRICS_PORT: "0",
    });
    try {
      const listening = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/g;
      await waitForOutput(server, /(Server listening at [\s\S]*){2}/);
      const [, metricsUrl] = [...server.output().matchAll(listening)].map((match) => match[1]);
      expect((await fetch(`${metricsUrl}/metrics`)).status).toBe(200);
      expect((await fetch(`${server.url}/metrics`)).status).toBe(404);
    } finally {
      server.child.kill("SIGTERM");
      await server.exited;
    }
    const warnings = server
      .output()
      .split("\n")
      .filter((line) => line.includes('"level":40'))
      .map((line) => JSON.parse(line).msg as string);
    expect(warnings).toEqual([
      expect.stringMatching(/^SMTP_URL is not set: /),
      expect.stringMatching(/^TRUST_PROXY is not set: /),
      expect.stringMatching(/^APP_URL is http:\/\/localhost:3000: /),
    ]);
  });

  it("serves on the embedded database, locks DATA_DIR, and shuts down cleanly on SIGTERM", async () => {
    const dataDir = freshDataDir();
    const server = await startServer({ DATA_DIR: dataDir });
    try {
      const ready = await fetch(`${server.url}/health/ready`);
      expect(ready.status).toBe(200);
      expect(readFileSync(join(dataDir, "stratum.lock"), "utf8")).toBe(String(server.child.pid));

      const second = spawnEntry("src/server.ts", [], { DATA_DIR: dataDir, PORT: "0" });
      expect(await second.exited).toBe(1);
      expect(second.output()).toContain(`is in use by process ${server.child.pid}`);
    } finally {
      server.child.kill("SIGTERM");
    }
    expect(await server.exited).toBe(0);
    expect(server.output()).toContain("shutdown complete");
  });
});

describe("CLI", () => {
  it("applies pending migrations itself before a command", async () => {
    const dataDir = freshDataDir();
    const spawned = spawnEntry("src/cli.ts", ["db:migrate"], { DATA_DIR: dataDir });
    expect(await spawned.exited).toBe(0);
    expect(spawned.output()).toContain("migrations applied");
  });

  it("rejects an unknown command with usage", async () => {
    const spawned = spawnEntry("src/cli.ts", ["nope"], {});
    expect(await spawned.exited).toBe(2);
    expect(spawned.output()).toContain("unknown command: nope");
    expect(spawned.output()).toContain("usage:");
  });
});
