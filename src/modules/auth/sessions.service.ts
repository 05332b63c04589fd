import { z } from "zod";
import type { Db, Executor } from "../../db/client.ts";
import type { Actor, Role } from "../../lib/actor.ts";
import type { Clock } from "../../lib/clock.ts";
import { NotFoundError, UnauthorizedError } from "../../lib/errors.ts";
import {
  allRows,
  decodeOptionalCursor,
  type Page,
  type PageQuery,
  toPage,
} from "../../lib/pagination.ts";
import type { AuditService, RequestContext } from "../audit/audit.service.ts";
import type { SessionView, TokenPair } from "./auth.schema.ts";
import type { SessionsRepository } from "./sessions.repository.ts";
import {
  ACCESS_TOKEN_TTL_SECONDS,
  type AccessTokens,
  generateOpaqueToken,
  hashToken,
  InvalidAccessTokenError,
  sameHash,
} from "./tokens.ts";

export const SESSION_SLIDING_MS = 7 * 24 * 60 * 60 * 1000;
export const SESSION_ABSOLUTE_MS = 30 * 24 * 60 * 60 * 1000;

const KeySchema = z.object({ createdAt: z.iso.datetime(), id: z.uuid() });

type SessionsDeps = {
  db: Db;
  sessionsRepository: SessionsRepository;
  accessTokens: AccessTokens;
  audit: AuditService;
  clock: Clock;
};

type RefreshOutcome =
  | { kind: "ok"; pair: TokenPair }
  | { kind: "reused"; userId: string; sessionId: string }
  | { kind: "invalid" };

export const invalidToken = () =>
  new UnauthorizedError("invalid_token", { detail: "The token is invalid, expired or revoked." });

