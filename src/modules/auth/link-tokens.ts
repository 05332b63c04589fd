import type { Executor } from "../../db/client.ts";
import type { Clock } from "../../lib/clock.ts";
import { BadRequestError } from "../../lib/errors.ts";
import type { UsersService } from "../users/users.service.ts";
import type { UserTokenPurpose } from "./auth.table.ts";
import { generateOpaqueToken, hashToken, sameHash } from "./tokens.ts";
import type { UserTokensRepository } from "./user-tokens.repository.ts";

export const invalidToken = () =>
  new BadRequestError("invalid_token", { detail: "The link is invalid, expired or already used." });

/**
 * The single-use tokens of mailed links (verification, reset, email change): only their hash is
 * stored, and issuing one spends every live token of the same purpose.
 */
export function createLinkTokens(deps: {
  tokens: UserTokensRepository;
  users: UsersService;
  clock: Clock;
}) {
  const { tokens, users, clock } = deps;
  return {
    async issue(userId: string, purpose: UserTokenPurpose, ttlMs: number, tx: Executor) {
      const now = clock.now();
      await tokens.spendAllFor(userId, purpose, now, tx);
      const token = generateOpaqueToken();
      const expiresAt = new Date(now.getTime() + ttlMs);
      await tokens.insert(
        { userId, purpose, tokenHash: hashToken(token), createdAt: now, expiresAt },
        tx,
      );
      return token;
    },

    /** Spends the token and answers its user; `invalid_token` when either is not there. */
    async spend(purpose: UserTokenPurpose, token: string, tx: Executor) {
      const tokenHash = hashToken(token);
      const row = await tokens.spend(purpose, tokenHash, clock.now(), tx);
      if (!row || !sameHash(row.tokenHash, tokenHash)) throw invalidToken();
      const user = await users.findById(row.userId, tx);
      if (!user) throw invalidToken();
      return user;
    },
  };
}
