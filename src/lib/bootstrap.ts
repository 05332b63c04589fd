import { existsSync } from "node:fs";
import { type Config, ConfigError, loadConfig } from "../config.ts";

/** Loads `.env` when present, then the config; a bad config exits with one line per problem. */
export function configOrExit(): Config {
  if (existsSync(".env")) process.loadEnvFile(".env");
  try {
    return loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(
      `Invalid configuration:\n${error.problems.map((p) => `  ${p}\n`).join("")}`,
    );
    process.exit(78); // EX_CONFIG
  }
}

/** Prints a startup failure as one readable line instead of a stack trace. */
export function exitOnStartupError(error: unknown): never {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`Failed to start: ${message}\n`);
  process.exit(1);
}
