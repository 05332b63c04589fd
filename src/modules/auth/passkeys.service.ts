import { z } from "zod";
import type { Db } from "../../db/client.ts";
import type { Actor } from "../../lib/actor.ts";
import type { Clock } from "../../lib/clock.ts";
import { BadRequestError, NotFoundError, UnauthorizedError } from "../../lib/errors.ts";
import {
  allRows,
  decodeOptionalCursor,
  type Page,
  type PageQuery,
  toPage,
} from "../../lib/pagination.ts";
import type { AuditService, RequestContext } from "../audit/audit.service.ts";
import type { UsersService } from "../users/users.service.ts";
import type { UserRow } from "../users/users.table.ts";
import type { AuthMailer } from "./auth.mail.ts";
import type { PasskeysRepository } from "./passkeys.repository.ts";
import type {
  AuthenticationOptions,
  AuthenticationResponse,
  PasskeyView,
  RegistrationOptions,
  RegistrationResponse,
} from "./passkeys.schema.ts";
import type { ChallengePurpose, PasskeyRow } from "./passkeys.table.ts";
import {
  CHALLENGE_TTL_MS,
  challengeOf,
  createWebauthn,
  type WebauthnSettings,
} from "./passkeys.webauthn.ts";
import { lockedSignInMethods } from "./sign-in-methods.repository.ts";
import { assertNotLastSignInMethod } from "./sign-in-methods.ts";
import { hashToken } from "./tokens.ts";

const KeySchema = z.object({ createdAt: z.iso.datetime(), id: z.uuid() });

type PasskeysDeps = {
  db: Db;
  users: UsersService;
  passkeysRepository: PasskeysRepository;
  audit: AuditService;
  mailer: AuthMailer;
  clock: Clock;
  webauthn: WebauthnSettings;
};

/** Why an assertion was refused: recorded on the event, never told to the client. */
class AssertionRefused extends UnauthorizedError {
  readonly reason: string;
  readonly userId: string | null;

  constructor(reason: string, userId: string | null = null) {
    super("invalid_passkey", { detail: "The passkey could not be verified; start again." });
    this.reason = reason;
    this.userId = userId;
  }
}

const notFound = () => new NotFoundError("passkey_not_found", { detail: "No such passkey." });
const badRegistration = () =>
  new BadRequestError("invalid_passkey", {
    detail: "The new passkey could not be verified; ask for new options and start again.",
  });

export const toPasskey = (row: PasskeyRow): PasskeyView => ({
  id: row.id,
  name: row.name,
  createdAt: row.createdAt.toISOString(),
  lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
  deviceType: row.deviceType,
  backedUp: row.backedUp,
  transports: row.transports,
});

/**
 * Passkeys (WebAuthn): registered by a signed-in account, used to sign in without a password.
 * Each ceremony answers a challenge kept server-side as a hash, spent once, within 5 minutes.
 */
