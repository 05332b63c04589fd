import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import type { JsonSchema, Operation } from "./openapi.ts";

/** The RFC 9457 body every error carries (docs: API conventions). */
const PROBLEM_SCHEMA: JsonSchema = {
  type: "object",
  required: ["type", "title", "status", "detail", "instance", "code", "requestId"],
  additionalProperties: false,
  properties: {
    type: { type: "string", minLength: 1 },
    title: { type: "string", minLength: 1 },
    status: { type: "integer", minimum: 400, maximum: 599 },
    detail: { type: "string" },
    instance: { type: "string" },
    code: { type: "string", pattern: "^[a-z][a-z0-9_]*$" },
    requestId: { type: "string", minLength: 1 },
    errors: {
      type: "array",
      minItems: 1,
      items: {
        type: "object",
        required: ["path", "message"],
        additionalProperties: false,
        properties: { path: { type: "string" }, message: { type: "string" } },
      },
    },
  },
};

/** Answers given before a route is chosen: no operation's (docs/errors.md). */
const UNROUTED = new Set(["route_not_found", "method_not_allowed", "bad_url"]);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;

function createAjv(): Ajv2020 {
  // Not strict: OpenAPI adds keywords of its own (example, xml, discriminator, ...).
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
  ajv.addFormat("uuid", UUID);
  ajv.addFormat("date-time", {
    validate: (value: string) => DATE_TIME.test(value) && !Number.isNaN(Date.parse(value)),
  });
  ajv.addFormat("email", /^[^\s@]+@[^\s@]+$/);
  ajv.addFormat("uri", { validate: (value: string) => URL.canParse(value) });
  return ajv;
}

export type Answer = {
  statusCode: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: string;
};

/**
 * Checks an answer against the contract: a documented success whose body matches its schema,
 * or a 4xx problem+json. Returns what is wrong, empty when nothing is.
 */
export function createResponseChecker() {
  const ajv = createAjv();
  const problem = ajv.compile(PROBLEM_SCHEMA);
  const compiled = new Map<string, ValidateFunction>();
  const validatorFor = (operation: Operation, status: number, schema: JsonSchema) => {
    const key = `${operation.key} ${status}`;
    let validate = compiled.get(key);
    if (!validate) {
      validate = ajv.compile(schema);
      compiled.set(key, validate);
    }
    return validate;
  };
  const errorsOf = (validate: ValidateFunction) =>
    ajv.errorsText(validate.errors, { separator: "; ", dataVar: "body" });

  function checkSuccess(operation: Operation, answer: Answer): string[] {
    const { statusCode } = answer;
    if (!operation.responses.has(statusCode)) {
      const documented = [...operation.responses.keys()].join(", ");
      return [`status ${statusCode} is not documented (documented: ${documented})`];
    }
    const schema = operation.responses.get(statusCode);
    if (statusCode === 204 || statusCode === 205) {
      return answer.body === "" ? [] : [`${statusCode} carries a body`];
    }
    const type = String(answer.headers["content-type"] ?? "");
    if (!/^application\/([\w.+-]+\+)?json\b/i.test(type)) {
      return [`content-type ${JSON.stringify(type)} is not JSON`];
    }
    const body = parseJson(answer.body);
    if (!body.ok) return [`body is not JSON: ${answer.body.slice(0, 120)}`];
    if (schema === undefined) return [];
    const validate = validatorFor(operation, statusCode, schema);
    return validate(body.value) ? [] : [`body does not match the schema: ${errorsOf(validate)}`];
  }

  function checkProblem(operation: Operation | undefined, answer: Answer): string[] {
    const wrong: string[] = [];
    const type = String(answer.headers["content-type"] ?? "");
    if (!/^application\/problem\+json\b/i.test(type)) {
      wrong.push(`content-type ${JSON.stringify(type)} is not application/problem+json`);
    }
    const body = parseJson(answer.body);
    if (!body.ok) return [...wrong, `body is not JSON: ${answer.body.slice(0, 120)}`];
    if (!problem(body.value)) wrong.push(`not a problem document: ${errorsOf(problem)}`);
    const status = (body.value as { status?: unknown } | null)?.status;
    if (status !== answer.statusCode) wrong.push(`problem status ${status} ≠ ${answer.statusCode}`);
    if (answer.statusCode === 401 && answer.headers["www-authenticate"] !== "Bearer") {
      wrong.push("401 without WWW-Authenticate: Bearer");
    }
    if (answer.statusCode === 405 && !answer.headers.allow) wrong.push("405 without Allow");
    if (answer.statusCode === 429 && !answer.headers["retry-after"]) {
      wrong.push("429 without Retry-After");
    }
    // Every error an operation answers is in its entry, and matches the schema given there; a
    // path the router did not match (a `.` segment, normalized away) reached no operation.
    const code = (body.value as { code?: unknown } | null)?.code;
    const reached = !(typeof code === "string" && UNROUTED.has(code));
    if (operation && reached && !operation.responses.has(answer.statusCode)) {
      const listed = [...operation.responses.keys()].join(", ");
      wrong.push(`status ${answer.statusCode} is not documented (documented: ${listed})`);
    }
    const documented = operation?.responses.get(answer.statusCode);
    if (operation && documented) {
      const validate = validatorFor(operation, answer.statusCode, documented);
      if (!validate(body.value))
        wrong.push(`body does not match the schema: ${errorsOf(validate)}`);
    }
    return wrong;
  }

  return {
    /** `operation` is the documented operation the request reached, if any. */
    check(operation: Operation | undefined, answer: Answer): string[] {
      const { statusCode } = answer;
      if (statusCode >= 200 && statusCode < 300) {
        return operation
          ? checkSuccess(operation, answer)
          : [`${statusCode} from a method and path the document does not describe`];
      }
      if (statusCode >= 400 && statusCode < 500) return checkProblem(operation, answer);
      return [`status ${statusCode}: neither a documented success nor a 4xx`];
    },
  };
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}
