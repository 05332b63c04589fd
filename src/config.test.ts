import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig, productionWarnings } from "./config.ts";

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

const SHARED = { DATABASE_URL: "postgres://x@localhost/db", JWT_SECRET: "s".repeat(32) };
const PRODUCTION = { ...SHARED, NODE_ENV: "production" };

describe("loadConfig", () => {
  it("uses the embedded database and migrates on start by default", () => {
    const config = loadConfig({});
    expect(config.database.embedded).toBe(true);
    expect(config.migrateOnStart).toBe(true);
    expect(config.port).toBe(3000);
    expect(config.http.bodyLimit).toBe(1024 * 1024);
  });

  it("does not migrate on start with a real database unless asked", () => {
    expect(loadConfig(SHARED).migrateOnStart).toBe(false);
    const asked = loadConfig({ ...SHARED, MIGRATE_ON_START: "true" });
    expect(asked.migrateOnStart).toBe(true);
  });

  it("prepares statements unless DB_PREPARED_STATEMENTS=false (a pooler that cannot keep them)", () => {
    expect(loadConfig(SHARED).database.preparedStatements).toBe(true);
    const off = loadConfig({ ...SHARED, DB_PREPARED_STATEMENTS: "false" });
    expect(off.database.preparedStatements).toBe(false);
    expect(problemsOf({ ...SHARED, DB_PREPARED_STATEMENTS: "sometimes" })).toHaveLength(1);
  });

  it("pipelines queries on a connection unless DB_PIPELINING=false (a transaction pooler)", () => {
    expect(loadConfig(SHARED).database.pipelining).toBe(true);
    expect(loadConfig({ ...SHARED, DB_PIPELINING: "false" }).database.pipelining).toBe(false);
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

  it("takes the passkeys' relying party from APP_URL unless WEBAUTHN_* say otherwise", () => {
    expect(loadConfig({ APP_URL: "https://app.example.com/base/" }).webauthn).toEqual({
      rpId: "app.example.com",
      rpName: "Stratum",
      origins: ["https://app.example.com"],
    });
    const set = loadConfig({
      WEBAUTHN_RP_ID: "example.com",
      WEBAUTHN_RP_NAME: "Cookbook",
      WEBAUTHN_ORIGINS: "https://example.com/, https://m.example.com",
    });
    expect(set.webauthn).toEqual({
      rpId: "example.com",
      rpName: "Cookbook",
      origins: ["https://example.com", "https://m.example.com"],
    });
    expect(() => loadConfig({ WEBAUTHN_ORIGINS: "example.com" })).toThrow(
      /WEBAUTHN_ORIGINS: not an origin: example\.com/,
    );
  });

  it("listens on 127.0.0.1 outside production and on every interface in production", () => {
    expect(loadConfig({}).host).toBe("127.0.0.1");
    expect(loadConfig({ NODE_ENV: "test" }).host).toBe("127.0.0.1");
    expect(loadConfig(PRODUCTION).host).toBe("0.0.0.0");
    expect(loadConfig({ HOST: "0.0.0.0" }).host).toBe("0.0.0.0");
    expect(loadConfig({ ...PRODUCTION, HOST: "10.0.0.5" }).host).toBe("10.0.0.5");
  });

  it("opens the development mailbox on the embedded database only, unless told", () => {
    expect(loadConfig({}).devMailbox).toBe(true);
    expect(loadConfig({ DEV_MAILBOX: "false" }).devMailbox).toBe(false);
    expect(loadConfig(SHARED).devMailbox).toBe(false);
    expect(loadConfig({ ...SHARED, DEV_MAILBOX: "true" }).devMailbox).toBe(true);
    const embeddedProduction = {
      ...PRODUCTION,
      DATABASE_URL: "",
      ALLOW_EMBEDDED_IN_PRODUCTION: "true",
    };
    expect(loadConfig(embeddedProduction).devMailbox).toBe(false);
    expect(problemsOf({ ...PRODUCTION, DEV_MAILBOX: "true" })).toEqual([
      expect.stringMatching(/^DEV_MAILBOX: never in production/),
    ]);
  });

  it("refuses DATABASE_URL without JWT_SECRET, in development too, and says why", () => {
    const problems = problemsOf({ DATABASE_URL: "postgres://x@localhost/db" });
    expect(problems).toEqual([expect.stringMatching(/^JWT_SECRET: required with DATABASE_URL/)]);
    expect(problems[0]).toMatch(/replica.*refuse each other's tokens/);
    expect(
      problemsOf({ NODE_ENV: "test", DATABASE_URL: "postgres://x@localhost/db" }),
    ).toHaveLength(1);
  });

  it("leaves the key of the embedded database to createDeps when JWT_SECRET is unset", () => {
    expect(loadConfig({}).jwt.secret).toBeUndefined();
    expect(loadConfig({ JWT_SECRET: "given" }).jwt.secret).toBe("given");
  });

  it("serves the API docs outside production, and in production only when asked", () => {
    expect(loadConfig({}).apiDocs).toBe(true);
    expect(loadConfig({ API_DOCS: "false" }).apiDocs).toBe(false);
    expect(loadConfig(PRODUCTION).apiDocs).toBe(false);
    expect(loadConfig({ ...PRODUCTION, API_DOCS: "true" }).apiDocs).toBe(true);
  });

  it("keeps /metrics off the API port in production unless a token guards it", () => {
    expect(loadConfig({}).metrics).toEqual({
      port: undefined,
      host: "127.0.0.1",
      token: undefined,
      onApiPort: true,
    });
    expect(loadConfig(PRODUCTION).metrics.onApiPort).toBe(false);
    const token = "t".repeat(32);
    expect(loadConfig({ ...PRODUCTION, METRICS_TOKEN: token }).metrics).toMatchObject({
      onApiPort: true,
      token,
    });
    expect(loadConfig({ METRICS_PORT: "9464" }).metrics).toMatchObject({
      port: 9464,
      onApiPort: false,
    });
    expect(problemsOf({ METRICS_TOKEN: "short" })).toEqual([
      expect.stringMatching(/^METRICS_TOKEN: must be at least 32/),
    ]);
    expect(problemsOf({ METRICS_PORT: "70000" })).toHaveLength(1);
  });
});

describe("identity providers", () => {
  it("turns a provider on only when its client is configured", () => {
    expect(loadConfig({}).identityProviders).toMatchObject({ oidc: undefined, github: undefined });
    const config = loadConfig({
      APP_URL: "https://app.example.com/",
      OIDC_ISSUER: "https://accounts.google.com",
      OIDC_CLIENT_ID: "id",
      OIDC_CLIENT_SECRET: "secret",
      GITHUB_CLIENT_ID: "gh",
      GITHUB_CLIENT_SECRET: "gh-secret",
    });
    expect(config.identityProviders).toMatchObject({
      landingUrl: "https://app.example.com/signed-in",
      callbackBase: "https://app.example.com/api/auth/providers",
      oidc: { issuer: "https://accounts.google.com", name: "OpenID Connect" },
      github: { webUrl: "https://github.com", apiUrl: "https://api.github.com" },
    });
  });

  it("refuses half a provider, a plain-HTTP provider off this machine and a landing that is no path", () => {
    expect(problemsOf({ OIDC_ISSUER: "https://id.example.com", GITHUB_CLIENT_ID: "x" })).toEqual([
      "OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET: set all of them, or none",
      "GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET: set all of them, or none",
    ]);
    const http = {
      OIDC_ISSUER: "http://id.example.com",
      OIDC_CLIENT_ID: "a",
      OIDC_CLIENT_SECRET: "b",
    };
    // Whatever NODE_ENV says: a deployment that forgot to set it is not let off.
    for (const env of [{}, PRODUCTION]) {
      expect(problemsOf({ ...env, ...http, GITHUB_API_URL: "http://api.example.com" })).toEqual([
        "OIDC_ISSUER: must be an https:// URL (http:// only for localhost or 127.0.0.1)",
        "GITHUB_API_URL: must be an https:// URL (http:// only for localhost or 127.0.0.1)",
      ]);
    }
    const loopback = {
      ...http,
      OIDC_ISSUER: "http://127.0.0.1:9000",
      GITHUB_URL: "http://localhost:9001",
    };
    expect(problemsOf({ ...PRODUCTION, ...loopback })).toEqual([]);
    for (const path of ["//evil.example.com", "https://evil.example.com", "signed-in"]) {
      expect(problemsOf({ SIGN_IN_LANDING_PATH: path })).toEqual([
        "SIGN_IN_LANDING_PATH: must be a path such as /signed-in",
      ]);
    }
  });
});

describe("productionWarnings", () => {
  it("names every default that is wrong for production, one line each", () => {
    const warnings = productionWarnings(loadConfig(PRODUCTION));
    expect(warnings).toEqual([
      expect.stringMatching(/^SMTP_URL is not set: .*mail_outbox/),
      expect.stringMatching(/^WORKER_MODE is off: .*`npm run worker`/),
      expect.stringMatching(/^REDIS_URL is not set: rate limits are counted per process/),
      expect.stringMatching(/^TRUST_PROXY is not set: /),
      expect.stringMatching(/^APP_URL is http:\/\/localhost:3000: /),
      expect.stringMatching(/^S3_BUCKET is not set: /),
      expect.stringMatching(/^\/metrics is served nowhere: /),
    ]);
  });

  it("is empty for a production configuration that sets them", () => {
    const config = loadConfig({
      ...PRODUCTION,
      SMTP_URL: "smtp://mail.internal:587",
      MAIL_FROM: "Stratum <no-reply@example.com>",
      WORKER_MODE: "inline",
      REDIS_URL: "redis://cache.internal:6379",
      TRUST_PROXY: "1",
      SHUTDOWN_DRAIN_MS: "1000",
      APP_URL: "https://app.example.com",
      S3_BUCKET: "exports",
      METRICS_PORT: "9464",
    });
    expect(productionWarnings(config)).toEqual([]);
  });

  it("asks for a drain on SIGTERM behind a proxy", () => {
    const behindProxy = { ...PRODUCTION, TRUST_PROXY: "1" };
    const drain = (env: Record<string, string>) =>
      productionWarnings(loadConfig(env)).filter((w) => w.startsWith("SHUTDOWN_DRAIN_MS"));
    expect(drain(behindProxy)).toEqual([
      expect.stringMatching(/^SHUTDOWN_DRAIN_MS is 0 behind a proxy \(TRUST_PROXY\): /),
    ]);
    expect(drain({ ...behindProxy, SHUTDOWN_DRAIN_MS: "1000" })).toEqual([]);
    expect(drain(PRODUCTION)).toEqual([]);
  });

  it("skips what a single embedded process does not need, and says nothing outside production", () => {
    const embedded = loadConfig({
      ...PRODUCTION,
      DATABASE_URL: "",
      ALLOW_EMBEDDED_IN_PRODUCTION: "true",
    });
    const names = productionWarnings(embedded).map((warning) => warning.split(" ")[0]);
    expect(names).toEqual(["SMTP_URL", "TRUST_PROXY", "APP_URL", "/metrics"]);
    expect(productionWarnings(loadConfig(SHARED))).toEqual([]);
  });
});
