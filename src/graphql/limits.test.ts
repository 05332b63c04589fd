import {
  buildSchema,
  type GraphQLError,
  getIntrospectionQuery,
  parse,
  specifiedRules,
  validate,
} from "graphql";
import { describe, expect, it } from "vitest";
import {
  checkDocumentSize,
  checkVariables,
  DEFAULT_GRAPHQL_LIMITS,
  type GraphqlLimits,
  limitRules,
} from "./limits.ts";

const schema = buildSchema(`
  type Recipe { id: ID! title: String! tags: [String!]! author: User! ratings(first: Int): [Rating!]! }
  type User { id: ID! name: String! recipes(first: Int): [Recipe!]! }
  type Rating { stars: Int! recipe: Recipe! user: User! }
  type Query { recipe(id: ID!): Recipe recipes(first: Int = 20): [Recipe!]! me: User }
`);

function check(source: string, limits: GraphqlLimits = DEFAULT_GRAPHQL_LIMITS) {
  return validate(schema, parse(source, { maxTokens: limits.maxTokens }), [
    ...specifiedRules,
    ...limitRules(limits),
  ]);
}

const codes = (errors: readonly GraphQLError[]) => errors.map((e) => e.extensions.code);

describe("limitRules", () => {
  it("passes a realistic query", () => {
    const errors = check(`
      query Home($first: Int) {
        me { name recipes(first: 5) { id title } }
        recipes(first: $first) {
          id title tags
          author { id name }
          ratings(first: 3) { stars user { name } }
        }
        a: recipe(id: "1") { ...Card }
        b: recipe(id: "2") { ...Card }
      }
      fragment Card on Recipe { id title author { name } }
    `);

    expect(errors).toEqual([]);
  });

  it("rejects nesting 50 deep with query_too_deep", () => {
    const source = `{ recipes { ${"author { recipes { ".repeat(24)}id${" } }".repeat(24)} } }`;

    const errors = check(source);

    expect(codes(errors)).toContain("query_too_deep");
    expect(errors.find((e) => e.extensions.code === "query_too_deep")?.extensions).toEqual({
      code: "query_too_deep",
      limit: 8,
      actual: 50,
    });
  });

  it("counts depth through fragment spreads and inline fragments", () => {
    const source = `
      { recipe(id: "1") { ...A } }
      fragment A on Recipe { author { ... on User { recipes(first: 1) { ...B } } } }
      fragment B on Recipe { author { recipes(first: 1) { author { recipes(first: 1) { id } } } } }
    `;

    const errors = check(source, { ...DEFAULT_GRAPHQL_LIMITS, maxDepth: 7 });

    expect(errors.map((e) => e.extensions)).toEqual([
      { code: "query_too_deep", limit: 7, actual: 8 },
    ]);
  });

  it("rejects an alias bomb of 1,000 aliases with too_many_aliases", () => {
    const aliases = Array.from({ length: 1_000 }, (_, i) => `a${i}: me { id }`).join(" ");

    const errors = check(`{ ${aliases} }`, { ...DEFAULT_GRAPHQL_LIMITS, maxTokens: undefined });

    expect(errors.map((e) => e.extensions)).toEqual([
      { code: "too_many_aliases", limit: 15, actual: 1_000 },
    ]);
  });

  it("counts aliases inside fragments each time they are spread", () => {
    const source = `
      { recipe(id: "1") { ...Names author { recipes(first: 1) { ...Names } } } }
      fragment Names on Recipe { a: title b: title c: title d: title e: title f: title g: title h: title }
    `;

    expect(codes(check(source))).toEqual(["too_many_aliases"]);
  });

  it("rejects a fragment cycle without looping", () => {
    const source = `
      { recipe(id: "1") { ...A } }
      fragment A on Recipe { author { ...B } }
      fragment B on User { recipes { ...A } }
    `;

    const errors = check(source);

    expect(errors.map((e) => e.message)).toEqual([
      'Cannot spread fragment "A" within itself via "B".',
    ]);
  });

  it("measures a ladder of fragments spread twice per rung in linear time", () => {
    const rungs = Array.from(
      { length: 40 },
      (_, i) =>
        `fragment F${i} on Recipe { x${i}: title ...F${i + 1} author { recipes { ...F${i + 1} } } }`,
    );
    const source = `{ recipe(id: "1") { ...F0 } } ${rungs.join(" ")} fragment F40 on Recipe { id }`;

    const errors = check(source, { ...DEFAULT_GRAPHQL_LIMITS, maxTokens: undefined });

    expect(codes(errors)).toEqual(["query_too_deep", "too_many_aliases", "query_too_costly"]);
    expect(errors[1]?.extensions.actual).toBe(2 ** 40 - 1);
    expect(errors[2]?.extensions.actual).toBe(Number.MAX_SAFE_INTEGER);
  });

  it("rejects a cost explosion of nested pages with query_too_costly", () => {
    const source = `{
      recipes(first: 100) { ratings(first: 100) { recipe { ratings(first: 100) { stars } } } }
    }`;

    const errors = check(source);

    expect(errors.map((e) => e.extensions)).toEqual([
      { code: "query_too_costly", limit: 2_500, actual: 1 + 100 * (1 + 100 * (1 + 1 + 100)) },
    ]);
  });

  it("costs an omitted first as the schema default, or the default page size", () => {
    const limits = { ...DEFAULT_GRAPHQL_LIMITS, maxCost: 0 };

    const [withDefault] = check("{ recipes { id } }", limits);
    const [withoutDefault] = check("{ me { recipes { id } } }", limits);

    expect(withDefault?.extensions.actual).toBe(1 + 20);
    expect(withoutDefault?.extensions.actual).toBe(1 + 1 + 20);
  });

  it("costs a variable first as maxFirst, whatever the variables", () => {
    const source = `query ($n: Int) { recipes(first: $n) { ratings(first: $n) { stars } } }`;

    const errors = check(source);

    expect(errors.map((e) => e.extensions)).toEqual([
      { code: "query_too_costly", limit: 2_500, actual: 1 + 100 * (1 + 100) },
    ]);
  });

  it.each([
    ["a literal over maxFirst", "{ recipes(first: 100000) { id } }", "first_too_large"],
    ["a negative literal", "{ recipes(first: -1) { id } }", "first_negative"],
    [
      "a variable default over maxFirst",
      "query ($n: Int = 5000) { recipes(first: $n) { id } }",
      "first_too_large",
    ],
  ])("rejects %s", (_, source, code) => {
    expect(codes(check(source))).toContain(code);
  });

  it("accepts first from 0 to maxFirst", () => {
    expect(check("{ a: recipes(first: 0) { id } b: recipes(first: 100) { id } }")).toEqual([]);
  });

  it("keeps the explorer's introspection query under the limits but depth (15)", () => {
    const errors = check(getIntrospectionQuery());

    expect(errors.map((e) => e.extensions)).toEqual([
      { code: "query_too_deep", limit: 8, actual: 15 },
    ]);
  });
});

