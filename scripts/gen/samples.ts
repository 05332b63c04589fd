// The values the generated tests use: valid samples, a refused value per field, a filter to try.
import { type Field, filterKind } from "./fields.ts";
import { literal } from "./fragments.ts";

const q = (text: string) => JSON.stringify(text);
const INT32_MAX = 2_147_483_647;
// A longer string would hit the body size limit (413) before validation (400).
const LONGEST_INVALID_STRING = 100_000;

/** Literal values the generated tests use: two valid ones that differ when they can. */
export function sampleValues(field: Field): [string, string] {
  switch (field.type) {
    case "string":
    case "text": {
      const max = field.maxLength ?? 1;
      return [q("alpha".slice(0, max)), q("bravo".slice(0, max))];
    }
    case "int":
    case "number": {
      const min = field.min ?? -Infinity;
      const max = field.max ?? Infinity;
      const first = Math.min(Math.max(field.type === "int" ? 1 : 1.5, min), max);
      const second = first + 1 <= max ? first + 1 : Math.max(first - 1, min);
      return [String(first), String(second)];
    }
    case "boolean":
      return ["true", "false"];
    case "timestamp":
      return [q("2031-01-01T00:00:00.000Z"), q("2030-01-01T00:00:00.000Z")];
    case "date":
      return [q("2031-01-01"), q("2030-01-01")];
    case "enum": {
      const [first = "", second = first] = field.values ?? [];
      return [q(first), q(second)];
    }
    case "ref":
      return ["", ""];
  }
}

/** A value the create body must refuse, and how the test names the case. */
export function invalidCase(field: Field): string {
  const [value, why] = invalidValue(field);
  return `[${q(`${field.name} ${why}`)}, { ${field.name}: ${value} }],`;
}

function invalidValue(field: Field): [string, string] {
  switch (field.type) {
    case "string":
    case "text": {
      const max = field.maxLength ?? 0;
      return max + 1 <= LONGEST_INVALID_STRING
        ? [`"x".repeat(${literal(max + 1)})`, `over ${literal(max)} characters`]
        : ["42", "as a number"];
    }
    case "int":
      return (field.max ?? INT32_MAX) < INT32_MAX
        ? [String((field.max ?? 0) + 1), `over ${field.max}`]
        : ["1.5", "with a fraction"];
    case "number":
      return field.max === undefined
        ? [q("many"), "as a string"]
        : [String(field.max + 1), `over ${field.max}`];
    case "boolean":
      return [q("yes"), "as a string"];
    case "timestamp":
      return [q("next tuesday"), "that is not a timestamp"];
    case "date":
      return [q("2030-13-45"), "that is not a date"];
    case "enum":
      return [q("NOT A VALUE"), "outside its values"];
    case "ref":
      return [q("not-a-uuid"), "that is not a uuid"];
  }
}

/** The field in the factory's valid body. */
export function sampleField(field: Field): string {
  if (field.type !== "ref") return `${field.name}: ${sampleValues(field)[0]},`;
  const factory = field.ref?.factory;
  return `${field.name}: ${factory ? factory.idOf("user") : "null"},`;
}

/** The field the filter test uses: one whose two sample values differ. */
export function filterTestField(fields: Field[]) {
  const field = fields.find((candidate) => {
    const [first, second] = sampleValues(candidate);
    return filterKind(candidate) !== "none" && candidate.type !== "ref" && first !== second;
  });
  if (!field) return undefined;
  const [match, other] = sampleValues(field);
  const from = { timestamp: "2030-06-01T00:00:00.000Z", date: "2030-06-01" }[field.type as string];
  const query = from ? `${field.name}From=${from}` : `${field.name}=${match.replace(/^"|"$/g, "")}`;
  return {
    field: field.name,
    match: `{ ${field.name}: ${match} }`,
    other: `{ ${field.name}: ${other} }`,
    query,
    graphqlArgs: from
      ? `${field.name}From: ${q(from)}`
      : `${field.name}: ${graphqlValue(field, match)}`,
  };
}

// The values src/graphql/from-zod.ts can make an enum of; others are strings there.
const GRAPHQL_NAME = /^[_A-Za-z][_0-9A-Za-z]*$/;

/** A sample value (a JS literal) as a GraphQL literal: an enum value is written bare. */
function graphqlValue(field: Field, value: string): string {
  const values = field.values ?? [];
  const named = values.every((v) => GRAPHQL_NAME.test(v) && !["true", "false", "null"].includes(v));
  return field.type === "enum" && named ? (JSON.parse(value) as string) : value;
}

/** A valid change for the PATCH tests. */
export function patchBody(fields: Field[]): string {
  const field = fields.find((candidate) => candidate.type !== "ref");
  if (field) return `{ ${field.name}: ${sampleValues(field)[1]} }`;
  const ref = fields[0] as Field;
  const factory = ref.ref?.factory;
  return `{ ${ref.name}: ${factory ? factory.idOf("alice") : "null"} }`;
}

// Any well-formed id will do in the OpenAPI examples; the document has no row to point at.
const EXAMPLE_ID = q("3f6c2b1e-8d4a-4c7b-9e2f-5a1d0c9b8e7f");
const exampleValue = (field: Field, which: 0 | 1) =>
  field.type === "ref" ? EXAMPLE_ID : sampleValues(field)[which];

/** The create body's example in openapi.json: every field's first sample value. */
export function createExample(fields: Field[]): string {
  return `{ ${fields.map((field) => `${field.name}: ${exampleValue(field, 0)}`).join(", ")} }`;
}

/** The update body's example in openapi.json: the change the PATCH tests send. */
export function updateExample(fields: Field[]): string {
  const field = fields.find((candidate) => candidate.type !== "ref") ?? (fields[0] as Field);
  return `{ ${field.name}: ${exampleValue(field, 1)} }`;
}