export function createPasskeysService(deps: PasskeysDeps) {
  const { db, users, passkeysRepository: repo, audit, mailer, clock } = deps;
  const webauthn = createWebauthn(deps.webauthn);

  async function issueChallenge(purpose: ChallengePurpose, challenge: string, userId?: string) {
    const now = clock.now();
    return repo.insertChallenge({
      purpose,
      userId: userId ?? null,
      challengeHash: hashToken(challenge),
      createdAt: now,
      expiresAt: new Date(now.getTime() + CHALLENGE_TTL_MS),
    });
  }

  /** Spends the challenge a response answers: the one named, live, of the purpose; or nothing. */
  async function spendChallenge(
    purpose: ChallengePurpose,
    clientDataJSON: string,
    challengeId: string | undefined,
  ) {
    const challenge = challengeOf(clientDataJSON);
    if (challenge === undefined) return undefined;
    const where = { purpose, challengeHash: hashToken(challenge), id: challengeId };
    const row = await repo.spendChallenge(where, clock.now());
    return row && { challenge, userId: row.userId };
  }

  async function ownPasskey(actor: Actor, id: string) {
    const row = await repo.findById(id);
    if (!row || row.userId !== actor.userId) throw notFound();
    return row;
  }

  /**
   * Checks an assertion against a live authentication challenge and the stored credential, and
   * records the use. `userId`, when given (a second factor), must own the passkey. Reusable by
   * any flow that proves a user with a passkey; every refusal is a 401 `invalid_passkey`.
   */
  async function verifyAssertion(
    userId: string | undefined,
    challengeId: string | undefined,
    response: AuthenticationResponse,
    context: RequestContext,
  ): Promise<{ user: UserRow; passkey: PasskeyRow }> {
    const spent = await spendChallenge(
      "authentication",
      response.response.clientDataJSON,
      challengeId,
    );
    if (!spent) throw new AssertionRefused("challenge");
    const passkey = await repo.findByCredentialId(response.id);
    if (!passkey) throw new AssertionRefused("unknown_credential");
    const owner = passkey.userId;
    const handle = response.response.userHandle;
    const handleOwner = handle === undefined ? owner : Buffer.from(handle, "base64url").toString();
    const claimed = [userId, spent.userId, handleOwner].filter((id) => id != null);
    if (claimed.some((id) => id !== owner)) {
      throw new AssertionRefused("wrong_user", owner);
    }
    const user = await users.findById(owner);
    if (!user || user.disabledAt) throw new AssertionRefused("account_disabled", owner);
    const info = await webauthn.verifyAssertion(response, spent.challenge, passkey);
    if (!info) throw new AssertionRefused("signature", owner);
    // Counters only go up; a counter at or below the stored one means a cloned authenticator.
    const { newCounter } = info;
    if ((passkey.counter > 0 || newCounter > 0) && newCounter <= passkey.counter) {
      const data = { passkeyId: passkey.id, stored: passkey.counter, received: newCounter };
      await audit.record({ type: "passkey_counter_regressed", userId: owner, context, data });
      throw new AssertionRefused("counter_regressed", owner);
    }
    const used = await repo.recordUse(passkey.id, passkey.counter, {
      counter: newCounter,
      lastUsedAt: clock.now(),
      backedUp: info.credentialBackedUp,
    });
    if (!used) throw new AssertionRefused("counter_raced", owner);
    return { user, passkey: used };
  }

  return {
    verifyAssertion,

    /** Options for `navigator.credentials.create()`, bound to the caller's account. */
    async registrationOptions(actor: Actor): Promise<RegistrationOptions> {
      const user = await users.findById(actor.userId);
      if (!user) throw new UnauthorizedError("unauthorized");
      const existing = await repo.credentialsOf(user.id);
      const options = await webauthn.registrationOptions(user, existing);
      const challengeId = await issueChallenge("registration", options.challenge, user.id);
      return { challengeId, options } as RegistrationOptions;
    },

    /** Verifies a new credential against the caller's registration challenge and keeps it. */
    async add(
      actor: Actor,
      body: { challengeId?: string; name: string; response: RegistrationResponse },
      context: RequestContext,
    ): Promise<PasskeyView> {
      const { response } = body;
      const spent = await spendChallenge(
        "registration",
        response.response.clientDataJSON,
        body.challengeId,
      );
      if (!spent || spent.userId !== actor.userId) throw badRegistration();
      const info = await webauthn.verifyRegistration(response, spent.challenge);
      if (!info) throw badRegistration();
      const { credential } = info;
      return db.transaction(async (tx) => {
        const row = await repo.insert(
          {
            userId: actor.userId,
            credentialId: credential.id,
            publicKey: Buffer.from(credential.publicKey).toString("base64url"),
            counter: credential.counter,
            transports: response.response.transports ?? [],
            name: body.name,
            deviceType: info.credentialDeviceType,
            backedUp: info.credentialBackedUp,
            createdAt: clock.now(),
          },
          tx,
        );
        const data = { passkeyId: row.id, sessionId: actor.sessionId };
        await audit.record({ type: "passkey_added", userId: actor.userId, context, data }, tx);
        const at = clock.now().toISOString();
        const notice = { userId: actor.userId, sessionId: actor.sessionId, at };
        await mailer.notify({ notice: "passkey_added", ...notice }, tx);
        return toPasskey(row);
      });
    },

    async list(actor: Actor, query: PageQuery): Promise<Page<PasskeyView>> {
      const after = decodeOptionalCursor(query.cursor, KeySchema);
      const rows = await repo.list({ userId: actor.userId, limit: query.limit, after });
      const keyOf = (row: PasskeyRow) => ({ createdAt: row.createdAt.toISOString(), id: row.id });
      return toPage(rows, query.limit, keyOf, toPasskey);
    },

    async rename(
      actor: Actor,
      id: string,
      name: string,
      context: RequestContext,
    ): Promise<PasskeyView> {
      await ownPasskey(actor, id);
      return db.transaction(async (tx) => {
        const row = await repo.update(id, { name }, tx);
        if (!row) throw notFound();
        const data = { passkeyId: id };
        await audit.record({ type: "passkey_renamed", userId: actor.userId, context, data }, tx);
        return toPasskey(row);
      });
    },

    /** Removes one of the caller's passkeys; another user's is a 404, not a 403. */
    async remove(actor: Actor, id: string, context: RequestContext): Promise<void> {
      await ownPasskey(actor, id);
      await db.transaction(async (tx) => {
        const methods = await lockedSignInMethods(actor.userId, tx);
        if (!methods) throw notFound();
        assertNotLastSignInMethod(methods);
        if (!(await repo.remove(id, tx))) throw notFound();
        const data = { passkeyId: id, sessionId: actor.sessionId };
        await audit.record({ type: "passkey_removed", userId: actor.userId, context, data }, tx);
        const at = clock.now().toISOString();
        const notice = { userId: actor.userId, sessionId: actor.sessionId, at };
        await mailer.notify({ notice: "passkey_removed", ...notice }, tx);
      });
    },

    /**
     * Options for `navigator.credentials.get()`. Without a user: any passkey of this site
     * (`allowCredentials` empty), the account found from the one chosen.
     */
    async authenticationOptions(): Promise<AuthenticationOptions> {
      const options = await webauthn.authenticationOptions();
      const challengeId = await issueChallenge("authentication", options.challenge);
      return { challengeId, options } as AuthenticationOptions;
    },

    /**
     * The account a passkey alone proves (a sign-in); one answer (401 `invalid_passkey`) for every
     * refusal, each audited as a failed login with its reason.
     */
    async authenticate(
      body: { challengeId?: string | undefined; response: AuthenticationResponse },
      context: RequestContext,
    ): Promise<UserRow> {
      try {
        const { user } = await verifyAssertion(undefined, body.challengeId, body.response, context);
        return user;
      } catch (error) {
        if (error instanceof AssertionRefused) {
          const data = { method: "passkey", reason: error.reason };
          await audit.record({ type: "login_failed", userId: error.userId, context, data });
        }
        throw error;
      }
    },

    /** Whether the account has a passkey: one can then stand in for a code. */
    hasAny: async (userId: string) => (await repo.credentialsOf(userId)).length > 0,

    /** For the data export: names and times, never the public key. */
    exportRows: (userId: string) =>
      allRows(
        (after, limit) => repo.pageByUser(userId, after, limit),
        (row) => row.id,
      ),

    purgeExpired: (now: Date) => repo.purgeExpiredChallenges(now),
  };
}

export type PasskeysService = ReturnType<typeof createPasskeysService>;
