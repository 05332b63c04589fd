import { resolve } from "node:path";
import { z } from "zod";

const bool = (fallback: boolean) => z.stringbool().default(fallback);
const int = (min: number, max: number, fallback: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);
const optionalString = z
  .string()
  .optional()
  .transform((value) => (value === "" ? undefined : value));

const EnvSchema = z.object({
  NODE_ENV: z.enum(["development", "test", "production"]).default("development"),
  HOST: z.string().min(1).default("0.0.0.0"),
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
  MIGRATE_ON_START: optionalString.pipe(z.stringbool().optional()),
  ALLOW_EMBEDDED_IN_PRODUCTION: bool(false),
  JWT_SECRET: optionalString,
  JWT_SECRET_PREVIOUS: optionalString,
  REDIS_URL: optionalString.pipe(
    z
      .string()
      .regex(/^rediss?:\/\//, "must be a redis:// URL")
      .optional(),
  ),
  CORS_ORIGINS: z.string().default(""),
  TRUST_PROXY: bool(false),
  BODY_LIMIT_BYTES: int(1_024, 100 * 1024 * 1024, 1024 * 1024),
  REQUEST_TIMEOUT_MS: int(1_000, 600_000, 30_000),
  HANDLER_TIMEOUT_MS: int(100, 600_000, 15_000),
  KEEP_ALIVE_TIMEOUT_MS: int(1_000, 600_000, 5_000),
  CONNECTION_TIMEOUT_MS: int(1_000, 600_000, 10_000),
  SHUTDOWN_TIMEOUT_MS: int(100, 600_000, 10_000),
});

export type Env = z.input<typeof EnvSchema>;

export type Config = ReturnType<typeof toConfig>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.join("\n")}`);
    this.name = "ConfigError";
  }
}

function toConfig(env: z.output<typeof EnvSchema>) {
  const embedded = env.DATABASE_URL === undefined;
  const dataDir = resolve(env.DATA_DIR);
  return {
    env: env.NODE_ENV,
    isProduction: env.NODE_ENV === "production",
    host: env.HOST,
    port: env.PORT,
    logLevel: env.LOG_LEVEL,
    appUrl: env.APP_URL.replace(/\/$/, ""),
    dataDir,
    database: {
      url: env.DATABASE_URL,
      embedded,
      poolSize: env.DB_POOL_SIZE,
      statementTimeoutMs: env.DB_STATEMENT_TIMEOUT_MS,
    },
    migrateOnStart: env.MIGRATE_ON_START ?? embedded,
    jwt: { secret: env.JWT_SECRET, previousSecret: env.JWT_SECRET_PREVIOUS },
    redisUrl: env.REDIS_URL,
    corsOrigins: env.CORS_ORIGINS.split(",")
      .map((origin) => origin.trim())
      .filter(Boolean),
    trustProxy: env.TRUST_PROXY,
    http: {
      bodyLimit: env.BODY_LIMIT_BYTES,
      requestTimeoutMs: env.REQUEST_TIMEOUT_MS,
      handlerTimeoutMs: env.HANDLER_TIMEOUT_MS,
      keepAliveTimeoutMs: env.KEEP_ALIVE_TIMEOUT_MS,
      connectionTimeoutMs: env.CONNECTION_TIMEOUT_MS,
    },
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
  };
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
  const problems = productionProblems(parsed.data);
  if (problems.length > 0) throw new ConfigError(problems);
  return toConfig(parsed.data);
}
