import fc from "fast-check";
import type { JsonSchema, Operation, Parameter } from "./openapi.ts";
import {
  ID_REFS,
  invalidValue,
  mutatedValue,
  NUMBER_TOKENS,
  nastyString,
  Repeat,
  validValue,
  WorldRef,
} from "./values.ts";

export type Actor = "anonymous" | "user" | "admin" | "bad-token";

/** A path segment sent as is, not percent-encoded: `%zz`, `%ED%A0%80`, `..`. */
export class RawSegment {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
  [fc.toStringMethod]() {
    return `raw(${JSON.stringify(this.text)})`;
  }
}

export type Body =
  | { kind: "none" }
  | { kind: "json"; value: unknown; contentType: string }
  | { kind: "raw"; text: unknown; contentType: string };

/** One generated request, independent of the fixtures it will be sent against. */
export type FuzzCase = {
  actor: Actor;
  badToken: unknown;
  method: string | undefined;
  path: Record<string, unknown>;
  query: [string, unknown][];
  headers: Record<string, unknown>;
  body: Body;
};

const JSON_TYPES = [
  "application/json",
  "application/json; charset=utf-8",
  "Application/JSON",
  "application/json;charset=UTF-8",
];

const OTHER_TYPES = [
  "text/plain",
  "text/plain; charset=utf-8",
  "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=xyz",
  "application/xml",
  "application/octet-stream",
  "application/json; charset=utf-16",
  "application/jsonx",
  "application/merge-patch+json",
  "application/problem+json",
  "*/*",
  "json",
  ";",
  "",
];

const MALFORMED_JSON = [
  "",
  " ",
  "{",
  "}",
  "[",
  "{]",
  '{"a":}',
  "{'a':1}",
  '{"a":1,}',
  '{"a" 1}',
  "{a:1}",
  "undefined",
  "nul",
  "tru",
  "\uFEFF{}",
  '{"a":1}{"b":2}',
  '"unterminated',
  '"\\ud800"',
  '"\\u0000"',
  '{"a":"\\x41"}',
  '{"__proto__":{"isAdmin":true}}',
  '{"constructor":{"prototype":{"isAdmin":true}}}',
  "\u0000",
  "[".repeat(2_000) + "]".repeat(2_000),
  `${'{"a":'.repeat(2_000)}1${"}".repeat(2_000)}`,
  "[".repeat(100_000),
];

const BAD_TOKENS = [
  "",
  "Bearer",
  "Bearer ",
  "bearer   ",
  "Basic dXNlcjpwYXNzd29yZA==",
  "Bearer a.b.c",
  "Bearer ....",
  "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.",
  "Bearer null",
  "Token abc",
  "Bearer abc def",
  `Bearer ${"A".repeat(10_000)}`,
];

// Header values must be visible ASCII, or the client refuses to send them.
const headerText = fc
  .string({ unit: "binary-ascii", maxLength: 60 })
  .map((text) => text.replace(/[^\x20-\x7e]/g, ""));

const badToken = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...BAD_TOKENS) },
  { weight: 2, arbitrary: headerText.map((text) => `Bearer ${text}`) },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      "token:revoked",
      "token:tampered",
      "token:alg-none",
      "token:refresh",
    ),
  },
);

function actor(operation: Operation): fc.Arbitrary<Actor> {
  const signedIn = operation.auth === "required";
  return fc.oneof(
    { weight: signedIn ? 4 : 2, arbitrary: fc.constant<Actor>("user") },
    { weight: signedIn ? 3 : 2, arbitrary: fc.constant<Actor>("admin") },
    { weight: signedIn ? 2 : 4, arbitrary: fc.constant<Actor>("anonymous") },
    { weight: 2, arbitrary: fc.constant<Actor>("bad-token") },
  );
}

const BAD_PATH_IDS = [
  "0",
  "-1",
  "1",
  "abc",
  "null",
  "undefined",
  "me",
  "00000000-0000-0000-0000-000000000001",
  "12345678-1234-0234-8234-123456789012",
  "{12345678-1234-4234-8234-123456789012}",
  "12345678123442348234123456789012",
  "12345678-1234-4234-8234-1234567890123",
  "1' OR '1'='1",
  "1;DROP TABLE users",
];

// Decodable, so they reach the route: a NUL, dot segments, an encoded slash.
const RAW_PATH_IDS = ["%00", "..", ".", "%2e%2e", "a%2Fb", "%20"];

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Fastify's default `maxParamLength`: longer segments are refused before routing. */
export const MAX_PARAM_LENGTH = 100;

