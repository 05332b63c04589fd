export type Role = "user" | "admin";

/** Who is calling: set by the auth plugin from a verified access token, null when anonymous. */
export type Actor = { userId: string; role: Role; sessionId: string };

declare module "fastify" {
  interface FastifyRequest {
    actor: Actor | null;
  }
}
