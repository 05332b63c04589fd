import type { FastifyPluginAsync, FastifyReply, FastifyRequest, RouteOptions } from "fastify";
import type { Actor } from "./actor.ts";
import { ForbiddenError, UnauthorizedError } from "./errors.ts";
import { assertMayWrite, needsVerifiedEmail } from "./verified-email.ts";

/**
 * Who may call a route, declared once in its options (`config: { auth: "required" }`): it gives
 * both the guard and the OpenAPI `security` entry. "none": no token looked at for access (a
 * token sent is still verified); "optional": anonymous or signed in; "required": a verified
 * caller, else 401; "admin": 401 without a caller, 403 for a non-admin.
 */
export type RouteAuth = "none" | "optional" | "required" | "admin";

declare module "fastify" {
  interface FastifyContextConfig {
    /** The route checks the Bearer token itself (it is not an access token), e.g. /metrics. */
    ownBearerToken?: boolean;
    auth?: RouteAuth;
  }
}

export type AuthPluginOptions = {
  /** Verifies an access token and its session; throws a 401 AppError when either is not valid. */
  authenticate(accessToken: string): Promise<Actor>;
  /** REQUIRE_VERIFIED_EMAIL: writes of an unverified account answer 403 (./verified-email.ts). */
  requireVerifiedEmail?: boolean;
};

// The scheme name is case-insensitive (RFC 9110 §11.1); the token is one token68 string.
const BEARER = /^bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

const invalidToken = () =>
  new UnauthorizedError("invalid_token", {
    detail: "The access token is invalid, expired or revoked.",
  });

/**
 * A route that checks its own token (`ownBearerToken`, e.g. /metrics) still gets the request.
 * Asked only on a failure, so a verified request never builds `routeOptions`.
 */
const ownTokenOr = (request: FastifyRequest, error: Error) =>
  request.routeOptions.config.ownBearerToken ? undefined : error;

/**
 * Sets `request.actor` on every request: null without an Authorization header, the verified
 * caller with one. A header that does not verify is a 401 even on public routes, so a client
 * never silently proceeds as anonymous with a token it believes is good.
 */
const plugin: FastifyPluginAsync<AuthPluginOptions> = async (app, options) => {
  const { authenticate } = options;
  app.decorateRequest("actor", null);
  app.addHook("onRoute", declareRouteAuth);
  if (options.requireVerifiedEmail) app.addHook("onRoute", guardWrites);
  // Callback style, so an anonymous request costs no promise.
  app.addHook("onRequest", (request, _reply, done) => {
    request.actor = null;
    const header = request.headers.authorization;
    if (header === undefined) return done();
    const match = BEARER.exec(header);
    if (!match?.[1]) return done(ownTokenOr(request, invalidToken()));
    authenticate(match[1]).then(
      (actor) => {
        request.actor = actor;
        done();
      },
      (error) => done(ownTokenOr(request, error)),
    );
  });
};

const SECURITY: Record<RouteAuth, Record<string, string[]>[]> = {
  none: [],
  optional: [{}, { bearerAuth: [] }],
  required: [{ bearerAuth: [] }],
  admin: [{ bearerAuth: [] }],
};

/**
 * Turns a route's `config.auth` into its `security` entry and, for "required" and "admin", its
 * guard: the first onRequest hook of the route, so an anonymous caller gets 401 before the body
 * is read or validated.
 */
export function declareRouteAuth(route: RouteOptions): void {
  const auth = route.config?.auth;
  if (auth === undefined) return;
  route.schema = { ...route.schema, security: SECURITY[auth] };
  const guard = auth === "required" ? requireAuth : auth === "admin" ? requireAdmin : undefined;
  if (!guard) return;
  const hooks = route.onRequest === undefined ? [] : [route.onRequest].flat();
  // A GET's automatic HEAD route comes here with the GET's hooks, guard included.
  if (!hooks.includes(guard)) route.onRequest = [guard, ...hooks];
}

/** After the auth guard: an unverified account's write is refused before its body is read. */
async function requireVerifiedEmail(request: FastifyRequest): Promise<void> {
  assertMayWrite(request.actor);
}

function guardWrites(route: RouteOptions): void {
  if (!needsVerifiedEmail(route)) return;
  const hooks = [route.onRequest ?? []].flat();
  if (hooks.includes(requireVerifiedEmail)) return;
  const at = hooks[0] === requireAuth ? 1 : 0;
  route.onRequest = [...hooks.slice(0, at), requireVerifiedEmail, ...hooks.slice(at)];
}

// Registered hooks and the decorator apply to the whole app, not an encapsulated child.
(plugin as unknown as Record<symbol, boolean>)[Symbol.for("skip-override")] = true;
export const authPlugin = plugin;

/** Route guard (`config: { auth: "required" }` installs it); 401 without a verified caller. */
export async function requireAuth(request: FastifyRequest, _reply?: FastifyReply): Promise<void> {
  if (!request.actor) {
    throw new UnauthorizedError("unauthorized", { detail: "Sign in with a Bearer access token." });
  }
}

/** Route guard (`config: { auth: "admin" }` installs it); 401 without a caller, 403 for a non-admin. */
export async function requireAdmin(request: FastifyRequest, reply?: FastifyReply): Promise<void> {
  await requireAuth(request, reply);
  if (request.actor?.role !== "admin") {
    throw new ForbiddenError("forbidden", { detail: "This needs an administrator." });
  }
}

/** The caller of a route declared `auth: "required"` or `"admin"`. */
export function actorOf(request: FastifyRequest): Actor {
  if (!request.actor) throw new UnauthorizedError("unauthorized");
  return request.actor;
}

/** Where a request came from, for sessions and the audit log. */
export function requestContext(request: FastifyRequest): { ip: string; userAgent: string | null } {
  return { ip: request.ip, userAgent: request.headers["user-agent"] ?? null };
}
