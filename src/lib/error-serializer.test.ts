import { DrizzleQueryError } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { serializeError } from "./error-serializer.ts";

const secret = "bob.private@example.com";

function databaseError(message: string, extra: Record<string, unknown> = {}) {
  return Object.assign(new Error(message), { code: "23505" }, extra);
}

describe("serializeError", () => {
  it("drops Drizzle's params and every echo of a bound value, and keeps the SQL", () => {
    const query = "insert into users (email, name) values ($1, $2)";
    const cause = databaseError(`duplicate key: "${secret}"`);
    const error = new DrizzleQueryError(query, [secret, "Bo", 7], cause);
    const serialized = serializeError(error) as Record<string, unknown>;
    expect(serialized.message).toBe(`Failed query: ${query}: duplicate key: "[redacted]"`);
    expect(serialized).toMatchObject({ query, code: "23505" });
    expect(serialized).not.toHaveProperty("params");
    expect(JSON.stringify(serialized)).not.toContain(secret);
    expect(JSON.stringify(serialized)).not.toContain("Bo,7");
  });

  it("drops the values a driver attaches to its own error (PGlite, postgres.js)", () => {
    const pglite = databaseError(`bad "${secret}"`, { query: "select $1", params: [secret] });
    const postgresJs = databaseError("failed");
    Object.defineProperty(postgresJs, "parameters", { value: [secret], enumerable: true });
    for (const error of [pglite, postgresJs]) {
      const serialized = serializeError(error) as Record<string, unknown>;
      expect(serialized).not.toHaveProperty("params");
      expect(serialized).not.toHaveProperty("parameters");
      expect(JSON.stringify(serialized)).not.toContain(secret);
    }
  });

  it("leaves an error without bound values as pino serializes it", () => {
    const serialized = serializeError(new Error("plain")) as Record<string, unknown>;
    expect(serialized).toMatchObject({ type: "Error", message: "plain" });
    const notAnError = { params: [secret] };
    expect(serializeError(notAnError)).toBe(notAnError);
  });
});
