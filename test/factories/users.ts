import { randomBytes, randomUUID } from "node:crypto";
import type { Role } from "../../src/lib/actor.ts";
import type { User } from "../../src/modules/users/users.schema.ts";
import { toUser } from "../../src/modules/users/users.schema.ts";
import type { TestContext } from "../helpers/app.ts";

export type CreateUserOptions = { role?: Role; email?: string; password?: string; name?: string };
export type CreatedUser = {
  user: User;
  accessToken: string;
  refreshToken: string;
  password: string;
};

/** A password that passes the policy and differs every call. */
export function strongPassword(): string {
  return `Pw-${randomBytes(12).toString("base64url")}`;
}

export function uniqueEmail(prefix = "user"): string {
  return `${prefix}-${randomUUID()}@example.com`;
}

/**
 * Creates a user with a signed-in session, through the services (not HTTP, so the auth rate
 * limits of the test's app are left untouched). `Authorization: Bearer ${accessToken}` works.
 */
export async function createUser(
  ctx: Pick<TestContext, "deps">,
  options: CreateUserOptions = {},
): Promise<CreatedUser> {
  const password = options.password ?? strongPassword();
  const { deps } = ctx;
  const row = await deps.users.create({
    email: options.email ?? uniqueEmail(options.role ?? "user"),
    password,
    name: options.name ?? "Test User",
    role: options.role ?? "user",
  });
  const context = { ip: "127.0.0.1", userAgent: "factory" };
  const { pair } = await deps.db.transaction((tx) => deps.sessions.start(row, context, tx));
  return {
    user: toUser(row),
    accessToken: pair.accessToken,
    refreshToken: pair.refreshToken,
    password,
  };
}

/** `{ authorization: "Bearer …" }` for app.inject. */
export function bearer(accessToken: string): { authorization: string } {
  return { authorization: `Bearer ${accessToken}` };
}
