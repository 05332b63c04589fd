import type { FastifyReply, FastifyRequest, onSendHookHandler } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import {
  GraphQLError,
  getOperationAST,
  NoSchemaIntrospectionCustomRule,
  parse,
  type ValidationRule,
} from "graphql";
import mercurius, { type MercuriusContext } from "mercurius";
import { z } from "zod";
import { BadRequestError } from "../lib/errors.ts";
import { DocumentRefusedError, formatError, sendRequestError } from "./errors.ts";
import {
  checkDocumentSize,
  checkVariables,
  DEFAULT_GRAPHQL_LIMITS,
  type GraphqlLimits,
  limitRules,
} from "./limits.ts";
import { GRAPHQL_RESPONSE_TYPE, JSON_TYPE, responseMediaType } from "./media-type.ts";
import { type Context, type GraphqlServices, recipeLoaders } from "./resolvers.ts";
import { createGraphqlSchema } from "./schema.ts";

export type GraphqlOptions = GraphqlServices & {
  introspection: boolean;
  requireVerifiedEmail: boolean;
};

const INTROSPECTION_DEPTH = 15;

/**
 * A document's second run onwards executes as a query compiled by graphql-jit (through
 * mercurius): a page of recipes costs about two thirds of the server CPU that graphql-js's
 * field-by-field execution costs (bench/README.md). ./jit.test.ts checks both answer alike.
 */
export const JIT_AFTER_RUNS = 1;

const refused = (errors: GraphQLError[]) => new DocumentRefusedError(errors);

const Variables = z.record(z.string(), z.unknown());
const GraphqlBody = z.object({
  query: z.string().min(1),
  operationName: z.string().nullish(),
  variables: Variables.nullish(),
  extensions: z.record(z.string(), z.unknown()).nullish(),
});
const GraphqlQuery = z.object({
  query: z.string().min(1),
  operationName: z.string().optional(),
  variables: z.string().optional().describe("JSON"),
  extensions: z.string().optional(),
});

/** Mercurius would run each operation of an array; rate limits and limits count requests. */
function refuseBatch(request: FastifyRequest, _reply: FastifyReply, done: (error?: Error) => void) {
  if (!Array.isArray(request.body)) return done();
  done(
    new BadRequestError("batched_queries_not_supported", {
      detail: "Send one GraphQL operation per request, as an object: arrays are not accepted.",
    }),
  );
}

function parseVariables(text: string | undefined): Record<string, unknown> | undefined {
  if (text === undefined) return undefined;
  const parsed = Variables.safeParse(JSON.parse(text === "" ? "{}" : text));
  if (!parsed.success) throw new Error("not an object");
  return parsed.data;
}

/**
 * Every answer of these routes is JSON: it goes out as `application/graphql-response+json` to a
 * client whose `Accept` prefers that, the statuses being that type's already (docs/graphql.md).
 */
const negotiateMediaType: onSendHookHandler = (request, reply, payload, done) => {
  const vary = reply.getHeader("vary");
  reply.header("vary", vary ? `${String(vary)}, Accept` : "Accept");
  const chosen = responseMediaType(request.headers.accept);
  if (
    chosen === GRAPHQL_RESPONSE_TYPE &&
    String(reply.getHeader("content-type")).startsWith(JSON_TYPE)
  ) {
    reply.header("content-type", `${GRAPHQL_RESPONSE_TYPE}; charset=utf-8`);
  }
  done(null, payload);
};

/**
 * What mercurius would not answer itself (it fails with a TypeError, a 500):
 * - a query that does not parse but is JSON, which it takes for a parsed document sent by the
 *   client; no JSON text is a GraphQL document, so the answer is the syntax error;
 * - over GET, a document without the operation to run (several and no `operationName`, or an
 *   unknown one), where it looks the operation's type up before checking it is there.
 */
function documentRefusal(
  query: string,
  operationName: string | null | undefined,
  method: string,
  limits: GraphqlLimits,
): GraphQLError | undefined {
  let json = true;
  try {
    JSON.parse(query);
  } catch {
    json = false;
  }
  if (!json && method !== "GET") return undefined;
  let document: ReturnType<typeof parse>;
  try {
    document = parse(query, { maxTokens: limits.maxTokens });
  } catch (error) {
    // Without JSON, mercurius reports the syntax error itself.
    return json && error instanceof GraphQLError ? error : undefined;
  }
  if (getOperationAST(document, operationName ?? undefined)) return undefined;
  const hasOperation = document.definitions.some((node) => node.kind === "OperationDefinition");
  if (!hasOperation) return undefined; // validation says so
  return new GraphQLError(
    operationName
      ? `Unknown operation named "${operationName}".`
      : "Must provide operation name if query contains multiple operations.",
  );
}