/** Path segments the router refuses before any route: bad percent-encoding, over-long ids. */
export const malformedSegment: fc.Arbitrary<RawSegment> = fc.oneof(
  fc
    .constantFrom("%", "%zz", "%ED%A0%80", "%ED%B8%80x", "%FF", "%C0%AE", "%E0%A4%A", "a%")
    .map((text) => new RawSegment(text)),
  fc
    .integer({ min: MAX_PARAM_LENGTH + 1, max: 20_000 })
    .map((length) => new RawSegment("a".repeat(length))),
);

/** The fixture ids of the resource a path names (`/api/recipes/{id}`: recipes) come first. */
function existingIds(operationPath: string): fc.Arbitrary<unknown> {
  const resource = /\/([a-z-]+?)s?\/\{[^}]+\}/.exec(operationPath)?.[1];
  const own = ID_REFS.filter((name) => resource && name.startsWith(`${resource}:`));
  const ref = (names: readonly string[]) =>
    fc.constantFrom(...names).map((name) => new WorldRef(name));
  return own.length > 0 ? fc.oneof({ weight: 3, arbitrary: ref(own) }, ref(ID_REFS)) : ref(ID_REFS);
}

function pathValue(operation: Operation, parameter: Parameter, valid: boolean) {
  const { schema, name } = parameter;
  const good = fc.oneof(
    { weight: 3, arbitrary: existingIds(operation.path) },
    { weight: 2, arbitrary: validValue(schema, { name }) },
  );
  if (valid) return good;
  const routable = (text: unknown) =>
    String(text).length > 0 &&
    String(text).length <= MAX_PARAM_LENGTH &&
    !LONE_SURROGATE.test(String(text));
  return fc.oneof(
    { weight: 3, arbitrary: good },
    { weight: 2, arbitrary: fc.constantFrom(...BAD_PATH_IDS) },
    { weight: 1, arbitrary: fc.constantFrom(...RAW_PATH_IDS).map((text) => new RawSegment(text)) },
    { weight: 2, arbitrary: nastyString.filter(routable) },
    { weight: 1, arbitrary: fc.uuid().map((uuid) => uuid.toUpperCase()) },
  );
}

const QUERY_TOKENS = [...NUMBER_TOKENS, "", " 5 ", "5abc", "-0", "[]", "{}", "null", "true", "1,2"];

function queryPairs(parameter: Parameter, valid: boolean): fc.Arbitrary<[string, unknown][]> {
  const { name, schema } = parameter;
  const one = (arbitrary: fc.Arbitrary<unknown>) =>
    arbitrary.map((value): [string, unknown][] =>
      Array.isArray(value) ? value.map((item) => [name, item]) : [[name, value]],
    );
  const good = one(validValue(schema, { name }));
  const absent = fc.constant<[string, unknown][]>([]);
  if (valid) return parameter.required ? good : fc.oneof(absent, good);
  return fc.oneof(
    { weight: 3, arbitrary: absent },
    { weight: 3, arbitrary: good },
    { weight: 2, arbitrary: one(invalidValue(schema, { name })) },
    { weight: 2, arbitrary: one(fc.constantFrom(...QUERY_TOKENS)) },
    // Repeated: ?limit=1&limit=2
    {
      weight: 2,
      arbitrary: fc
        .tuple(validValue(schema, { name }), fc.oneof(validValue(schema, { name }), nastyString))
        .map(([a, b]): [string, unknown][] => [
          [name, a],
          [name, b],
        ]),
    },
    { weight: 1, arbitrary: fc.constant<[string, unknown][]>([[name, ""]]) },
  );
}

function query(operation: Operation, valid: boolean): fc.Arbitrary<[string, unknown][]> {
  const extra = fc.array(
    fc.tuple(
      fc.oneof(fc.constantFrom("__proto__", "a[b]", "limit[]", "x"), headerText),
      nastyString,
    ),
    { maxLength: 2 },
  );
  const parts = operation.query.map((parameter) => queryPairs(parameter, valid));
  return fc.tuple(valid ? fc.constant([]) : extra, ...parts).map((lists) => lists.flat());
}

