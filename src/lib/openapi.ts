import { STATUS_CODES } from "node:http";
import type { RouteOptions } from "fastify";
import { jsonSchemaTransform, jsonSchemaTransformObject } from "fastify-type-provider-zod";
import { z } from "zod";
import { needsVerifiedEmail } from "./verified-email.ts";

/**
 * The error half of the OpenAPI document. Every operation lists every error it can answer, all
 * with the one `Problem` component: what the app's shared code does to any route (validation,
 * body parsing, path limits, tokens, the database) is derived from the route's shape here; what
 * a route's own logic answers (a 409, a 412, a service's 403 or 429) it declares in
 * `config.errors`, a status and what it means.
 */

declare module "fastify" {
  interface FastifyContextConfig {
    /** Errors the route's own logic answers, e.g. `{ 409: "`email_taken`: …" }`. */
    errors?: Partial<Record<ErrorStatus, string>>;
  }
}

export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 412 | 413 | 414 | 415 | 429 | 503;

export const FieldErrorSchema = z
  .object({
    path: z.string().describe("Where: `body.email`, `query.limit`, `params.id`"),
    message: z.string(),
  })
  .meta({ id: "FieldError" });

/** RFC 9457 problem details, plus the stable `code` clients branch on (docs/errors.md). */
export const ProblemSchema = z
  .object({
    type: z.string().describe("Always `about:blank`: `code` tells problems apart"),
    title: z.string().describe("The status's reason phrase"),
    status: z.number().int().min(400).max(599),
    detail: z.string().describe("For people; wording may change"),
    instance: z.string().describe("The request's path"),
    code: z.string().describe("Stable and machine-readable; listed in docs/errors.md"),
    requestId: z.string().describe("Also in the X-Request-ID header; quote it in reports"),
    errors: z
      .array(FieldErrorSchema)
      .optional()
      .describe("With `validation_failed`: every field problem at once"),
  })
  .meta({ id: "Problem", description: "An error, as application/problem+json (RFC 9457)." });

const PROBLEM_REF = { $ref: "#/components/schemas/Problem" };

const HEADERS = {
  wwwAuthenticate: {
    "WWW-Authenticate": { type: "string", description: "`Bearer`" },
  },
  retryAfter: {
    "Retry-After": { type: "integer", description: "Seconds to wait before retrying" },
  },
  rateLimit: {
    "RateLimit-Limit": { type: "integer", description: "Requests allowed in the window" },
    "RateLimit-Remaining": { type: "integer", description: "Requests left in the window" },
    "RateLimit-Reset": { type: "integer", description: "Seconds until the window resets" },
  },
} as const;

/** Marks a preValidation hook as a rate limiter, so its routes document 429 (lib/rate-limit.ts). */
export const RATE_LIMITED = Symbol.for("stratum.rateLimited");

const BODY_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);

type RouteShape = {
  method: string;
  schema: Record<string, unknown>;
  config: RouteOptions["config"];
  preValidation?: unknown;
};

function isRateLimited(hooks: unknown): boolean {
  return [hooks ?? []].flat().some((hook) => typeof hook === "function" && RATE_LIMITED in hook);
}

/** Status → what it means for this route: shared causes first, then the route's own. */
export function errorsOf(route: RouteShape): Map<ErrorStatus, string[]> {
  const { schema, config } = route;
  const errors = new Map<ErrorStatus, string[]>();
  const add = (status: ErrorStatus, why: string) => {
    errors.set(status, [...(errors.get(status) ?? []), why]);
  };
  const takesBody = BODY_METHODS.has(route.method);
  const hasParams = schema.params !== undefined;
  const auth = config?.auth ?? "none";

  if (schema.body || schema.querystring || schema.params || schema.headers) {
    add(400, "`validation_failed`: the input breaks the schema; `errors[]` lists every field");
  }
  if (takesBody) {
    add(400, "`invalid_json`: the body is not JSON; `invalid_text`: text that cannot be stored");
  }
  if (auth === "required" || auth === "admin") {
    add(401, "`unauthorized`: no Bearer access token; `invalid_token`: it does not verify");
  } else if (!config?.ownBearerToken) {
    add(401, "`invalid_token`: an Authorization header was sent and does not verify");
  }
  if (auth === "admin") add(403, "`forbidden`: the caller is not an administrator");
  if (needsVerifiedEmail(route)) {
    add(403, "`email_not_verified`: REQUIRE_VERIFIED_EMAIL is on and the email is not verified");
  }
  if (hasParams) add(404, "The resource does not exist or the caller may not see it");
  if (takesBody) {
    add(413, "`body_too_large`: the body is over the size limit");
    add(415, "`unsupported_media_type`: the body is not application/json");
  }
  if (hasParams) add(414, "`uri_too_long`: a path segment is longer than 100 characters");
  const rateLimited = isRateLimited(route.preValidation);
  if (rateLimited) add(429, "`rate_limited`: too many attempts; see `Retry-After`");
  add(503, "`database_unavailable` or `timeout`: retry after `Retry-After` seconds");
  if (rateLimited) add(503, "`rate_limit_unavailable`: the rate-limit store does not answer");
  for (const [status, why] of Object.entries(config?.errors ?? {})) {
    if (why) add(Number(status) as ErrorStatus, why);
  }
  return errors;
}