describe("checkVariables", () => {
  const document = parse(
    "query ($n: Int, $m: Int) { recipes(first: $n) { ratings(first: $m) { stars } } }",
  );

  it("rejects a variable first over maxFirst or negative", () => {
    const errors = checkVariables(document, { n: 1_000_000, m: -5 }, DEFAULT_GRAPHQL_LIMITS);

    expect(errors.map((e) => e.extensions)).toEqual([
      { code: "first_too_large", limit: 100, actual: 1_000_000 },
      { code: "first_negative", limit: 0, actual: -5 },
    ]);
  });

  it("accepts values in range, and missing variables", () => {
    expect(checkVariables(document, { n: 100 }, DEFAULT_GRAPHQL_LIMITS)).toEqual([]);
    expect(checkVariables(document, undefined, DEFAULT_GRAPHQL_LIMITS)).toEqual([]);
  });
});

describe("checkDocumentSize", () => {
  it("rejects a document over maxDocumentBytes, counting bytes not characters", () => {
    const source = `{ me { name } } # ${"é".repeat(8_200)}`;

    const error = checkDocumentSize(source, DEFAULT_GRAPHQL_LIMITS);

    expect(error?.extensions).toEqual({
      code: "document_too_large",
      limit: 16_384,
      actual: Buffer.byteLength(source),
    });
  });

  it("accepts a document at the limit", () => {
    expect(checkDocumentSize("#".repeat(16_384), DEFAULT_GRAPHQL_LIMITS)).toBeUndefined();
  });

  it("leaves token counting to the parser's maxTokens", () => {
    const aliases = Array.from({ length: 1_000 }, (_, i) => `a${i}: me { id }`).join(" ");

    expect(() => parse(`{ ${aliases} }`, { maxTokens: DEFAULT_GRAPHQL_LIMITS.maxTokens })).toThrow(
      /more that 2000 tokens/,
    );
  });
});
