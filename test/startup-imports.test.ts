import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { recordResolvedModules } from "./helpers/process.ts";

vi.setConfig({ testTimeout: 60_000 });

const dir = mkdtempSync(join(tmpdir(), "stratum-imports-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Every module the server's static import graph resolves. A bad configuration makes the server
 * exit in its first statement, after ES modules have loaded all their static imports.
 */
async function serverStaticImports(): Promise<string[]> {
  const file = join(dir, "resolved.txt");
  const child = spawn(process.execPath, [...recordResolvedModules(file), "src/server.ts"], {
    env: { PATH: process.env.PATH ?? "", PORT: "not-a-port" },
    stdio: "ignore",
  });
  const [code] = await once(child, "exit");
  expect(code).toBe(78);
  return readFileSync(file, "utf8").trim().split("\n");
}

describe("server start-up", () => {
  it("loads optional adapters' packages only when they are configured", async () => {
    const resolved = await serverStaticImports();

    expect(resolved.some((url) => url.includes("/node_modules/fastify/"))).toBe(true);
    const optional = [
      "@aws-sdk/",
      "nodemailer/",
      "ioredis/",
      "@electric-sql/pglite/",
      "@node-rs/argon2/",
      "@opentelemetry/sdk-trace/",
      "@opentelemetry/exporter-trace-otlp-http/",
    ];
    for (const name of optional) {
      expect(resolved.filter((url) => url.includes(`/node_modules/${name}`))).toEqual([]);
    }
  });
});
