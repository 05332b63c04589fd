import { z } from "zod";
import type { Db, Executor } from "../../db/client.ts";
import type { Actor } from "../../lib/actor.ts";
import type { Clock } from "../../lib/clock.ts";
import { NotFoundError } from "../../lib/errors.ts";
import { decodeOptionalCursor, type Page, type PageQuery, toPage } from "../../lib/pagination.ts";
import type { AuditService, RequestContext } from "../audit/audit.service.ts";
import type { UserRow } from "../users/users.table.ts";
import type { AuthMailer } from "./auth.mail.ts";
import type { IdentitiesRepository } from "./identities.repository.ts";
import type { IdentityView } from "./identities.schema.ts";
import type { IdentityProviderId } from "./identities.table.ts";
import type { ProviderProfile } from "./identity-providers.ts";
import { lockedSignInMethods } from "./sign-in-methods.repository.ts";
import { assertNotLastSignInMethod } from "./sign-in-methods.ts";

type IdentitiesDeps = {
  db: Db;
  identitiesRepository: IdentitiesRepository;
  audit: AuditService;
  mailer: AuthMailer;
  clock: Clock;
  /** The label of a provider (for mail), its id when it is no longer configured. */
  providerName: (id: IdentityProviderId) => string;
};

const KeySchema = z.object({ createdAt: z.iso.datetime(), id: z.uuid() });

/** The identity providers' accounts linked to local accounts. */
export function createIdentitiesService(deps: IdentitiesDeps) {
  const { db, identitiesRepository: repo, audit, mailer, clock } = deps;
  return {
    findBySubject: (provider: IdentityProviderId, subject: string, tx: Executor = db) =>
      repo.findBySubject(provider, subject, tx),

    touch: (id: string, tx: Executor = db) => repo.touch(id, clock.now(), tx),

    /**
     * Links, audits and mails the owner (not an account the identity has just made: nothing
     * changed for anyone); an identity linked anywhere is a 409 `identity_taken`.
     */
    async link(
      user: UserRow,
      provider: { id: IdentityProviderId; name: string },
      profile: ProviderProfile,
      context: RequestContext,
      tx: Executor,
      options: { notify: boolean } = { notify: true },
    ): Promise<void> {
      const now = clock.now();
      const identity = await repo.insert(
        {
          userId: user.id,
          provider: provider.id,
          subject: profile.subject,
          email: profile.email ?? null,
          // The clock's milliseconds, as the list's cursor carries them (not now()'s microseconds).
          createdAt: now,
          lastUsedAt: now,
        },
        tx,
      );
      const data = { identityId: identity.id, provider: provider.id };
      await audit.record({ type: "identity_linked", userId: user.id, context, data }, tx);
      if (!options.notify) return;
      const at = now.toISOString();
      await mailer.notify(
        {
          notice: "identity_linked",
          userId: user.id,
          sessionId: null,
          at,
          provider: provider.name,
        },
        tx,
      );
    },

    async list(actor: Actor, query: PageQuery): Promise<Page<IdentityView>> {
      const after = decodeOptionalCursor(query.cursor, KeySchema);
      const rows = await repo.list({ userId: actor.userId, limit: query.limit, after });
      return toPage(
        rows,
        query.limit,
        (row) => ({ createdAt: row.createdAt.toISOString(), id: row.id }),
        (row) => ({
          id: row.id,
          provider: row.provider,
          email: row.email,
          createdAt: row.createdAt.toISOString(),
          lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
        }),
      );
    },

    /** Removes one of the caller's identities, unless it is their last way to sign in. */
    async unlink(actor: Actor, id: string, context: RequestContext): Promise<void> {
      await db.transaction(async (tx) => {
        const methods = await lockedSignInMethods(actor.userId, tx);
        const identities = await repo.lockAllOfUser(actor.userId, tx);
        const identity = identities.find((row) => row.id === id);
        if (!methods || !identity) {
          throw new NotFoundError("identity_not_found", { detail: "No such identity of yours." });
        }
        assertNotLastSignInMethod(methods);
        await repo.remove(identity.id, tx);
        const data = { identityId: identity.id, provider: identity.provider };
        await audit.record({ type: "identity_unlinked", userId: actor.userId, context, data }, tx);
        const provider = deps.providerName(identity.provider);
        const at = clock.now().toISOString();
        await mailer.notify(
          { notice: "identity_unlinked", userId: actor.userId, sessionId: null, at, provider },
          tx,
        );
      });
    },

    async *exportRows(userId: string) {
      yield* await repo.exportRows(userId);
    },
  };
}

export type IdentitiesService = ReturnType<typeof createIdentitiesService>;