function problemResponse(status: ErrorStatus, reasons: string[]) {
  const headers =
    status === 401
      ? HEADERS.wwwAuthenticate
      : status === 429
        ? { ...HEADERS.retryAfter, ...HEADERS.rateLimit }
        : status === 503
          ? HEADERS.retryAfter
          : undefined;
  return {
    description: `${STATUS_CODES[status]}. ${reasons.join("; ")}.`,
    content: { "application/problem+json": { schema: PROBLEM_REF } },
    ...(headers ? { headers } : {}),
  };
}

type TransformInput = Parameters<typeof jsonSchemaTransform>[0] & {
  route: RouteOptions;
};

/** `@fastify/swagger`'s per-route transform: zod to JSON Schema, then the route's errors. */
export function openApiTransform(input: TransformInput) {
  const output = jsonSchemaTransform(input);
  const { route } = input;
  if (!output.schema || output.schema.hide || !route) return output;
  const schema = output.schema as Record<string, unknown> & { response?: Record<string, unknown> };
  const method = [route.method].flat()[0] ?? "GET";
  const errors = errorsOf({
    method,
    schema: (input.schema ?? {}) as Record<string, unknown>,
    config: route.config,
    preValidation: route.preValidation,
  });
  const response: Record<string, unknown> = {};
  for (const [status, value] of Object.entries(schema.response ?? {})) {
    // A named shape is a bare `$ref`, which the document would call "Default Response".
    const named = typeof value === "object" && value !== null && "$ref" in value;
    response[status] = named
      ? { description: STATUS_CODES[status], content: { "application/json": { schema: value } } }
      : value;
  }
  for (const [status, reasons] of errors) {
    response[status] ??= problemResponse(status, reasons);
  }
  return { ...output, schema: { ...schema, response } };
}

type TransformObjectInput = Parameters<typeof jsonSchemaTransformObject>[0];

/**
 * `@fastify/swagger`'s document transform: the named components. The type provider writes every
 * registered schema twice (as read, `XInput`, and as written, `X`); only those an operation or
 * another component refers to are kept.
 */
type Document = { paths?: unknown; components?: { schemas?: Record<string, unknown> } };
type Body = { required?: boolean; content?: Record<string, { schema?: { $ref?: string } }> };

/**
 * `@fastify/swagger` marks every request body required; one whose schema also takes null (a
 * `.nullish()` body such as logout's) may be left out, and the document says so.
 */
function markOptionalBodies(document: Document, schemas: Record<string, unknown>): void {
  const operations = Object.values((document.paths ?? {}) as Record<string, object>).flatMap(
    (item) => Object.values(item) as { requestBody?: Body }[],
  );
  for (const { requestBody } of operations) {
    const ref = requestBody?.content?.["application/json"]?.schema?.$ref;
    const name = ref?.replace("#/components/schemas/", "") ?? "";
    const schema = schemas[name] as { anyOf?: object[] } | undefined;
    const takesNull = schema?.anyOf?.some((branch) => JSON.stringify(branch) === '{"type":"null"}');
    if (requestBody && takesNull) requestBody.required = false;
  }
}

export function openApiTransformObject(
  input: TransformObjectInput,
): ReturnType<typeof jsonSchemaTransformObject> {
  const document = jsonSchemaTransformObject(input) as Document;
  const schemas = document.components?.schemas;
  if (!schemas) return document as ReturnType<typeof jsonSchemaTransformObject>;
  const kept = new Set<string>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const item of node) visit(item);
      return;
    }
    if (node === null || typeof node !== "object") return;
    for (const [key, value] of Object.entries(node)) {
      if (key === "$ref" && typeof value === "string") {
        const name = value.replace("#/components/schemas/", "");
        if (!kept.has(name) && schemas[name]) {
          kept.add(name);
          visit(schemas[name]);
        }
      } else visit(value);
    }
  };
  visit(document.paths);
  markOptionalBodies(document, schemas);
  const ordered = Object.fromEntries([...kept].sort().map((name) => [name, schemas[name]]));
  const pruned: Document = {
    ...document,
    components: { ...document.components, schemas: ordered },
  };
  return pruned as ReturnType<typeof jsonSchemaTransformObject>;
}
