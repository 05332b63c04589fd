import type { Actor } from "./actor.ts";
import { ForbiddenError } from "./errors.ts";

declare module "fastify" {
  interface FastifyContextConfig {
    /**
     * The route stays open to an account whose email is not verified, under
     * REQUIRE_VERIFIED_EMAIL=true: signing out and the account's own settings.
     */
    allowUnverifiedEmail?: boolean;
  }
}

const WRITES = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/**
 * Whether REQUIRE_VERIFIED_EMAIL=true closes a route to an unverified account: every write a
 * signed-in user can make, unless the route opts out. Admin routes are left out: the first
 * admin is made with `user:create`, whose address no link has proven.
 */
export function needsVerifiedEmail(route: {
  method: string | string[];
  config?: { auth?: string; allowUnverifiedEmail?: boolean } | undefined;
}): boolean {
  const auth = route.config?.auth;
  if (route.config?.allowUnverifiedEmail || (auth !== "required" && auth !== "optional")) {
    return false;
  }
  return [route.method].flat().some((method) => WRITES.has(method));
}

export const emailNotVerified = () =>
  new ForbiddenError("email_not_verified", {
    detail: "Confirm your email address first (POST /api/auth/email/resend sends a new link).",
  });

/** The one rule both doors apply (REST's route guard, GraphQL's mutations); anonymous passes. */
export function assertMayWrite(actor: Actor | null): void {
  if (actor && !actor.emailVerified) throw emailNotVerified();
}
