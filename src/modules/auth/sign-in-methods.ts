import { ConflictError } from "../../lib/errors.ts";

/** The ways an account can sign in: its password, linked identities and passkeys. */
export type SignInMethods = { password: boolean; identities: number; passkeys: number };

export const signInMethodCount = (methods: SignInMethods): number =>
  Number(methods.password) + methods.identities + methods.passkeys;

/** Refuses to remove one of an account's sign-in methods when it is the only one left. */
export function assertNotLastSignInMethod(methods: SignInMethods): void {
  if (signInMethodCount(methods) > 1) return;
  throw new ConflictError("last_sign_in_method", {
    detail:
      "This is the account's only way to sign in: set a password (a password reset), add a passkey or link another identity first.",
  });
}
