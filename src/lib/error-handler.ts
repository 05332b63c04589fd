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

function handleError(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  if (error instanceof AppError) {
    if (error.status >= 500) request.log.warn({ err: error }, "request failed");
    reply.headers(error.headers);
    return sendProblem(
      reply,
      error.status,
      error.code,
      error.detail ?? STATUS_CODES[error.status] ?? "",
      error.errors,
    );
  }
  if (error.validation) {
    return sendProblem(
      reply,
      400,
      "validation_failed",
      "The request is invalid.",
      validationErrors(error),
    );
  }
  if (
    error.code === "FST_ERR_CTP_INVALID_JSON_BODY" ||
    error.code === "FST_ERR_CTP_EMPTY_JSON_BODY" ||
    (error instanceof SyntaxError && error.statusCode === 400)
  ) {
    return sendProblem(reply, 400, "invalid_json", "The request body is not valid JSON.");
  }
  if (error.code === "FST_ERR_CTP_INVALID_MEDIA_TYPE") {
    return sendProblem(reply, 415, "unsupported_media_type", "Send the body as application/json.");
  }
  if (error.code === "FST_ERR_CTP_BODY_TOO_LARGE") {
    return sendProblem(reply, 413, "body_too_large", "The request body is too large.");
  }
  if (error.code === "FST_ERR_HANDLER_TIMEOUT") {
    request.log.error({ err: error }, "handler timed out");
    return sendProblem(reply, 503, "timeout", "The request took too long; retry shortly.");
  }
  if (isUnstorableText(error)) {
    return sendProblem(
      reply,
      400,
      "invalid_text",
      "The request contains text that cannot be stored (such as a NUL character).",
    );
  }
  if (isDatabaseUnavailable(error)) {
    request.log.error({ err: error }, "database unavailable");
    reply.header("retry-after", "1");
    return sendProblem(
      reply,
      503,
      "database_unavailable",
      "The database is unavailable; retry shortly.",
    );
  }
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    return sendProblem(reply, status, "bad_request", error.message);
  }
  request.log.error({ err: error }, "unhandled error");
  return sendProblem(reply, 500, "internal_error", "An unexpected error occurred.");
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
