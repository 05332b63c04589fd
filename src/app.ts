import cors from "@fastify/cors";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from "fastify";
import { validatorCompiler } from "fastify-type-provider-zod";
import type { Deps } from "./deps.ts";
import { graphqlRoutes } from "./graphql/graphql.routes.ts";
import { authPlugin } from "./lib/auth.plugin.ts";
import { clientErrorHandler } from "./lib/client-error.ts";
import { handleFrameworkError, registerErrorHandling } from "./lib/error-handler.ts";
import { markNoStore } from "./lib/no-store.ts";
import { registerNotFound } from "./lib/not-found.ts";
import { openApiTransform, openApiTransformObject } from "./lib/openapi.ts";
import { registerRateLimit } from "./lib/rate-limit.ts";
import { BOUND_REQUEST_ID, runWithRequestId } from "./lib/request-context.ts";
import { requestIdFrom } from "./lib/request-id.ts";
import { pageHeaders, registerSecurityHeaders, useHeaders } from "./lib/security-headers.ts";
import { serializerCompiler } from "./lib/serializer.ts";
import { registerWellFormedText } from "./lib/well-formed-text.ts";
import { accountDeletionRoutes } from "./modules/account-deletion/account-deletion.routes.ts";
import { auditRoutes } from "./modules/audit/audit.routes.ts";
import { createAuthLimits } from "./modules/auth/auth.limits.ts";
import { authRoutes } from "./modules/auth/auth.routes.ts";
import { devRoutes } from "./modules/dev/dev.routes.ts";
import { exportsRoutes } from "./modules/exports/exports.routes.ts";
import { favoritesRoutes } from "./modules/favorites/favorites.routes.ts";
import { healthRoutes, metricsRoutes } from "./modules/health/health.routes.ts";
import { pagesRoutes } from "./modules/pages/pages.routes.ts";
import { ratingsRoutes } from "./modules/ratings/ratings.routes.ts";
import { recipesRoutes } from "./modules/recipes/recipes.routes.ts";
import { shoppingListsRoutes } from "./modules/shopping-lists/shopping-lists.routes.ts";
import { tagsRoutes } from "./modules/tags/tags.routes.ts";
import { usersAdminRoutes } from "./modules/users/users.routes.ts";

export const API_INFO = {
  title: "Stratum API",
  version: "0.2.0",
  description:
    "Accounts and sessions, recipes, and background jobs. Errors are RFC 9457 problem+json.",
};

declare module "fastify" {
  interface FastifyContextConfig {
    /** `false` logs the route instead of the URL: its query carries a secret (a link's token). */
    logQuery?: boolean;
  }
}

function registerRequestLog(app: FastifyInstance, deps: Deps): void {
  // The access line's fields are fixed and carry no secrets, so it skips the redaction every
  // other line goes through (~8 µs a line, ~2% of a by-id read's CPU time).
  const accessLog = deps.logger.child({}, { redact: [] });
  // Callback-style hooks: an async hook costs a promise and a microtask on every request.
  app.addHook("onResponse", (request, reply, done) => {
    const route = request.routeOptions.url ?? "unmatched";
    const labels = { method: request.method, route, status_code: reply.statusCode };
    deps.metrics.httpRequests.inc(labels);
    deps.metrics.httpDuration.observe(labels, reply.elapsedTime / 1000);
    accessLog.info(
      {
        requestId: request.id,
        method: request.method,
        route,
        url: request.routeOptions.config.logQuery === false ? route : request.url,
        statusCode: reply.statusCode,
        durationMs: Math.round(reply.elapsedTime * 100) / 100,
      },
      "request completed",
    );
    done();
  });
  app.addHook("onSend", (request, reply, payload, done) => {
    reply.header("x-request-id", request.id);
    markNoStore(request, reply);
    // While shutting down, no connection is kept for another request.
    if (deps.lifecycle.shuttingDown) reply.header("connection", "close");
    done(null, payload);
  });
}

