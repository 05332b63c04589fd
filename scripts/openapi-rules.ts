// What verify checks of openapi.json's operations; the generator's slow test checks the same of
// the modules it writes.

type Schema = { $ref?: string; description?: string; example?: unknown; type?: unknown };
type Operation = {
  operationId?: string;
  security?: unknown[];
  requestBody?: { content?: Record<string, { schema?: Schema }> };
  parameters?: { name: string; in: string; schema?: { maximum?: number } }[];
  responses?: Record<
    string,
    { content?: Record<string, { schema?: Schema & { properties?: Record<string, unknown> } }> }
  >;
};
type OpenApi = {
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, Schema> };
};

function operations(doc: OpenApi): [string, Operation][] {
  return Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]): [string, Operation] => [
      `${method.toUpperCase()} ${path}`,
      op,
    ]),
  );
}

const PROBLEM_REF = "#/components/schemas/Problem";

/** A named component (`$ref`) the document has, or undefined. */
function component(doc: OpenApi, schema: Schema | undefined): Schema | undefined {
  const name = schema?.$ref?.replace("#/components/schemas/", "");
  return name === undefined ? undefined : doc.components?.schemas?.[name];
}

export function routeProblems(doc: OpenApi): string[] {
  const ids = new Map<string, string>();
  return operations(doc).flatMap(([name, op]) => {
    const problems: string[] = [];
    if (!Array.isArray(op.security)) problems.push(`${name}: no auth requirement (security)`);
    const statuses = Object.keys(op.responses ?? {});
    if (statuses.length === 0 || statuses.includes("default")) {
      problems.push(`${name}: no response schema per status`);
    }
    if (!op.operationId) problems.push(`${name}: no operationId`);
    else if (ids.has(op.operationId))
      problems.push(`${name}: operationId of ${ids.get(op.operationId)}`);
    else ids.set(op.operationId, name);
    const body = op.requestBody?.content?.["application/json"]?.schema;
    if (op.requestBody) {
      const named = component(doc, body);
      if (!named) problems.push(`${name}: the request body is not a named component`);
      else if (!named.description || named.example === undefined) {
        problems.push(`${name}: the request body has no description or no example`);
      }
    }
    const schemaOf = (status: string) =>
      Object.values(op.responses?.[status]?.content ?? {})[0]?.schema;
    for (const status of Object.keys(op.responses ?? {})) {
      const schema = schemaOf(status);
      // Readiness answers its 503 with the report it gives with 200, which names what is down.
      const asSuccess = schema?.$ref !== undefined && schema.$ref === schemaOf("200")?.$ref;
      if (Number(status) >= 400 && schema?.$ref !== PROBLEM_REF && !asSuccess) {
        problems.push(`${name}: ${status} is not a Problem`);
      }
      const inline =
        schema && !schema.$ref && (schema.type === "object" || schema.type === "array");
      if (Number(status) < 300 && inline)
        problems.push(`${name}: ${status} is not a named component`);
    }
    return problems;
  });
}

export function listProblems(doc: OpenApi): string[] {
  return operations(doc).flatMap(([name, op]) => {
    const ok = op.responses?.["200"]?.content?.["application/json"]?.schema?.properties ?? {};
    // A list is a GET that answers `{ items }`; a POST that computes items (a shopping list) is not.
    if (!name.startsWith("GET ") || !("items" in ok)) return [];
    const limit = op.parameters?.find((p) => p.in === "query" && p.name === "limit");
    const cursor = op.parameters?.find((p) => p.in === "query" && p.name === "cursor");
    if (!("nextCursor" in ok) || !cursor) return [`${name}: a list without cursor pagination`];
    if (!limit || limit.schema?.maximum === undefined || limit.schema.maximum > 100) {
      return [`${name}: limit is not capped at 100`];
    }
    return [];
  });
}