/**
 * `POST /graphql` (and `GET` for queries): a second door into the same services. The routes are
 * the app's own rather than mercurius's, so that they go through its hooks like any REST route
 * (`auth: "optional"`: `request.actor` from the bearer token; request id; access log; metrics;
 * zod validation) and are kept out of the OpenAPI document; mercurius parses, validates and
 * executes (`reply.graphql`). Errors: ./errors.ts.
 */
export const graphqlRoutes: FastifyPluginAsyncZod<GraphqlOptions> = async (app, options) => {
  const { introspection, requireVerifiedEmail, ...services } = options;
  // An explorer's introspection query nests `ofType` 15 deep: where introspection is on, so is
  // that depth (docs/graphql.md, Limits).
  const limits: GraphqlLimits = introspection
    ? { ...DEFAULT_GRAPHQL_LIMITS, maxDepth: INTROSPECTION_DEPTH }
    : DEFAULT_GRAPHQL_LIMITS;
  // Run by `validate`, before anything executes; cached per document by mercurius.
  const validationRules: ValidationRule[] = [
    ...(introspection ? [] : [NoSchemaIntrospectionCustomRule]),
    ...limitRules(limits),
  ];
  await app.register(mercurius, {
    schema: createGraphqlSchema(),
    routes: false,
    allowBatchedQueries: false,
    jit: JIT_AFTER_RUNS,

    validationRules,
    graphql: { parseOptions: { maxTokens: limits.maxTokens } },
    errorFormatter: (execution, context) => {
      const { request } = (context as unknown as { reply: FastifyReply }).reply;
      const errors = execution.errors.map((error) => formatError(error, request));
      // Execution ran: 200 (GraphQL-over-HTTP); without `data` the request itself was refused.
      const ran = "data" in execution;
      const response = ran ? { data: execution.data ?? null, errors } : { errors };
      return {
        statusCode: ran ? 200 : 400,
        response: response as unknown as { errors: GraphQLError[] },
      };
    },
  });
  app.setErrorHandler(sendRequestError);
  app.addHook("onSend", negotiateMediaType);
  const ratings = { loader: recipeLoaders.ratings, opts: { cache: false } };
  app.graphql.defineLoaders<Context & MercuriusContext>({
    Recipe: { ratings },
    RecipeSummary: { ratings },
  });
  // Validation is cached per document, so a `first` passed as a variable is checked per request.
  app.graphql.addHook("preExecution", async (_schema, document, _context, variables) => {
    const errors = checkVariables(document, variables, limits);
    if (errors.length > 0) throw refused(errors);
  });

  const run = (
    request: FastifyRequest,
    reply: FastifyReply,
    body: { query: string; operationName?: string | null; variables?: object | null },
  ) => {
    const tooLarge = checkDocumentSize(body.query, limits);
    if (tooLarge) throw refused([tooLarge]);
    const wrong = documentRefusal(body.query, body.operationName, request.method, limits);
    if (wrong) throw refused([wrong]);
    return reply.graphql(
      body.query,
      { actor: request.actor, services, requireVerifiedEmail },
      body.variables ?? undefined,
      body.operationName ?? undefined,
    );
  };

  app.post(
    "/graphql",
    {
      // A query may come by POST: each mutation checks REQUIRE_VERIFIED_EMAIL (./schema.ts).
      config: { auth: "optional", allowUnverifiedEmail: true },
      preValidation: refuseBatch,
      schema: { hide: true, body: GraphqlBody },
    },
    (request, reply) => run(request, reply, request.body),
  );

  app.get(
    "/graphql",
    { config: { auth: "optional" }, schema: { hide: true, querystring: GraphqlQuery } },
    (request, reply) => {
      let variables: Record<string, unknown> | undefined;
      try {
        variables = parseVariables(request.query.variables);
      } catch {
        throw new BadRequestError("invalid_variables", {
          detail: "`variables` must be a JSON object.",
          errors: [{ path: "querystring.variables", message: "is not a JSON object" }],
        });
      }
      return run(request, reply, { ...request.query, variables });
    },
  );
};
