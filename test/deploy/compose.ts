// Reads compose.yaml as Compose would for the tests: YAML merge keys, then `${…}` interpolation.
import { readFileSync } from "node:fs";
import { parse } from "yaml";

export type Service = {
  image?: string;
  build?: unknown;
  command?: string[];
  depends_on?: Record<string, { condition: string }>;
  environment?: Record<string, string | number | boolean>;
  healthcheck?: { test?: string[]; disable?: boolean; interval?: string };
  ports?: string[];
  restart?: string;
  stop_grace_period?: string;
  volumes?: string[];
};

export type Compose = { name?: string; services: Record<string, Service> };

export class InterpolationError extends Error {}

/**
 * Compose's interpolation: `${NAME}`, `${NAME:-default}` / `${NAME-default}`,
 * `${NAME:?message}` / `${NAME?message}` (an error when unset, or empty for `:`) and `$$`.
 */
export function interpolate(text: string, env: Record<string, string | undefined>): string {
  return text.replace(
    /\$\$|\$\{(\w+)(?:(:?)([-?])([^}]*))?\}|\$(\w+)/g,
    (match, name, colon, operator, word, bare) => {
      if (match === "$$") return "$";
      if (bare) return env[bare] ?? "";
      const value = env[name];
      const missing = value === undefined || (colon === ":" && value === "");
      if (operator === "?" && missing) throw new InterpolationError(`${name}: ${word}`);
      if (operator === "-" && missing) return word;
      return value ?? "";
    },
  );
}

function interpolateAll(value: unknown, env: Record<string, string | undefined>): unknown {
  if (typeof value === "string") return interpolate(value, env);
  if (Array.isArray(value)) return value.map((item) => interpolateAll(item, env));
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, interpolateAll(item, env)]),
    );
  }
  return value;
}

/** compose.yaml with merge keys applied and, given an environment, interpolated. */
export function readCompose(env?: Record<string, string | undefined>): Compose {
  const raw = parse(readFileSync("compose.yaml", "utf8"), { merge: true }) as Compose;
  return env ? (interpolateAll(raw, env) as Compose) : raw;
}

/** Compose durations as the tests use them: `20s`, `1m30s`, `500ms`. */
export function seconds(duration: string): number {
  const units: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 0.001 };
  const parts = [...duration.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)];
  if (parts.map((part) => part[0]).join("") !== duration)
    throw new Error(`bad duration ${duration}`);
  return parts.reduce(
    (total, [, amount, unit]) => total + Number(amount) * (units[unit as string] ?? 0),
    0,
  );
}