/**
 * Everything a request causes runs with its id in an AsyncLocalStorage, so the lines services and
 * repositories log through deps.logger carry `requestId` too, and jobs it enqueues take it along.
 * Entered again before validation: a body is read in another async context than `onRequest`.
 */
function registerRequestContext(app: FastifyInstance): void {
  app.addHook("onRequest", (request, _reply, done) => runWithRequestId(request.id, done));
  app.addHook("preValidation", (request, _reply, done) => runWithRequestId(request.id, done));
}

/** `request.log` binds the request id itself: marked, so the mixin does not add it twice. */
function requestLogger(
  logger: FastifyBaseLogger,
  bindings: Record<string, unknown>,
  options: object,
): FastifyBaseLogger {
  const child = logger.child(bindings, options) as FastifyBaseLogger & {
    [BOUND_REQUEST_ID]?: boolean;
  };
  child[BOUND_REQUEST_ID] = true;
  return child;
}

/** Swagger UI's policy (`staticCSP`) without `upgrade-insecure-requests` and outside origins. */
const DOCS_CSP = {
  defaultSrc: ["'self'"],
  baseUri: ["'self'"],
  fontSrc: ["'self'", "data:"],
  formAction: ["'self'"],
  frameAncestors: ["'self'"],
  imgSrc: ["'self'", "data:"],
  objectSrc: ["'none'"],
  scriptSrc: ["'self'"],
  scriptSrcAttr: ["'none'"],
  styleSrc: ["'self'"],
};

/** The methods the API has; the headers clients send and may read across origins. */
const CORS_OPTIONS = {
  methods: "GET, HEAD, POST, PUT, PATCH, DELETE",
  allowedHeaders: "Authorization, Content-Type, If-Match, If-None-Match, X-Request-ID",
  exposedHeaders:
    "ETag, Location, Content-Disposition, X-Request-ID, RateLimit-Limit, RateLimit-Remaining, " +
    "RateLimit-Reset, Retry-After",
};

/** The document is always built (`npm run openapi` reads it); API_DOCS decides what is served. */
async function registerDocs(app: FastifyInstance, serve: boolean): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: API_INFO,
      components: {
        securitySchemes: { bearerAuth: { type: "http", scheme: "bearer", bearerFormat: "JWT" } },
      },
    },
    transform: openApiTransform,
    transformObject: openApiTransformObject,
  });
  if (!serve) return;
  // Swagger UI's own static policy upgrades every asset to https, a blank page over plain http
  // on any host but localhost: /docs gets its own header set, in a scope of its own.
  await app.register(async (docs) => {
    useHeaders(docs, pageHeaders(DOCS_CSP));
    await docs.register(swaggerUi, { routePrefix: "/docs" });
  });
  app.get("/openapi.json", { schema: { hide: true } }, async () => app.swagger());
}

