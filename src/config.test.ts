import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "./config.ts";

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe("loadConfig", () => {
  it("uses the embedded database and migrates on start by default", () => {
    const config = loadConfig({});
    expect(config.database.embedded).toBe(true);
    expect(config.migrateOnStart).toBe(true);
    expect(config.port).toBe(3000);
    expect(config.http.bodyLimit).toBe(1024 * 1024);
  });

  it("does not migrate on start with a real database unless asked", () => {
    expect(loadConfig({ DATABASE_URL: "postgres://x@localhost/db" }).migrateOnStart).toBe(false);
    const asked = loadConfig({
      DATABASE_URL: "postgres://x@localhost/db",
      MIGRATE_ON_START: "true",
    });
    expect(asked.migrateOnStart).toBe(true);
  });

  it("leaves the hash concurrency to the cores unless set", () => {
    expect(loadConfig({}).passwordHashConcurrency).toBeUndefined();
    expect(loadConfig({ PASSWORD_HASH_CONCURRENCY: "3" }).passwordHashConcurrency).toBe(3);
    expect(problemsOf({ PASSWORD_HASH_CONCURRENCY: "-1" })).toHaveLength(1);
  });

  it("serves the worker's endpoint on loopback port 3001 unless told otherwise", () => {
    expect(loadConfig({}).worker.http).toEqual({ host: "127.0.0.1", port: 3001 });
    expect(loadConfig({ WORKER_HTTP_PORT: "0" }).worker.http?.port).toBe(0);
    expect(loadConfig({ WORKER_HTTP_PORT: "off" }).worker.http).toBeUndefined();
    expect(problemsOf({ WORKER_HTTP_PORT: "on" })).toEqual([
      "WORKER_HTTP_PORT: must be a port number (0 picks a free one) or off",
    ]);
    expect(problemsOf({ WORKER_HTTP_PORT: "70000" })).toHaveLength(1);
  });

  it("lists one problem per bad variable", () => {
    const problems = problemsOf({ PORT: "abc", DATABASE_URL: "mysql://x", TRUST_PROXY: "maybe" });
    expect(problems).toHaveLength(3);
    expect(problems.find((p) => p.startsWith("PORT:"))).toBeDefined();
    expect(problems.find((p) => p.startsWith("DATABASE_URL:"))).toMatch(/postgres/);
    expect(problems.find((p) => p.startsWith("TRUST_PROXY:"))).toBeDefined();
  });

  it("refuses production without a strong JWT_SECRET or with the embedded database", () => {
    const problems = problemsOf({ NODE_ENV: "production", JWT_SECRET: "short" });
    expect(problems).toEqual([
      expect.stringMatching(/^JWT_SECRET: .*32 bytes/),
      expect.stringMatching(/^DATABASE_URL: .*ALLOW_EMBEDDED_IN_PRODUCTION/),
    ]);
  });

  it("allows embedded production when explicitly allowed", () => {
    const config = loadConfig({
      NODE_ENV: "production",
      JWT_SECRET: "x".repeat(32),
      ALLOW_EMBEDDED_IN_PRODUCTION: "true",
    });
    expect(config.isProduction).toBe(true);
  });

  it("parses CORS_ORIGINS as a comma list", () => {
    const config = loadConfig({ CORS_ORIGINS: " https://a.example, https://b.example ,," });
    expect(config.corsOrigins).toEqual(["https://a.example", "https://b.example"]);
  });
});
