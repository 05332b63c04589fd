/** The parts of an OpenAPI 3 document the fuzzer needs: operations, their inputs and responses. */

export type JsonSchema = { [key: string]: unknown };

export type Parameter = { name: string; required: boolean; schema: JsonSchema };

export type Operation = {
  /** `GET /api/recipes/{id}`: names a property run and its figures. */
  key: string;
  method: string;
  /** The OpenAPI path template, `/api/recipes/{id}`. */
  path: string;
  pathParams: Parameter[];
  query: Parameter[];
  headers: Parameter[];
  body: { required: boolean; schema: JsonSchema } | undefined;
  /** Documented statuses and the JSON schema of their bodies (undefined: none documented). */
  responses: Map<number, JsonSchema | undefined>;
  /** Whether a bearer token is required, optional (`[{}, { bearerAuth: [] }]`) or not asked for. */
  auth: "required" | "optional" | "none";
};

type Document = {
  openapi: string;
  paths: Record<string, Record<string, RawOperation>>;
  components?: Record<string, Record<string, unknown>>;
  security?: Record<string, string[]>[];
};

type RawOperation = {
  parameters?: (JsonSchema & { $ref?: string })[];
  requestBody?: JsonSchema & { $ref?: string };
  responses?: Record<string, JsonSchema & { $ref?: string }>;
  security?: Record<string, string[]>[];
};

// Keywords whose value maps names to schemas (a property named `$ref` is not a reference).
const SCHEMA_MAPS = new Set(["properties", "patternProperties", "$defs", "definitions"]);

const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/**
 * Inlines `$ref`s to `#/components/...` and turns OpenAPI 3.0's `nullable: true` into a JSON
 * Schema type union, so every schema handed on is plain JSON Schema (2020-12, as 3.1 uses).
 */
export function resolveSchema(
  document: Document,
  schema: unknown,
  seen: string[] = [],
): JsonSchema {
  if (Array.isArray(schema))
    return schema.map((item) => resolveSchema(document, item, seen)) as never;
  if (!schema || typeof schema !== "object") return schema as JsonSchema;
  const object = schema as JsonSchema;
  if (typeof object.$ref === "string") {
    const ref = object.$ref;
    // A recursive schema is left as an open schema at its second visit.
    if (seen.includes(ref)) return {};
    return resolveSchema(document, lookup(document, ref), [...seen, ref]);
  }
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(object)) {
    if (SCHEMA_MAPS.has(key)) out[key] = resolveMap(document, value, seen);
    else if (value && typeof value === "object") out[key] = resolveSchema(document, value, seen);
    else out[key] = value;
  }
  if (out.nullable === true) {
    delete out.nullable;
    if (typeof out.type === "string") out.type = [out.type, "null"];
    else if (Array.isArray(out.enum)) out.enum = [...out.enum, null];
    else if (!out.type) return { anyOf: [out, { type: "null" }] };
  }
  return out;
}

function resolveMap(document: Document, value: unknown, seen: string[]): unknown {
  if (!value || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value).map(([name, schema]) => [name, resolveSchema(document, schema, seen)]),
  );
}

function lookup(document: Document, ref: string): unknown {
  if (!ref.startsWith("#/")) throw new Error(`only local $refs are supported: ${ref}`);
  let current: unknown = document;
  for (const part of ref.slice(2).split("/")) {
    const key = part.replaceAll("~1", "/").replaceAll("~0", "~");
    current = (current as Record<string, unknown> | undefined)?.[key];
  }
  if (current === undefined) throw new Error(`unresolved $ref ${ref}`);
  return current;
}

function authOf(security: Record<string, string[]>[] | undefined): Operation["auth"] {
  if (!security || security.length === 0) return "none";
  const anonymousAllowed = security.some((requirement) => Object.keys(requirement).length === 0);
  return anonymousAllowed ? "optional" : "required";
}

function jsonSchemaOf(document: Document, content: unknown): JsonSchema | undefined {
  const media = content as Record<string, { schema?: unknown }> | undefined;
  if (!media) return undefined;
  const json = Object.entries(media).find(([type]) => /json/i.test(type));
  return json?.[1].schema === undefined ? undefined : resolveSchema(document, json[1].schema);
}

/** Every operation of the document, in document order. */
export function operationsOf(raw: unknown): Operation[] {
  const document = raw as Document;
  if (!/^3\./.test(String(document.openapi))) throw new Error("not an OpenAPI 3 document");
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries(document.paths)) {
    const shared = (item as { parameters?: RawOperation["parameters"] }).parameters ?? [];
    for (const [method, rawOperation] of Object.entries(item)) {
      if (!METHODS.includes(method)) continue;
      const operation = resolveSchema(document, rawOperation) as RawOperation;
      const own = operation.parameters ?? [];
      const inherited = (resolveSchema(document, shared) as unknown as JsonSchema[]).filter(
        (parameter) => !own.some((o) => o.name === parameter.name && o.in === parameter.in),
      );
      const parameters = [...inherited, ...own].map((parameter) => ({
        in: String(parameter.in),
        name: String(parameter.name),
        required: parameter.required === true,
        schema: (parameter.schema ?? {}) as JsonSchema,
      }));
      const inLocation = (location: string) =>
        parameters.filter((parameter) => parameter.in === location);
      const body = operation.requestBody;
      const responses = new Map<number, JsonSchema | undefined>();
      for (const [status, response] of Object.entries(operation.responses ?? {})) {
        if (/^\d{3}$/.test(status))
          responses.set(Number(status), jsonSchemaOf(document, response.content));
      }
      operations.push({
        key: `${method.toUpperCase()} ${path}`,
        method: method.toUpperCase(),
        path,
        pathParams: inLocation("path"),
        query: inLocation("query"),
        headers: inLocation("header"),
        body: body
          ? {
              required: body.required === true,
              schema: jsonSchemaOf(document, body.content) ?? {},
            }
          : undefined,
        responses,
        auth: authOf(operation.security ?? document.security),
      });
    }
  }
  return operations;
}

/** The operation a method and concrete URL path reach, if the document has one. */
export function matchOperation(
  operations: Operation[],
  method: string,
  urlPath: string,
): Operation | undefined {
  return operations.find((operation) => {
    if (operation.method !== method) return false;
    const pattern = operation.path
      .split("/")
      .map((segment) =>
        /^\{.+\}$/.test(segment) ? "[^/]+" : segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"),
      )
      .join("/");
    return new RegExp(`^${pattern}/?$`).test(urlPath);
  });
}