/** Builds the HTTP application around already-created dependencies; listens on nothing. */
export async function buildApp(deps: Deps): Promise<FastifyInstance> {
  const { http } = deps.config;
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    genReqId: requestIdFrom,
    logController: new LogController({
      requestIdLogLabel: "requestId",
      disableRequestLogging: true,
    }),
    childLoggerFactory: requestLogger,
    bodyLimit: http.bodyLimit,
    requestTimeout: http.requestTimeoutMs,
    // Node checks unfinished requests against requestTimeout only every 30 s by default, so a
    // client trickling its headers kept a socket for up to 30 s more than the configured timeout.
    http: { connectionsCheckingInterval: 1_000 },
    keepAliveTimeout: http.keepAliveTimeoutMs,
    connectionTimeout: http.connectionTimeoutMs,
    handlerTimeout: http.handlerTimeoutMs,
    // On close, keep-alive connections are not cut while a client may be writing to them: each
    // gets its next request answered (503, Connection: close) or times out by keepAliveTimeout.
    forceCloseConnections: false,
    // What the parser and router refuse before a route runs is problem+json too.
    clientErrorHandler,
    frameworkErrors: handleFrameworkError,
    // Trust exactly the configured number of proxies in front (proxy-addr's hop index).
    trustProxy: (_address: string, hop: number) => hop < deps.config.trustedProxies,
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  // JSON endpoints take JSON only: without this, text/plain bodies reach validation as strings.
  app.removeContentTypeParser("text/plain");

  // First: the server span and the request's context cover every other hook.
  deps.tracing.registerHttp(app);
  registerRequestContext(app);
  registerErrorHandling(app);
  registerWellFormedText(app);
  registerNotFound(app);
  registerRequestLog(app, deps);
  registerSecurityHeaders(app);
  await app.register(cors, {
    origin: deps.config.corsOrigins.length ? deps.config.corsOrigins : false,
    ...CORS_OPTIONS,
  });
  await registerDocs(app, deps.config.apiDocs);
  await registerRateLimit(app, deps.redis);
  await app.register(authPlugin, {
    authenticate: (token) => deps.sessions.authenticate(token),
    requireVerifiedEmail: deps.config.requireVerifiedEmail,
  });

  // One set: login and every route that checks a password share the per-account budget.
  const authLimits = createAuthLimits(app, {
    emailOfResetToken: (token) => deps.recovery.emailOfResetToken(token),
    emailOfUser: (userId) => deps.auth.emailOfUser(userId),
  });

  await app.register(healthRoutes, { health: deps.health });
  if (deps.config.metrics.onApiPort) await app.register(metricsRoutes, metricsOptions(deps));
  await app.register(pagesRoutes);
  await app.register(authRoutes, {
    auth: deps.auth,
    users: deps.users,
    recovery: deps.recovery,
    sessions: deps.sessions,
    emailChange: deps.emailChange,
    mfa: deps.mfa,
    passkeys: deps.passkeys,
    identities: deps.identities,
    providerSignIn: deps.providerSignIn,
    limits: authLimits,
  });
  await app.register(usersAdminRoutes, { adminUsers: deps.adminUsers });
  await app.register(auditRoutes, { audit: deps.audit });
  await app.register(recipesRoutes, { recipes: deps.recipes });
  await app.register(ratingsRoutes, { ratings: deps.ratings });
  await app.register(favoritesRoutes, { favorites: deps.favorites });
  await app.register(shoppingListsRoutes, { shoppingLists: deps.shoppingLists });
  await app.register(tagsRoutes, { tags: deps.tags });
  await app.register(exportsRoutes, { exports: deps.exports });
  await app.register(accountDeletionRoutes, {
    accountDeletion: deps.accountDeletion,
    limits: authLimits,
  });
  // gen:routes (`npm run gen` adds module routes above this line)
  await app.register(graphqlRoutes, {
    recipes: deps.recipes,
    ratings: deps.ratings,
    favorites: deps.favorites,
    tags: deps.tags,
    exports: deps.exports,
    shoppingLists: deps.shoppingLists,
    users: deps.users,
    // gen:graphql-services (`npm run gen` adds module services above this line)
    introspection: deps.config.graphql.introspection,
    requireVerifiedEmail: deps.config.requireVerifiedEmail,
  });
  if (deps.config.devMailbox) await app.register(devRoutes, { mailer: deps.mailer });

  return app;
}

const metricsOptions = (deps: Deps) => ({
  metrics: deps.metrics,
  token: deps.config.metrics.token,
});

/** The listener of METRICS_PORT: `/metrics` and nothing else, off the API's public port. */
export async function buildMetricsApp(deps: Deps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    clientErrorHandler,
    frameworkErrors: handleFrameworkError,
  });
  registerErrorHandling(app);
  registerNotFound(app);
  await app.register(metricsRoutes, metricsOptions(deps));
  return app;
}
