export type Role = "user" | "admin";

/** Who is calling: set by the auth plugin from a verified access token, null when anonymous. */
export type Actor = {
  userId: string;
  role: Role;
  sessionId: string;
  /**
   * Whether the account's email is verified, as of this request (the auth plugin always sets
   * it); absent counts as not verified where REQUIRE_VERIFIED_EMAIL asks.
   */
  emailVerified?: boolean;
};

declare module "fastify" {
  interface FastifyRequest {
    actor: Actor | null;
  }
}
