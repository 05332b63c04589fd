import { count, eq } from "drizzle-orm";
import type { Executor } from "../../db/client.ts";
import { users } from "../users/users.table.ts";
import { userIdentities } from "./identities.table.ts";
import { passkeys } from "./passkeys.table.ts";
import type { SignInMethods } from "./sign-in-methods.ts";

/**
 * An account's ways to sign in, counted under a lock of its user row: two removals at once (a
 * passkey and an identity, say) wait for each other, so they cannot both take the last but one.
 */
export async function lockedSignInMethods(
  userId: string,
  tx: Executor,
): Promise<SignInMethods | undefined> {
  const [user] = await tx
    .select({ passwordHash: users.passwordHash })
    .from(users)
    .where(eq(users.id, userId))
    .for("update");
  if (!user) return undefined;
  const [identities] = await tx
    .select({ n: count() })
    .from(userIdentities)
    .where(eq(userIdentities.userId, userId));
  const [keys] = await tx.select({ n: count() }).from(passkeys).where(eq(passkeys.userId, userId));
  return {
    password: user.passwordHash !== null,
    identities: identities?.n ?? 0,
    passkeys: keys?.n ?? 0,
  };
}
