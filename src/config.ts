import { resolve } from "node:path";
import { z } from "zod";
import { isHttpsOrLoopback } from "./lib/urls.ts";

const bool = (fallback: boolean) => z.stringbool().default(fallback);
const int = (min: number, max: number, fallback: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);
const optionalString = z
  .string()
  .optional()
  .transform((value) => (value === "" ? undefined : value));

const EnvSchema = z.object({
  NODE_ENV: z.enum(["development", "test", "production"]).default("development"),
  // Default: 127.0.0.1, or 0.0.0.0 in production (containers must listen on every interface).
  HOST: optionalString,
  PORT: int(0, 65535, 3000),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  APP_URL: z.url().default("http://localhost:3000"),
  DATA_DIR: z.string().min(1).default("./.data"),
  DATABASE_URL: optionalString.pipe(
    z
      .string()
      .regex(/^postgres(ql)?:\/\//, "must be a postgres:// URL")
      .optional(),
  ),
  DB_POOL_SIZE: int(1, 500, 10),
  DB_STATEMENT_TIMEOUT_MS: int(100, 600_000, 5_000),
  // false behind a pooler that cannot keep named statements (PgBouncer before 1.21 in transaction
  // mode): every statement is then parsed and planned on each call (docs/deploy.md).
  DB_PREPARED_STATEMENTS: bool(true),
  // false behind a transaction pooler: one query at a time on each client connection (docs/deploy.md).
  DB_PIPELINING: bool(true),
  MIGRATE_ON_START: optionalString.pipe(z.stringbool().optional()),
  ALLOW_EMBEDDED_IN_PRODUCTION: bool(false),
  JWT_SECRET: optionalString,
  JWT_SECRET_PREVIOUS: optionalString,
  JWT_ISSUER: z.string().min(1).default("stratum"),
  JWT_AUDIENCE: z.string().min(1).default("stratum-api"),
  REDIS_URL: optionalString.pipe(
    z
      .string()
      .regex(/^rediss?:\/\//, "must be a redis:// URL")
      .optional(),
  ),
  CORS_ORIGINS: z.string().default(""),
  REQUIRE_VERIFIED_EMAIL: bool(false),
  // The name authenticator apps show next to the account's codes.
  TOTP_ISSUER: z.string().trim().min(1).max(64).default("Stratum"),
  // Passkeys (docs/auth.md): the relying party; both default to what APP_URL says.
  WEBAUTHN_RP_ID: optionalString,
  WEBAUTHN_RP_NAME: z.string().min(1).default("Stratum"),
  WEBAUTHN_ORIGINS: optionalString,
  // Sign-in with an identity provider (docs/auth.md): each is on when its client is configured.
  OIDC_ISSUER: optionalString.pipe(z.url().optional()),
  OIDC_CLIENT_ID: optionalString,
  OIDC_CLIENT_SECRET: optionalString,
  OIDC_NAME: z.string().min(1).default("OpenID Connect"),
  GITHUB_CLIENT_ID: optionalString,
  GITHUB_CLIENT_SECRET: optionalString,
  GITHUB_URL: z.url().default("https://github.com"),
  GITHUB_API_URL: z.url().default("https://api.github.com"),
  // Where the browser lands after a provider's sign-in, under APP_URL, with `#code=…` to trade.
  SIGN_IN_LANDING_PATH: z
    .string()
    .regex(/^\/(?!\/)[^\s#?\\]*$/, "must be a path such as /signed-in")
    .default("/signed-in"),
  // The outbox at /api/dev/mail; default: on with the embedded database outside production.
  DEV_MAILBOX: optionalString.pipe(z.stringbool().optional()),
  // /docs and /openapi.json; default: on outside production.
  API_DOCS: optionalString.pipe(z.stringbool().optional()),
  // GraphQL's __schema and __type; default: on outside production.
  GRAPHQL_INTROSPECTION: optionalString.pipe(z.stringbool().optional()),
  METRICS_PORT: optionalString.pipe(z.coerce.number<string>().int().min(0).max(65535).optional()),
  METRICS_HOST: z.string().min(1).default("127.0.0.1"),
  METRICS_TOKEN: optionalString.pipe(
    z.string().min(32, "must be at least 32 characters").optional(),
  ),
  // false, true (= one proxy in front), or how many proxies in front append to X-Forwarded-For.
  TRUST_PROXY: z
    .string()
    .default("false")
    .transform((value) => (value === "true" ? 1 : value === "false" ? 0 : Number(value)))
    .pipe(z.number({ message: "must be true, false or a number of proxies" }).int().min(0).max(10)),
  BODY_LIMIT_BYTES: int(1_024, 100 * 1024 * 1024, 1024 * 1024),
  REQUEST_TIMEOUT_MS: int(1_000, 600_000, 30_000),
  HANDLER_TIMEOUT_MS: int(100, 600_000, 15_000),
  // How many Argon2 hashes run at once; 0: one fewer than the cores, at least one.
  PASSWORD_HASH_CONCURRENCY: int(0, 64, 0),
  KEEP_ALIVE_TIMEOUT_MS: int(1_000, 600_000, 5_000),
  CONNECTION_TIMEOUT_MS: int(1_000, 600_000, 10_000),
  SHUTDOWN_TIMEOUT_MS: int(100, 600_000, 10_000),
  SHUTDOWN_DRAIN_MS: int(0, 600_000, 0),
  STORAGE_DIR: optionalString,
  S3_BUCKET: optionalString,
  S3_REGION: z.string().min(1).default("us-east-1"),
  S3_ENDPOINT: optionalString.pipe(z.url().optional()),
  S3_ACCESS_KEY_ID: optionalString,
  S3_SECRET_ACCESS_KEY: optionalString,
  S3_FORCE_PATH_STYLE: bool(false),
  WORKER_MODE: z.enum(["inline", "off"]).optional(),
  WORKER_CONCURRENCY: int(1, 100, 5),
  WORKER_POLL_INTERVAL_MS: int(500, 60_000, 2_000),
  JOB_MAINTENANCE_INTERVAL_SECONDS: int(1, 3_600, 30),
  // `npm run worker`'s health and metrics endpoint; "off" serves none.
  WORKER_HTTP_HOST: z.string().min(1).default("127.0.0.1"),
  WORKER_HTTP_PORT: z
    .string()
    .default("3001")
    .transform((value) => (value === "off" ? undefined : value === "" ? 3001 : Number(value)))
    .pipe(
      z
        .number({ message: "must be a port number (0 picks a free one) or off" })
        .int()
        .min(0)
        .max(65535)
        .optional(),
    ),
  JOB_QUEUE_WARN_AGE_SECONDS: int(1, 7 * 24 * 3600, 300),
  SMTP_URL: optionalString.pipe(
    z
      .string()
      .regex(/^smtps?:\/\//, "must be an smtp:// or smtps:// URL")
      .optional(),
  ),
  MAIL_FROM: optionalString,
  // OpenTelemetry's own variables, read as its specification says (docs/tracing.md).
  OTEL_SDK_DISABLED: bool(false),
  OTEL_TRACES_EXPORTER: optionalString.pipe(
    z
      .string()
      .regex(
        /^\s*(otlp|console|none)\s*(,\s*(otlp|console|none)\s*)*$/,
        "must list otlp, console or none",
      )
      .optional(),
  ),
  OTEL_EXPORTER_OTLP_ENDPOINT: optionalString.pipe(z.url().optional()),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: optionalString.pipe(z.url().optional()),
  OTEL_SERVICE_NAME: optionalString,
  OTEL_TRACES_SAMPLER: optionalString.pipe(
    z
      .enum([
        "always_on",
        "always_off",
        "traceidratio",
        "parentbased_always_on",
        "parentbased_always_off",
        "parentbased_traceidratio",
      ])
      .optional(),
  ),
  OTEL_TRACES_SAMPLER_ARG: optionalString.pipe(z.coerce.number<string>().min(0).max(1).optional()),
});

export type Env = z.input<typeof EnvSchema>;

/** Every variable the configuration reads (docs/deploy.md documents each; a test holds it to that). */
export const ENV_VARIABLES = Object.keys(EnvSchema.shape) as (keyof Env)[];

export type Config = ReturnType<typeof toConfig>;

export class ConfigError extends Error {
  readonly problems: string[];

  constructor(problems: string[]) {
    super(`Invalid configuration:\n${problems.join("\n")}`);
    this.problems = problems;
    this.name = "ConfigError";
  }
}

function toConfig(env: z.output<typeof EnvSchema>) {
  const embedded = env.DATABASE_URL === undefined;
  const isProduction = env.NODE_ENV === "production";
  const dataDir = resolve(env.DATA_DIR);
  return {
    env: env.NODE_ENV,
    isProduction,
    // A laptop's server is not reachable from the café's network unless HOST says so.
    host: env.HOST ?? (isProduction ? "0.0.0.0" : "127.0.0.1"),
    port: env.PORT,
    logLevel: env.LOG_LEVEL,
    appUrl: env.APP_URL.replace(/\/$/, ""),
    dataDir,
    database: {
      url: env.DATABASE_URL,
      embedded,
      poolSize: env.DB_POOL_SIZE,
      statementTimeoutMs: env.DB_STATEMENT_TIMEOUT_MS,
      preparedStatements: env.DB_PREPARED_STATEMENTS,
      pipelining: env.DB_PIPELINING,
    },
    migrateOnStart: env.MIGRATE_ON_START ?? embedded,
    jwt: {
      // Unset only on the embedded database outside production: createDeps then uses the
      // development key kept in DATA_DIR (loadConfig itself touches no files).
      secret: env.JWT_SECRET,
      previousSecret: env.JWT_SECRET_PREVIOUS,
      issuer: env.JWT_ISSUER,
      audience: env.JWT_AUDIENCE,
    },
    redisUrl: env.REDIS_URL,
    passwordHashConcurrency: env.PASSWORD_HASH_CONCURRENCY || undefined,
    requireVerifiedEmail: env.REQUIRE_VERIFIED_EMAIL,
    totpIssuer: env.TOTP_ISSUER,
    // Whoever reads the outbox can reset any password: never with a shared database by default.
    devMailbox: !isProduction && (env.DEV_MAILBOX ?? embedded),
    apiDocs: env.API_DOCS ?? !isProduction,
    graphql: { introspection: env.GRAPHQL_INTROSPECTION ?? !isProduction },
    metrics: {
      port: env.METRICS_PORT,
      host: env.METRICS_HOST,
      token: env.METRICS_TOKEN,
      // On the API's port only when asked for with a token, or outside production as before.
      onApiPort:
        env.METRICS_PORT === undefined && (env.METRICS_TOKEN !== undefined || !isProduction),
    },
    corsOrigins: env.CORS_ORIGINS.split(",")
      .map((origin) => origin.trim())
      .filter(Boolean),
    webauthn: webauthnConfig(env),
    // A hop count, never "trust all": that would let a client pick its own address.
    trustedProxies: env.TRUST_PROXY,
    http: {
      bodyLimit: env.BODY_LIMIT_BYTES,
      requestTimeoutMs: env.REQUEST_TIMEOUT_MS,
      handlerTimeoutMs: env.HANDLER_TIMEOUT_MS,
      keepAliveTimeoutMs: env.KEEP_ALIVE_TIMEOUT_MS,
      connectionTimeoutMs: env.CONNECTION_TIMEOUT_MS,
    },
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
    shutdownDrainMs: env.SHUTDOWN_DRAIN_MS,
    storage: {
      dir: resolve(env.STORAGE_DIR ?? resolve(dataDir, "storage")),
      s3: env.S3_BUCKET
        ? {
            bucket: env.S3_BUCKET,
            region: env.S3_REGION,
            endpoint: env.S3_ENDPOINT,
            accessKeyId: env.S3_ACCESS_KEY_ID,
            secretAccessKey: env.S3_SECRET_ACCESS_KEY,
            forcePathStyle: env.S3_FORCE_PATH_STYLE,
          }
        : undefined,
    },
    worker: {
      // Embedded mode has one process, so it runs the jobs too; with PostgreSQL workers scale apart.
      mode: env.WORKER_MODE ?? (embedded ? "inline" : "off"),
      concurrency: env.WORKER_CONCURRENCY,
      pollIntervalMs: env.WORKER_POLL_INTERVAL_MS,
      maintenanceIntervalSeconds: env.JOB_MAINTENANCE_INTERVAL_SECONDS,
      http:
        env.WORKER_HTTP_PORT === undefined
          ? undefined
          : { host: env.WORKER_HTTP_HOST, port: env.WORKER_HTTP_PORT },
      queueWarnAgeSeconds: env.JOB_QUEUE_WARN_AGE_SECONDS,
    },
    mail: { smtpUrl: env.SMTP_URL, from: env.MAIL_FROM ?? "Stratum <no-reply@localhost>" },
    identityProviders: identityProvidersConfig(env),
    tracing: tracingConfig(env),
  };
}

/** The relying party of passkeys: APP_URL's host and origin unless set apart. */
function webauthnConfig(env: z.output<typeof EnvSchema>) {
  const appUrl = new URL(env.APP_URL);
  const origins = (env.WEBAUTHN_ORIGINS ?? appUrl.origin)
    .split(",")
    .map((origin) => origin.trim().replace(/\/$/, ""))
    .filter(Boolean);
  return {
    rpId: env.WEBAUTHN_RP_ID ?? appUrl.hostname,
    rpName: env.WEBAUTHN_RP_NAME,
    origins: origins.length > 0 ? origins : [appUrl.origin],
  };
}

/** The identity providers with a client configured; `landingUrl` receives the exchange code. */
function identityProvidersConfig(env: z.output<typeof EnvSchema>) {
  const trim = (url: string) => url.replace(/\/$/, "");
  return {
    landingUrl: `${trim(env.APP_URL)}${env.SIGN_IN_LANDING_PATH}`,
    callbackBase: `${trim(env.APP_URL)}/api/auth/providers`,
    oidc:
      env.OIDC_ISSUER && env.OIDC_CLIENT_ID && env.OIDC_CLIENT_SECRET
        ? {
            issuer: env.OIDC_ISSUER,
            clientId: env.OIDC_CLIENT_ID,
            clientSecret: env.OIDC_CLIENT_SECRET,
            name: env.OIDC_NAME,
          }
        : undefined,
    github:
      env.GITHUB_CLIENT_ID && env.GITHUB_CLIENT_SECRET
        ? {
            clientId: env.GITHUB_CLIENT_ID,
            clientSecret: env.GITHUB_CLIENT_SECRET,
            webUrl: trim(env.GITHUB_URL),
            apiUrl: trim(env.GITHUB_API_URL),
          }
        : undefined,
  };
}

/** A provider half configured is a mistake, not a provider turned off. */
function identityProviderProblems(env: z.output<typeof EnvSchema>): string[] {
  const groups: [string, (string | undefined)[]][] = [
    [
      "OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET",
      [env.OIDC_ISSUER, env.OIDC_CLIENT_ID, env.OIDC_CLIENT_SECRET],
    ],
    ["GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET", [env.GITHUB_CLIENT_ID, env.GITHUB_CLIENT_SECRET]],
  ];
  const problems = groups
    .filter(([, values]) => values.some(Boolean) && !values.every(Boolean))
    .map(([names]) => `${names}: set all of them, or none`);
  // Plain HTTP to a provider only on this machine (a provider run beside the API, a test's mock).
  const urls = {
    OIDC_ISSUER: env.OIDC_ISSUER,
    GITHUB_URL: env.GITHUB_URL,
    GITHUB_API_URL: env.GITHUB_API_URL,
  };
  for (const [name, url] of Object.entries(urls)) {
    if (url && !isHttpsOrLoopback(url)) {
      problems.push(`${name}: must be an https:// URL (http:// only for localhost or 127.0.0.1)`);
    }
  }
  return problems;
}

export type TracesSampler = NonNullable<z.output<typeof EnvSchema>["OTEL_TRACES_SAMPLER"]>;

/**
 * Traces are off unless an exporter is named (OTEL_TRACES_EXPORTER) or an OTLP endpoint is set;
 * the OTLP endpoint defaults to the specification's http://localhost:4318.
 */
function tracingConfig(env: z.output<typeof EnvSchema>) {
  const named = env.OTEL_TRACES_EXPORTER?.split(",").map((name) => name.trim());
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? env.OTEL_EXPORTER_OTLP_ENDPOINT;
  const exporters = (named ?? (endpoint ? ["otlp"] : [])).filter(
    (name): name is "otlp" | "console" => name !== "none",
  );
  if (env.OTEL_SDK_DISABLED || exporters.length === 0 || named?.includes("none")) return undefined;
  const base = (env.OTEL_EXPORTER_OTLP_ENDPOINT ?? "http://localhost:4318").replace(/\/$/, "");
  return {
    serviceName: env.OTEL_SERVICE_NAME ?? "stratum",
    exporters: [...new Set(exporters)],
    // The per-signal endpoint is used as given; the general one gets the signal's path.
    otlpUrl: env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? `${base}/v1/traces`,
    sampler: env.OTEL_TRACES_SAMPLER ?? "parentbased_always_on",
    samplerRatio: env.OTEL_TRACES_SAMPLER_ARG ?? 1,
  };
}

function webauthnProblems(env: z.output<typeof EnvSchema>): string[] {
  const origins = env.WEBAUTHN_ORIGINS?.split(",").map((origin) => origin.trim()) ?? [];
  const bad = origins.filter(
    (origin) => origin && !(/^https?:\/\//.test(origin) && URL.canParse(origin)),
  );
  return bad.length > 0 ? [`WEBAUTHN_ORIGINS: not an origin: ${bad.join(", ")}`] : [];
}

function mailProblems(env: z.output<typeof EnvSchema>): string[] {
  return env.SMTP_URL && !env.MAIL_FROM ? ["MAIL_FROM: required when SMTP_URL is set"] : [];
}

/** Replicas and workers on one database must share the signing key, whatever NODE_ENV says. */
function sharedDatabaseProblems(env: z.output<typeof EnvSchema>): string[] {
  if (!env.DATABASE_URL || env.JWT_SECRET || env.NODE_ENV === "production") return [];
  return [
    "JWT_SECRET: required with DATABASE_URL: every API replica and worker on the database must " +
      "sign tokens with the same key, or they refuse each other's tokens (and a restart signs " +
      "everyone out)",
  ];
}

function productionProblems(env: z.output<typeof EnvSchema>): string[] {
  if (env.NODE_ENV !== "production") return [];
  const problems: string[] = [];
  if (!env.JWT_SECRET || Buffer.byteLength(env.JWT_SECRET) < 32) {
    problems.push("JWT_SECRET: must be set to at least 32 bytes in production");
  }
  if (!env.DATABASE_URL && !env.ALLOW_EMBEDDED_IN_PRODUCTION) {
    problems.push(
      "DATABASE_URL: required in production (or set ALLOW_EMBEDDED_IN_PRODUCTION=true to use the embedded database)",
    );
  }
  if (env.DEV_MAILBOX) {
    problems.push("DEV_MAILBOX: never in production (whoever reads it can reset any password)");
  }
  return problems;
}

/** Parses the environment; throws a ConfigError listing every problem, one per line. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => `${issue.path.join(".") || "env"}: ${issue.message}`),
    );
  }
  const problems = [
    ...mailProblems(parsed.data),
    ...webauthnProblems(parsed.data),
    ...identityProviderProblems(parsed.data),
    ...sharedDatabaseProblems(parsed.data),
    ...productionProblems(parsed.data),
  ];
  if (problems.length > 0) throw new ConfigError(problems);
  return toConfig(parsed.data);
}

const isLocalUrl = (url: string) =>
  ["localhost", "127.0.0.1", "[::1]"].includes(new URL(url).hostname);

/**
 * Settings whose default is wrong for a production server, one sentence each (the server logs
 * every one as a warning at start). Outside production: none.
 */
export function productionWarnings(config: Config): string[] {
  if (!config.isProduction) return [];
  const shared = !config.database.embedded;
  const checks: [boolean, string][] = [
    [
      !config.mail.smtpUrl,
      "SMTP_URL is not set: no mail is sent; verification and password-reset messages stay in " +
        "the mail_outbox table, which nobody reads",
    ],
    [
      config.worker.mode === "off",
      "WORKER_MODE is off: this process runs no jobs (mail, exports, account deletion, cleanup); " +
        "run `npm run worker` processes beside it, or every job stays queued",
    ],
    [
      shared && !config.redisUrl,
      "REDIS_URL is not set: rate limits are counted per process, so every replica grants a " +
        "client its own budget of login and sign-up attempts",
    ],
    [
      config.trustedProxies === 0,
      "TRUST_PROXY is not set: behind a load balancer or reverse proxy every client has the " +
        "proxy's address in rate limits and audit events; set it to the number of proxies in front",
    ],
    [
      config.trustedProxies > 0 && config.shutdownDrainMs === 0,
      "SHUTDOWN_DRAIN_MS is 0 behind a proxy (TRUST_PROXY): on SIGTERM this process stops " +
        "serving at once, and requests the load balancer sends before its next health check " +
        "fail; set it above the check's interval × fall (docs/deploy.md)",
    ],
    [
      isLocalUrl(config.appUrl),
      `APP_URL is ${config.appUrl}: links in verification and password-reset mail point to ` +
        "localhost; set it to the public address",
    ],
    [
      shared && !config.storage.s3,
      `S3_BUCKET is not set: export files are written to ${config.storage.dir} on this machine, ` +
        "which every API and worker process must share (a shared volume as STORAGE_DIR, or S3)",
    ],
    [
      !config.metrics.onApiPort && config.metrics.port === undefined,
      "/metrics is served nowhere: set METRICS_PORT (a listener on METRICS_HOST) or " +
        "METRICS_TOKEN (a bearer token on the API port)",
    ],
  ];
  return checks.filter(([wrong]) => wrong).map(([, message]) => message);
}
