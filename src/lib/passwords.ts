import { randomBytes } from "node:crypto";
import { availableParallelism } from "node:os";
import type * as Argon2 from "@node-rs/argon2";

/** Argon2id at OWASP's minimum: 19 MiB, 2 passes, 1 lane. */
export const ARGON2_PARAMS = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

// `Algorithm` is a const enum that isolated modules cannot import; 2 is Argon2id.
const ARGON2ID = 2;

export type PasswordHasher = {
  hash(password: string): Promise<string>;
  verify(hash: string, password: string): Promise<boolean>;
  /** True when the hash was made with other parameters and should be replaced after a login. */
  needsRehash(hash: string): boolean;
};

type Params = { memoryCost: number; timeCost: number; parallelism: number };

/**
 * Runs at most `limit` tasks at once; the others wait their turn, first come first served. A
 * finishing task hands its slot straight to the next waiter.
 */
export function concurrencyLimit(limit: number) {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (running < limit) running++;
    else await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      return await task();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else running--;
    }
  };
}

/**
 * Argon2 runs on libuv's thread pool (4 threads), so a burst of logins could hash on every core
 * at once and starve the event loop serving everything else. Hashes run at most one fewer than
 * the cores at a time (at least one); the rest queue. On the bench's 2 cores, reads beside 10
 * login connections: see bench/RESULTS.md, 6b.
 */
const DEFAULT_CONCURRENCY = Math.max(1, availableParallelism() - 1);

export function createPasswordHasher(
  params: Params = ARGON2_PARAMS,
  { concurrency = DEFAULT_CONCURRENCY }: { concurrency?: number } = {},
): PasswordHasher {
  const limited = concurrencyLimit(concurrency);
  const expected = `$argon2id$v=19$m=${params.memoryCost},t=${params.timeCost},p=${params.parallelism}$`;
  // The native binding loads on the first hash or verify: loaded at start-up it added ~6 MB to
  // the idle RSS of a server that has not seen a login yet.
  let binding: Promise<typeof Argon2> | undefined;
  const argon2 = () => {
    binding ??= import("@node-rs/argon2");
    return binding;
  };
  return {
    hash: async (password) => {
      const { hash } = await argon2();
      return limited(() => hash(password, { ...params, algorithm: ARGON2ID as never }));
    },
    async verify(stored, password) {
      const { verify } = await argon2();
      try {
        return await limited(() => verify(stored, password));
      } catch {
        return false;
      }
    },
    needsRehash: (stored) => !stored.startsWith(expected),
  };
}

/**
 * A hash of a random password, verified when a login names an unknown email so that it costs
 * the same as a wrong password.
 */
export function createDummyHash(hasher: PasswordHasher): () => Promise<string> {
  let dummy: Promise<string> | undefined;
  return () => {
    dummy ??= hasher.hash(randomBytes(32).toString("base64url"));
    return dummy;
  };
}