function headerValue(parameter: Parameter, valid: boolean): fc.Arbitrary<unknown> {
  if (/^if-(none-)?match$/i.test(parameter.name)) {
    const etags = fc.oneof(
      fc.integer({ min: 0, max: 5 }).map((version) => `"${version}"`),
      fc.integer({ min: 1, max: 3 }).map((version) => `W/"${version}"`),
      fc.constant("*"),
    );
    if (valid) return etags;
    return fc.oneof(
      etags,
      fc.constantFrom('"99999999999"', '"-1"', '"abc"', "W/", '""', "1", '"1", "2"', '"1.5"'),
      fc.constant(new Repeat("9", 201)),
      headerText,
    );
  }
  return valid ? headerText.map((text) => text.slice(0, 100)) : headerText;
}

function headers(operation: Operation, valid: boolean): fc.Arbitrary<Record<string, unknown>> {
  const own = Object.fromEntries(
    operation.headers.map((parameter) => [parameter.name, headerValue(parameter, valid)]),
  );
  const requestId = fc.oneof(fc.uuid(), headerText, fc.constant(new Repeat("r", 200)));
  return fc.record({ ...own, "x-request-id": requestId }, { requiredKeys: [] });
}

function rawJson(schema: JsonSchema | undefined): fc.Arbitrary<unknown> {
  const names = Object.keys((schema?.properties ?? {}) as object);
  const numberField = names.length
    ? fc
        .tuple(fc.constantFrom(...names), fc.constantFrom(...NUMBER_TOKENS))
        .map(([name, token]) => `{${JSON.stringify(name)}:${token}}`)
    : fc.constantFrom(...NUMBER_TOKENS);
  const truncated = schema
    ? fc.tuple(validValue(schema), fc.nat()).map(([value, cut]) => {
        const text = JSON.stringify(value) ?? "";
        return text.slice(0, text.length ? cut % text.length : 0);
      })
    : fc.constant("{");
  return fc.oneof(fc.constantFrom(...MALFORMED_JSON), numberField, truncated);
}

function body(operation: Operation, valid: boolean): fc.Arbitrary<Body> {
  const none = fc.constant<Body>({ kind: "none" });
  const json = (value: fc.Arbitrary<unknown>, types = JSON_TYPES) =>
    fc
      .tuple(value, fc.constantFrom(...types))
      .map(([v, contentType]): Body => ({ kind: "json", value: v, contentType }));
  const raw = fc
    .tuple(rawJson(operation.body?.schema), fc.constantFrom(...JSON_TYPES))
    .map(([text, contentType]): Body => ({ kind: "raw", text, contentType }));
  const schema = operation.body?.schema;
  if (!schema) {
    if (valid) return none;
    return fc.oneof({ weight: 4, arbitrary: none }, json(fc.jsonValue({ maxDepth: 2 })), raw);
  }
  const good = json(validValue(schema));
  if (valid) return operation.body?.required ? good : fc.oneof(none, good);
  return fc.oneof(
    { weight: 2, arbitrary: good },
    { weight: 6, arbitrary: json(mutatedValue(schema)) },
    { weight: 2, arbitrary: raw },
    { weight: 2, arbitrary: json(validValue(schema), OTHER_TYPES) },
    { weight: 1, arbitrary: none },
    { weight: 1, arbitrary: json(fc.jsonValue({ maxDepth: 3 })) },
  );
}

const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"];

function caseOf(operation: Operation, valid: boolean): fc.Arbitrary<FuzzCase> {
  const path = fc.record(
    Object.fromEntries(
      operation.pathParams.map((parameter) => [
        parameter.name,
        pathValue(operation, parameter, valid),
      ]),
    ),
  );
  const otherMethod = fc.constantFrom(...METHODS.filter((method) => method !== operation.method));
  return fc.record({
    actor: actor(operation),
    badToken,
    method: valid
      ? fc.constant(undefined)
      : fc.oneof({ weight: 15, arbitrary: fc.constant(undefined) }, otherMethod),
    path,
    query: query(operation, valid),
    headers: headers(operation, valid),
    body: body(operation, valid),
  });
}

/**
 * Requests for one operation: a third well-formed (random but valid inputs), the rest with
 * invalid parts — path, query, headers, body, content type, method, credentials.
 */
export function fuzzCases(operation: Operation): fc.Arbitrary<FuzzCase> {
  return fc.oneof(
    { weight: 1, arbitrary: caseOf(operation, true) },
    { weight: 2, arbitrary: caseOf(operation, false) },
  );
}
