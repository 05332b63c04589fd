import type { Db, Executor } from "../../db/client.ts";
import type { Actor, Role } from "../../lib/actor.ts";
import type { Clock } from "../../lib/clock.ts";
import { ConflictError, NotFoundError } from "../../lib/errors.ts";
import type { PasswordHasher } from "../../lib/passwords.ts";
import { assertAcceptablePassword } from "../auth/password-policy.ts";
import type { UsersRepository } from "./users.repository.ts";
import { normaliseEmail, toUser, type User } from "./users.schema.ts";
import type { NewUserRow, UserRow } from "./users.table.ts";

type UsersDeps = {
  db: Db;
  usersRepository: UsersRepository;
  hasher: PasswordHasher;
  dummyHash: () => Promise<string>;
  clock: Clock;
};

export type NewUser = { email: string; password: string; name: string; role?: Role };

export const userNotFound = () => new NotFoundError("user_not_found", { detail: "No such user." });

export const noPassword = () =>
  new ConflictError("no_password", {
    detail:
      "This account has no password (it signs in with an identity provider): set one first with a password reset (POST /api/auth/password/forgot).",
  });

/** An account made by an identity provider: no password until a reset sets one. */
export type NewProviderUser = { email: string; name: string; emailVerified: boolean };

export const lastAdmin = () =>
  new ConflictError("last_admin", {
    detail:
      "This is the last enabled admin account: make another account admin before demoting, disabling or deleting it.",
  });

/**
 * Refuses, inside the caller's transaction, a change that would leave no enabled admin: without
 * one nobody can administer accounts through the API. The admin rows stay locked until the
 * transaction ends, so two admins demoting each other at once cannot both succeed.
 */
export async function assertAnotherAdminRemains(
  usersRepository: UsersRepository,
  userId: string,
  tx: Executor,
): Promise<void> {
  const admins = await usersRepository.lockEnabledAdmins(tx);
  if (admins.length === 1 && admins[0]?.id === userId) throw lastAdmin();
}

export function createUsersService({ db, usersRepository, hasher, dummyHash, clock }: UsersDeps) {
  /** Checks the password policy and hashes, outside any transaction (hashing is slow). */
  async function prepare(input: NewUser): Promise<NewUserRow> {
    const email = normaliseEmail(input.email);
    assertAcceptablePassword(input.password, email, "body.password");
    const now = clock.now();
    return {
      email,
      name: input.name.trim(),
      role: input.role ?? "user",
      passwordHash: await hasher.hash(input.password),
      createdAt: now,
      updatedAt: now,
    };
  }

  return {
    prepare,

    /** A taken email is a 409 `email_taken`. */
    insert: (row: NewUserRow, tx: Executor = db) => usersRepository.insert(row, tx),

    async create(input: NewUser): Promise<UserRow> {
      return usersRepository.insert(await prepare(input));
    },

    /** A taken email is a 409 `email_taken`. */
    insertWithoutPassword(input: NewProviderUser, tx: Executor = db): Promise<UserRow> {
      const now = clock.now();
      return usersRepository.insert(
        {
          email: normaliseEmail(input.email),
          // The profile's name within the bounds of a name set here (NameSchema: 1–100).
          name: [...(input.name.trim() || normaliseEmail(input.email).split("@")[0] || "User")]
            .slice(0, 100)
            .join(""),
          role: "user",
          passwordHash: null,
          emailVerifiedAt: input.emailVerified ? now : null,
          createdAt: now,
          updatedAt: now,
        },
        tx,
      );
    },

    /**
     * The user an email and password identify, or undefined. A hash is verified whether or
     * not the email exists, or has a password, so every failure costs as much as a wrong password.
     */
    async verifyCredentials(email: string, password: string): Promise<UserRow | undefined> {
      const user = await usersRepository.findByEmail(normaliseEmail(email));
      const hash = user?.passwordHash ?? (await dummyHash());
      const valid = await hasher.verify(hash, password);
      if (!user?.passwordHash || !valid || user.disabledAt) return undefined;
      if (hasher.needsRehash(user.passwordHash)) {
        await usersRepository.update(user.id, { passwordHash: await hasher.hash(password) });
      }
      return user;
    },

    /** A 409 `no_password` for an account without one: no password can be right. */
    async verifyPassword(userId: string, password: string): Promise<boolean> {
      const user = await usersRepository.findById(userId);
      if (!user) return false;
      if (!user.passwordHash) throw noPassword();
      return hasher.verify(user.passwordHash, password);
    },

    /** The hash of a new password, after checking the policy against the user's email. */
    async hashAcceptable(user: UserRow, password: string): Promise<string> {
      assertAcceptablePassword(password, user.email, "body.newPassword");
      return hasher.hash(password);
    },

    async updatePasswordHash(userId: string, passwordHash: string, tx: Executor = db) {
      await usersRepository.update(userId, { passwordHash }, tx);
    },

    /** A new address, proven by a link sent to it; a taken one is a 409 `email_taken`. */
    async setVerifiedEmail(userId: string, email: string, tx: Executor = db): Promise<void> {
      await usersRepository.setEmail(userId, normaliseEmail(email), clock.now(), tx);
    },

    async markEmailVerified(user: UserRow, tx: Executor = db): Promise<void> {
      if (user.emailVerifiedAt) return;
      await usersRepository.update(user.id, { emailVerifiedAt: clock.now() }, tx);
    },

    findById: (id: string, tx: Executor = db) => usersRepository.findById(id, tx),
    findByEmail: (email: string, tx: Executor = db) =>
      usersRepository.findByEmail(normaliseEmail(email), tx),

    async me(actor: Actor): Promise<User> {
      const user = await usersRepository.findById(actor.userId);
      if (!user) throw userNotFound();
      return toUser(user);
    },

    /** Only the name can change here; the route schema drops every other key. */
    async updateMe(actor: Actor, body: { name: string }): Promise<User> {
      const user = await usersRepository.update(actor.userId, { name: body.name });
      if (!user) throw userNotFound();
      return toUser(user);
    },
  };
}

export type UsersService = ReturnType<typeof createUsersService>;
