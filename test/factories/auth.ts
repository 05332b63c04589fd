import { randomInt } from "node:crypto";
import { expect } from "vitest";
import type { Clock } from "../../src/lib/clock.ts";
import { createPasswordHasher, type PasswordHasher } from "../../src/lib/passwords.ts";

/** A fresh client address per test, so the in-process rate limits of a shared app never meet. */
export function randomIp(): string {
  return `10.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}`;
}

/** A clock a test moves by hand. */
export function manualClock(
  start = new Date(),
): Clock & { advance(ms: number): void; set(at: Date): void } {
  let current = start.getTime();
  return {
    now: () => new Date(current),
    advance(ms) {
      current += ms;
    },
    set(at) {
      current = at.getTime();
    },
  };
}

/** The real hasher with every call recorded: which hashes a login verified against. */
export function recordingHasher(): PasswordHasher & { verified: string[] } {
  const real = createPasswordHasher();
  const verified: string[] = [];
  return {
    verified,
    hash: (password) => real.hash(password),
    needsRehash: (hash) => real.needsRehash(hash),
    async verify(hash, password) {
      verified.push(hash);
      return real.verify(hash, password);
    },
  };
}

type Response = { statusCode: number; headers: Record<string, unknown>; json(): unknown };

/** Asserts a problem+json answer and returns its body. */
export function expectProblem(response: Response, status: number, code: string) {
  expect(response.statusCode).toBe(status);
  expect(response.headers["content-type"]).toMatch(/^application\/problem\+json/);
  const body = response.json() as Record<string, unknown>;
  expect(body).toMatchObject({ status, code });
  if (status === 401) expect(response.headers["www-authenticate"]).toBe("Bearer");
  return body;
}

/** A problem body without the fields that differ per request. */
export function stableProblem(response: Response) {
  const { requestId: _requestId, ...rest } = response.json() as Record<string, unknown>;
  return rest;
}