export function createSessionsService(deps: SessionsDeps) {
  const { db, sessionsRepository: repo, accessTokens, audit, clock } = deps;

  async function issuePair(
    session: { id: string; userId: string; absoluteExpiresAt: Date },
    role: Role,
    now: Date,
    tx: Executor,
  ): Promise<TokenPair> {
    const refreshToken = generateOpaqueToken();
    const expiresAt = new Date(
      Math.min(now.getTime() + SESSION_SLIDING_MS, session.absoluteExpiresAt.getTime()),
    );
    await repo.insertRefreshToken(
      { sessionId: session.id, tokenHash: hashToken(refreshToken), createdAt: now, expiresAt },
      tx,
    );
    const accessToken = await accessTokens.sign({
      userId: session.userId,
      sessionId: session.id,
      role,
    });
    return { accessToken, refreshToken, tokenType: "Bearer", expiresIn: ACCESS_TOKEN_TTL_SECONDS };
  }

  async function rotate(token: string, context: RequestContext, tx: Executor) {
    const now = clock.now();
    const tokenHash = hashToken(token);
    const spent = await repo.spendRefreshToken(tokenHash, now, tx);
    if (!spent) {
      const known = await repo.findRefreshToken(tokenHash, tx);
      if (!known) return { kind: "invalid" } as const;
      const session = await repo.findById(known.sessionId, tx);
      if (!session) return { kind: "invalid" } as const;
      await repo.revoke({ id: session.id }, "refresh_token_reused", now, tx);
      return { kind: "reused", userId: session.userId, sessionId: session.id } as const;
    }
    if (!sameHash(spent.tokenHash, tokenHash) || spent.expiresAt <= now) {
      return { kind: "invalid" } as const;
    }
    const active = await repo.findActive(spent.sessionId, now, tx);
    const session = await repo.findById(spent.sessionId, tx);
    if (!active || !session || active.disabledAt) return { kind: "invalid" } as const;
    const expiresAt = new Date(
      Math.min(now.getTime() + SESSION_SLIDING_MS, session.absoluteExpiresAt.getTime()),
    );
    await repo.touch(session.id, { lastUsedAt: now, expiresAt }, tx);
    const pair = await issuePair(session, active.role, now, tx);
    await audit.record(
      {
        type: "session_refreshed",
        userId: session.userId,
        context,
        data: { sessionId: session.id },
      },
      tx,
    );
    return { kind: "ok", pair } as const;
  }

  return {
    /** Starts a session (a login) and returns its first token pair. */
    async start(
      user: { id: string; role: Role },
      context: RequestContext,
      tx: Executor,
    ): Promise<{ sessionId: string; pair: TokenPair }> {
      const now = clock.now();
      const session = await repo.insert(
        {
          userId: user.id,
          createdAt: now,
          lastUsedAt: now,
          expiresAt: new Date(now.getTime() + SESSION_SLIDING_MS),
          absoluteExpiresAt: new Date(now.getTime() + SESSION_ABSOLUTE_MS),
          authenticatedAt: now,
          userAgent: context.userAgent?.slice(0, 512) ?? null,
          ip: context.ip,
        },
        tx,
      );
      return { sessionId: session.id, pair: await issuePair(session, user.role, now, tx) };
    },

    /**
     * Spends a refresh token for a new pair. A token presented a second time means it leaked
     * or raced: the whole session ends (the revocation commits before the 401 is thrown).
     */
    async refresh(token: string, context: RequestContext): Promise<TokenPair> {
      const outcome: RefreshOutcome = await db.transaction((tx) => rotate(token, context, tx));
      if (outcome.kind === "ok") return outcome.pair;
      if (outcome.kind === "reused") {
        await audit.record({
          type: "refresh_token_reused",
          userId: outcome.userId,
          context,
          data: { sessionId: outcome.sessionId },
        });
        throw new UnauthorizedError("refresh_token_reused", {
          detail: "This refresh token was already used; the session has been ended.",
        });
      }
      throw invalidToken();
    },

    /** The actor behind an access token, checked against its live session on every call. */
    async authenticate(accessToken: string): Promise<Actor> {
      let claims: Awaited<ReturnType<AccessTokens["verify"]>>;
      try {
        claims = await accessTokens.verify(accessToken);
      } catch (error) {
        if (error instanceof InvalidAccessTokenError) throw invalidToken();
        throw error;
      }
      const session = await repo.findActive(claims.sessionId, clock.now());
      if (!session || session.userId !== claims.userId || session.disabledAt) throw invalidToken();
      return {
        userId: session.userId,
        role: session.role,
        sessionId: session.id,
        emailVerified: session.emailVerifiedAt !== null,
      };
    },

    findById: (id: string, tx: Executor = db) => repo.findById(id, tx),

    /** Records that the user proved who they are again in this session (a re-authentication). */
    markAuthenticated: (id: string, at: Date, tx: Executor = db) =>
      repo.touch(id, { authenticatedAt: at }, tx),

    /** The session id a refresh token belongs to, if the token is known. */
    async sessionOfRefreshToken(token: string, tx: Executor = db) {
      const row = await repo.findRefreshToken(hashToken(token), tx);
      return row ? repo.findById(row.sessionId, tx) : undefined;
    },

    async revoke(sessionId: string, reason: string, tx: Executor = db): Promise<boolean> {
      const revoked = await repo.revoke({ id: sessionId }, reason, clock.now(), tx);
      return revoked.length > 0;
    },

    /** Every session of the user for an export: when and from where, never a token. */
    exportRows(userId: string) {
      return allRows(
        (after, limit) => repo.pageByUser(userId, after, limit),
        (row) => row.id,
      );
    },

    async removeAllForUser(userId: string): Promise<number> {
      return repo.removeAllForUser(userId);
    },

    /** Ends every session of a user, optionally but one (the caller's own). */
    async revokeAllForUser(
      userId: string,
      reason: string,
      options: { exceptSessionId?: string } = {},
      tx: Executor = db,
    ): Promise<string[]> {
      return repo.revoke({ userId, exceptId: options.exceptSessionId }, reason, clock.now(), tx);
    },

    async list(actor: Actor, query: PageQuery): Promise<Page<SessionView>> {
      const after = decodeOptionalCursor(query.cursor, KeySchema);
      const rows = await repo.listActive({
        userId: actor.userId,
        now: clock.now(),
        limit: query.limit,
        after,
      });
      return toPage(
        rows,
        query.limit,
        (row) => ({ createdAt: row.createdAt.toISOString(), id: row.id }),
        (row) => ({
          id: row.id,
          createdAt: row.createdAt.toISOString(),
          lastUsedAt: row.lastUsedAt.toISOString(),
          userAgent: row.userAgent,
          ip: row.ip,
          current: row.id === actor.sessionId,
        }),
      );
    },

    /** Ends one of the caller's own sessions; another user's session is a 404, not a 403. */
    async revokeOwn(actor: Actor, sessionId: string, context: RequestContext): Promise<void> {
      await db.transaction(async (tx) => {
        const session = await repo.findById(sessionId, tx);
        if (!session || session.userId !== actor.userId || session.revokedAt) {
          throw new NotFoundError("session_not_found", { detail: "No such session." });
        }
        await repo.revoke({ id: sessionId }, "session_revoked", clock.now(), tx);
        await audit.record(
          { type: "session_revoked", userId: actor.userId, context, data: { sessionId } },
          tx,
        );
      });
    },

    /** Ends every session of the caller but the one the call came with ("sign out elsewhere"). */
    async endOthers(actor: Actor, context: RequestContext): Promise<{ sessionsEnded: number }> {
      return db.transaction(async (tx) => {
        const ended = await repo.revoke(
          { userId: actor.userId, exceptId: actor.sessionId },
          "other_sessions_ended",
          clock.now(),
          tx,
        );
        await audit.record(
          {
            type: "other_sessions_ended",
            userId: actor.userId,
            context,
            data: { sessionId: actor.sessionId, sessionsEnded: ended.length },
          },
          tx,
        );
        return { sessionsEnded: ended.length };
      });
    },

    purgeExpired: (now: Date = clock.now()) => repo.purgeExpired(now),
  };
}

export type SessionsService = ReturnType<typeof createSessionsService>;
