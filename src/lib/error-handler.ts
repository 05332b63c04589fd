import { STATUS_CODES } from "node:http";
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { AppError, errorCodes, type FieldError } from "./errors.ts";

export type Problem = {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  code: string;
  requestId: string;
  errors?: FieldError[];
};

const DATABASE_UNAVAILABLE_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "CONNECT_TIMEOUT",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "57014", // statement timeout
  "57P01", // admin shutdown
  "57P02",
  "57P03", // cannot connect now (starting up)
]);

// PostgreSQL text cannot hold NUL (22021), nor characters its encoding lacks (22P05, e.g. a
// `\u0000` escape in jsonb): the client sent text that cannot be stored, so it is a 400.
const UNSTORABLE_TEXT_CODES = new Set(["22021", "22P05"]);

function isUnstorableText(error: unknown): boolean {
  return errorCodes(error).some((code) => UNSTORABLE_TEXT_CODES.has(code));
}

export function isDatabaseUnavailable(error: unknown): boolean {
  return errorCodes(error).some(
    (code) => DATABASE_UNAVAILABLE_CODES.has(code) || code.startsWith("08"),
  );
}

export function sendProblem(
  reply: FastifyReply,
  status: number,
  code: string,
  detail: string,
  errors?: FieldError[],
): FastifyReply {
  const request = reply.request;
  const problem: Problem = {
    type: "about:blank",
    title: STATUS_CODES[status] ?? "Error",
    status,
    detail,
    instance: request.url.split("?")[0] ?? request.url,
    code,
    requestId: String(request.id),
    ...(errors && errors.length > 0 ? { errors } : {}),
  };
  return reply
    .code(status)
    .type("application/problem+json")
    .serializer(JSON.stringify)
    .send(problem);
}

function validationErrors(error: FastifyError): FieldError[] {
  const context = error.validationContext ?? "body";
  return (error.validation ?? []).map((issue) => {
    const path = (issue.instancePath ?? "").split("/").filter(Boolean).join(".");
    return { path: path ? `${context}.${path}` : context, message: issue.message ?? "is invalid" };
  });
}

/** What an error answers: the problem's parts, and the headers that go with it. */
export type ProblemParts = {
  status: number;
  code: string;
  detail: string;
  errors?: FieldError[];
  headers?: Record<string, string>;
};

/**
 * The problem any error thrown while serving a request stands for; the one mapping from errors
 * to codes, used by the REST handler and by GraphQL's error formatter. Logs what needs a look.
 */
export function describeError(error: FastifyError, request: FastifyRequest): ProblemParts {
  if (error instanceof AppError) {
    if (error.status >= 500) request.log.warn({ err: error }, "request failed");
    return {
      status: error.status,
      code: error.code,
      detail: error.detail ?? STATUS_CODES[error.status] ?? "",
      errors: error.errors,
      headers: error.headers,
    };
  }
  if (error.validation) {
    return {
      status: 400,
      code: "validation_failed",
      detail: "The request is invalid.",
      errors: validationErrors(error),
    };
  }
  if (
    error.code === "FST_ERR_CTP_INVALID_JSON_BODY" ||
    error.code === "FST_ERR_CTP_EMPTY_JSON_BODY" ||
    (error instanceof SyntaxError && error.statusCode === 400)
  ) {
    return { status: 400, code: "invalid_json", detail: "The request body is not valid JSON." };
  }
  if (error.code === "FST_ERR_CTP_INVALID_MEDIA_TYPE") {
    return {
      status: 415,
      code: "unsupported_media_type",
      detail: "Send the body as application/json.",
    };
  }
  if (error.code === "FST_ERR_CTP_BODY_TOO_LARGE") {
    return { status: 413, code: "body_too_large", detail: "The request body is too large." };
  }
  if (error.code === "FST_ERR_HANDLER_TIMEOUT") {
    request.log.error({ err: error }, "handler timed out");
    return { status: 503, code: "timeout", detail: "The request took too long; retry shortly." };
  }
  if (isUnstorableText(error)) {
    return {
      status: 400,
      code: "invalid_text",
      detail: "The request contains text that cannot be stored (such as a NUL character).",
    };
  }
  if (isDatabaseUnavailable(error)) {
    request.log.error({ err: error }, "database unavailable");
    return {
      status: 503,
      code: "database_unavailable",
      detail: "The database is unavailable; retry shortly.",
      headers: { "retry-after": "1" },
    };
  }
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    return { status, code: "bad_request", detail: error.message };
  }
  request.log.error({ err: error }, "unhandled error");
  return { status: 500, code: "internal_error", detail: "An unexpected error occurred." };
}

function handleError(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const problem = describeError(error, request);
  if (problem.headers) reply.headers(problem.headers);
  return sendProblem(reply, problem.status, problem.code, problem.detail, problem.errors);
}

/**
 * Errors Fastify raises before a route is chosen (a path that is not valid percent-encoding, a
 * path parameter longer than `maxParamLength`) skip the error handler; pass this as Fastify's
 * `frameworkErrors` option so that they are problem+json too.
 */
export function handleFrameworkError(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): FastifyReply {
  // No route, so no onSend hook either: the request id header is set here.
  reply.header("x-request-id", request.id);
  if (error.code === "FST_ERR_MAX_PARAM_LENGTH") {
    return sendProblem(reply, 414, "uri_too_long", "A path segment is too long.");
  }
  if (error.code === "FST_ERR_BAD_URL") {
    return sendProblem(reply, 400, "bad_url", "The URL is not valid percent-encoded UTF-8.");
  }
  request.log.error({ err: error }, "unhandled framework error");
  return sendProblem(reply, 500, "internal_error", "An unexpected error occurred.");
}

/** One place renders every error as RFC 9457 problem+json. */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler(handleError);
}
