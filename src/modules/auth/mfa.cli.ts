import { parseArgs } from "node:util";
import { z } from "zod";
import type { UsersService } from "../users/users.service.ts";
import type { MfaService } from "./mfa.service.ts";

const USAGE = "usage: npm run user:reset-mfa -- --email E";

/**
 * `user:reset-mfa --email …`: turns two-step sign-in off for a user who lost the app and every
 * recovery code, as `DELETE /api/admin/users/:id/mfa` does, for when no admin can sign in.
 */
export async function runMfaReset(
  deps: { users: UsersService; mfa: MfaService },
  args: string[],
): Promise<string> {
  const { values } = parseArgs({ args, options: { email: { type: "string" } } });
  const email = z.email().safeParse(values.email?.trim().toLowerCase());
  if (!email.success) throw new Error(`${USAGE}\n  email: a valid email is required`);
  const user = await deps.users.findByEmail(email.data);
  if (!user) throw new Error(`no user ${email.data}`);
  await deps.mfa.reset("cli", user.id, { ip: null, userAgent: null });
  return `two-step sign-in turned off for ${user.email} (${user.id}); they were mailed a notice`;
}
