import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { GraphQLError } from "graphql";
import { describeError } from "../lib/error-handler.ts";
import type { FieldError } from "../lib/errors.ts";

/**
 * GraphQL's errors carry what a REST problem carries: `extensions.code` is the problem's `code`,
 * `extensions.status` the status REST would answer, `extensions.requestId` the request's id, and
 * `extensions.errors` the field problems of a `validation_failed`. The message is the problem's
 * `detail`: never a stack trace or an internal message (an unexpected error is logged and
 * answers `internal_error`).
 */

export type ErrorExtensions = {
  code: string;
  status: number;
  requestId: string;
  errors?: FieldError[];
  /** A limit's figures (limits.ts): what is allowed and what the document has. */
  limit?: number;
  actual?: number;
};

export type FormattedError = {
  message: string;
  locations?: readonly { line: number; column: number }[];
  path?: readonly (string | number)[];
  extensions: ErrorExtensions;
};

function body(
  error: GraphQLError,
  message: string,
  extensions: Omit<ErrorExtensions, "requestId">,
  request: FastifyRequest,
): FormattedError {
  const { code, status, errors, limit, actual } = extensions;
  return {
    message,
    ...(error.locations ? { locations: error.locations } : {}),
    ...(error.path ? { path: error.path } : {}),
    extensions: {
      code,
      status,
      requestId: String(request.id),
      ...(errors && errors.length > 0 ? { errors } : {}),
      ...(typeof limit === "number" ? { limit } : {}),
      ...(typeof actual === "number" ? { actual } : {}),
    },
  };
}

// graphql's parser stops at `maxTokens` with a syntax error of its own (limits.ts).
const TOO_MANY_TOKENS = /^Syntax Error: Document contains more tha[nt] \d+ tokens/;

/** A document GraphQL refused (syntax, validation, variables), or a limit's own code. */
function documentError(error: GraphQLError, request: FastifyRequest): FormattedError {
  const own = error.extensions?.code;
  const code =
    typeof own === "string"
      ? own
      : TOO_MANY_TOKENS.test(error.message)
        ? "document_too_large"
        : error.message.startsWith("Syntax Error")
          ? "graphql_parse_failed"
          : "graphql_validation_failed";
  const { limit, actual } = error.extensions ?? {};
  const figures = typeof limit === "number" && typeof actual === "number" ? { limit, actual } : {};
  return body(error, error.message, { code, status: 400, ...figures }, request);
}

/** One error of a GraphQL response, in the shape above. */
export function formatError(error: GraphQLError, request: FastifyRequest): FormattedError {
  const original = error.originalError;
  if (!original || original instanceof GraphQLError) {
    // Execution's own errors (a null in a non-null field) are the server's fault.
    if (error.path) return unexpected(error, error, request);
    return documentError(error, request);
  }
  const problem = describeError(original as FastifyError, request);
  return body(error, problem.detail, problem, request);
}

function unexpected(error: GraphQLError, cause: Error, request: FastifyRequest): FormattedError {
  request.log.error({ err: cause }, "unhandled GraphQL error");
  return body(
    error,
    "An unexpected error occurred.",
    { code: "internal_error", status: 500 },
    request,
  );
}

/** A document refused before execution (over a limit): answered like one that does not validate. */
export class DocumentRefusedError extends Error {
  readonly errors: GraphQLError[];
  constructor(errors: GraphQLError[]) {
    super("The document is refused.");
    this.name = "DocumentRefusedError";
    this.errors = errors;
  }
}

const asGraphQLError = (error: unknown) =>
  error instanceof GraphQLError ? error : new GraphQLError(String((error as Error)?.message));

/**
 * Errors before execution: the document does not parse or validate (400), a mutation over GET
 * (405), a request that is not one GraphQL request (400), a token that does not verify (401).
 * The answer is a GraphQL response without `data`, with the status GraphQL-over-HTTP gives.
 */
export function sendRequestError(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
) {
  const inner = (error as { errors?: unknown[] }).errors ?? [];
  let status: number;
  let errors: FormattedError[];
  const invalid = error.code === "MER_ERR_GQL_VALIDATION" || error instanceof DocumentRefusedError;
  if (invalid && inner.length > 0) {
    status = 400;
    errors = inner.map((item) => documentError(asGraphQLError(item), request));
  } else if (error.code === "MER_ERR_METHOD_NOT_ALLOWED") {
    status = 405;
    reply.header("allow", "POST");
    const refusal = new GraphQLError("A mutation needs POST.");
    errors = [body(refusal, refusal.message, { code: "method_not_allowed", status }, request)];
  } else {
    const problem = describeError(error, request);
    status = problem.status;
    if (problem.headers) reply.headers(problem.headers);
    errors = [body(new GraphQLError(problem.detail), problem.detail, problem, request)];
  }
  return reply.code(status).type("application/json; charset=utf-8").send({ errors });
}
