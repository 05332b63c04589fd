import fc from "fast-check";
import {
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLObjectType,
  type GraphQLSchema,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
} from "graphql";

/**
 * Arbitraries for GraphQL requests built from a schema: operations that validate (random
 * selections of bounded depth, arguments from their types, literals or variables) and operations
 * that do not (unknown fields and arguments, wrong types, missing required arguments, bad
 * variables, garbage, deep or alias-heavy documents).
 */

/** What the generated values may point at: ids of rows that exist, cursors, tags. */
export type Fixtures = { ids: string[]; userIds: string[]; cursors: string[]; tags: string[] };

/** An enum value: a bare name in a literal, a string in the variables. */
export class EnumValue {
  readonly name: string;
  constructor(name: string) {
    this.name = name;
  }
  [fc.toStringMethod]() {
    return this.name;
  }
}

/** Text written into the document as is (`1.5`, `$undeclared`, `{`). */
export class Raw {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
  [fc.toStringMethod]() {
    return `raw(${JSON.stringify(this.text)})`;
  }
}

export type Arg = {
  name: string;
  /** The type a variable is declared with; undefined for an argument written as a literal. */
  varType: string | undefined;
  value: unknown;
};
export type Field = { name: string; alias: string | undefined; args: Arg[]; children: Field[] };
export type Operation = { kind: "query" | "mutation"; fields: Field[] };

export type GraphqlRequest = {
  query: string;
  variables?: Record<string, unknown>;
  operationName?: string;
};

export function literal(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (value instanceof EnumValue || value instanceof Raw)
    return value instanceof Raw ? value.text : value.name;
  if (Array.isArray(value)) return `[${value.map(literal).join(", ")}]`;
  if (typeof value === "object") {
    const entries = Object.entries(value).map(([key, item]) => `${key}: ${literal(item)}`);
    return `{ ${entries.join(", ")} }`;
  }
  if (typeof value === "string") return JSON.stringify(value);
  return String(value);
}

function json(value: unknown): unknown {
  if (value instanceof EnumValue) return value.name;
  if (value instanceof Raw) return value.text;
  if (Array.isArray(value)) return value.map(json);
  if (value && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, json(item)]));
  return value;
}

/** The document and variables of an operation; arguments with a `varType` become variables. */
export function renderOperation(operation: Operation, name?: string): GraphqlRequest {
  const definitions: string[] = [];
  const variables: Record<string, unknown> = {};
  const selection = (fields: Field[]): string =>
    `{ ${fields
      .map((field) => {
        const args = field.args.map((arg) => {
          if (arg.varType === undefined) return `${arg.name}: ${literal(arg.value)}`;
          const variable = `v${definitions.length}`;
          definitions.push(`$${variable}: ${arg.varType}`);
          if (arg.value !== undefined) variables[variable] = json(arg.value);
          return `${arg.name}: $${variable}`;
        });
        const head = `${field.alias ? `${field.alias}: ` : ""}${field.name}`;
        const withArgs = args.length > 0 ? `${head}(${args.join(", ")})` : head;
        return field.children.length > 0 ? `${withArgs} ${selection(field.children)}` : withArgs;
      })
      .join(" ")} }`;
  const body = selection(operation.fields);
  const header = [
    operation.kind,
    name ?? "",
    definitions.length > 0 ? `(${definitions.join(", ")})` : "",
  ]
    .filter(Boolean)
    .join(" ");
  return {
    query: `${header} ${body}`,
    ...(definitions.length > 0 ? { variables } : {}),
    ...(name ? { operationName: name } : {}),
  };
}

const NASTY = ["", " ", "me", "' OR 1=1 --", "\u0000", "%", "_", "\\", "é🍅", "a".repeat(300)];

const WRONG_INTS = [-1, 0, 101, 1_000, 2 ** 31 - 1, -(2 ** 31)];

export function gen(schema: GraphQLSchema, fixtures: Fixtures) {
  const id = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...fixtures.ids) },
    { weight: 1, arbitrary: fc.uuid() },
    { weight: 1, arbitrary: fc.constantFrom("1", "not-an-id", "", "00000000-0000-0000-0000-0") },
  );
  const text = fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom(...NASTY));

  /** A value of the type, as a client would send it; `first` stays in its 1–100 range. */
  function valid(type: GraphQLInputType, argName: string, depth = 0): fc.Arbitrary<unknown> {
    if (isNonNullType(type)) return valid(type.ofType, argName, depth);
    if (isListType(type))
      return fc.array(valid(type.ofType, argName, depth + 1), { maxLength: depth > 1 ? 1 : 3 });
    if (isEnumType(type))
      return fc.constantFrom(...type.getValues().map((value) => new EnumValue(value.name)));
    if (isInputObjectType(type)) {
      const fields = Object.values(type.getFields());
      const record: Record<string, fc.Arbitrary<unknown>> = {};
      for (const field of fields) record[field.name] = valid(field.type, field.name, depth + 1);
      return fc.record(record, {
        requiredKeys: fields
          .filter((field) => isNonNullType(field.type))
          .map((field) => field.name),
      });
    }
    switch (isScalarType(type) ? type.name : "") {
      case "ID":
        return id;
      case "Int":
        return argName === "first"
          ? fc.integer({ min: 1, max: 100 })
          : fc.oneof(fc.integer({ min: -3, max: 500 }), fc.constantFrom(...WRONG_INTS));
      case "Float":
        return fc.oneof(
          fc.double({ min: -1e6, max: 1e6, noNaN: true }),
          fc.constantFrom(0, 0.5, 250),
        );
      case "Boolean":
        return fc.boolean();
      default:
        if (argName === "after") return fc.oneof(fc.constantFrom(...fixtures.cursors), text);
        if (argName === "author") return fc.oneof(fc.constantFrom("me", ...fixtures.userIds), text);
        if (argName === "tag" || argName === "tags")
          return fc.oneof(fc.constantFrom(...fixtures.tags), text);
        return text;
    }
  }

  /** A value no client of this type should send. */
  function wrong(type: GraphQLInputType, argName: string): fc.Arbitrary<unknown> {
    const named = getNamedType(type);
    const others = fc.constantFrom<unknown>(
      null,
      true,
      1.5,
      -1,
      2 ** 31,
      1e20,
      "text",
      new EnumValue("NOT_A_VALUE"),
      [],
      [1, "a"],
      {},
      { nope: 1 },
      new Raw("$undeclared"),
      // JSON.stringify writes a lone surrogate as an escape GraphQL refuses.
      "\ud800",
    );
    if (argName === "first")
      return fc.oneof(
        fc.constantFrom(0, -1, -(2 ** 31), 101, 100_000, 2 ** 31 - 1, 2 ** 31, 1e10, 1.5),
        fc.integer(),
        others,
      );
    if (isInputObjectType(named)) {
      const fields = Object.values(named.getFields());
      return fc.oneof(
        others,
        // Required fields missing, or an unknown one beside them.
        fc.constant({}),
        valid(named, argName).map((value) => ({ ...(value as object), unknownField: 1 })),
        fc.constantFrom(...fields).chain((field) =>
          valid(named, argName).chain((value) =>
            wrong(field.type, field.name).map((bad) => ({
              ...(value as object),
              [field.name]: bad,
            })),
          ),
        ),
      );
    }
    if (isEnumType(named))
      return fc.oneof(others, fc.constantFrom(...named.getValues().map((value) => value.name)));
    return others;
  }

  function args(field: GraphQLField<unknown, unknown>, broken: boolean): fc.Arbitrary<Arg[]> {
    const one = (arg: GraphQLArgument): fc.Arbitrary<Arg | undefined> => {
      const required = isNonNullType(arg.type);
      const value = broken
        ? fc.oneof(
            { weight: 2, arbitrary: valid(arg.type, arg.name) },
            { weight: 1, arbitrary: wrong(arg.type, arg.name) },
          )
        : valid(arg.type, arg.name);
      // A variable of the argument's type, or sometimes (broken) of another one.
      const varType = broken
        ? fc.option(fc.constantFrom(String(arg.type), String(arg.type), "Int", "String!", "[ID]"))
        : fc.option(fc.constant(String(arg.type)));
      const present = fc
        .record({ value, varType })
        .map(({ value, varType }) => ({ name: arg.name, value, varType: varType ?? undefined }));
      if (required && !broken) return present;
      return fc.option(present, { freq: broken && required ? 6 : 2, nil: undefined });
    };
    const all = fc.tuple(...field.args.map(one));
    const extra = broken
      ? fc.option(
          fc.record({
            name: fc.constantFrom("nope", "limit", "cursor", "id"),
            varType: fc.constant(undefined),
            value: fc.constantFrom<unknown>(1, "x", null),
          }),
          { freq: 4, nil: undefined },
        )
      : fc.constant(undefined);
    return fc
      .tuple(all, extra)
      .map(([list, more]) =>
        [...list, more].filter((arg): arg is Arg =>
          Boolean(arg && !(more && arg !== more && arg.name === more.name)),
        ),
      );
  }

  /** Fields of an object type, `depth` levels of objects at most below it. */
  function selection(
    type: GraphQLObjectType,
    depth: number,
    broken: boolean,
  ): fc.Arbitrary<Field[]> {
    const fields = Object.values(type.getFields()).filter(
      (field) => depth > 0 || isLeafType(getNamedType(field.type)),
    );
    const picked = fc.subarray(fields, { minLength: 1, maxLength: Math.min(4, fields.length) });
    return picked.chain((chosen) =>
      fc
        .tuple(
          ...chosen.map((field, index) => {
            const named = getNamedType(field.type);
            const children = isObjectType(named)
              ? selection(named, depth - 1, broken)
              : fc.constant<Field[]>([]);
            return fc.record({
              name: fc.constant(field.name),
              alias: fc.option(fc.constant(`a${index}`), { freq: 4, nil: undefined }),
              args: args(field, broken),
              children,
            });
          }),
          broken
            ? fc.option(
                fc.record({
                  name: fc.constantFrom("unknownField", "password", "passwordHash", "__typename"),
                  alias: fc.constant(undefined),
                  args: fc.constant<Arg[]>([]),
                  children: fc.constant<Field[]>([]),
                }),
                { freq: 3, nil: undefined },
              )
            : fc.constant(undefined),
        )
        .map((list) =>
          (list as (Field | undefined)[]).filter((field): field is Field => field !== undefined),
        ),
    );
  }

  const root = (kind: "query" | "mutation", broken: boolean, depth = 3) => {
    const type = kind === "query" ? schema.getQueryType() : schema.getMutationType();
    if (!type) throw new Error(`the schema has no ${kind} type`);
    return selection(type, depth, broken).map((fields): Operation => ({ kind, fields }));
  };

  const request = (operation: fc.Arbitrary<Operation>) =>
    fc
      .tuple(operation, fc.option(fc.constantFrom("Fuzz", "A_b1"), { nil: undefined }))
      .map(([op, name]) => renderOperation(op, name));

  const validQuery = request(root("query", false));
  const validMutation = request(root("mutation", false, 2));

  /** Documents that should not validate, variables of the wrong type, and plain garbage. */
  const broken: fc.Arbitrary<GraphqlRequest> = fc.oneof(
    request(root("query", true)),
    request(root("mutation", true, 2)),
    // Valid operations with the variables swapped for wrong JSON, or missing.
    fc.tuple(validQuery, fc.jsonValue({ maxDepth: 2 }), fc.boolean()).map(([valid, value, drop]) =>
      valid.variables
        ? {
            ...valid,
            variables: drop
              ? {}
              : Object.fromEntries(Object.keys(valid.variables).map((key) => [key, value])),
          }
        : valid,
    ),
    // A document cut short or with a character flipped.
    fc
      .tuple(
        validQuery,
        fc.nat(),
        fc.constantFrom("{", "}", "(", ")", "$", ":", "!", "@", '"', "…"),
      )
      .map(([valid, at, char]) => {
        const cut = at % (valid.query.length + 1);
        return {
          ...valid,
          query: at % 2 === 0 ? valid.query.slice(0, cut) : `${valid.query.slice(0, cut)}${char}`,
        };
      }),
    fc.string({ minLength: 1, maxLength: 200 }).map((query) => ({ query })),
    // JSON text, which mercurius would take for a parsed document.
    fc.jsonValue({ maxDepth: 2 }).map((value) => ({ query: JSON.stringify(value) ?? "null" })),
    fc.constantFrom(...FIXED).map((query) => ({ query })),
    // Over the limits: deep, alias-heavy, costly, long, many tokens.
    fc.integer({ min: 1, max: 400 }).map((n) => ({
      query: `{ ${Array.from({ length: n }, (_, i) => `a${i}: me { id }`).join(" ")} }`,
    })),
    fc
      .integer({ min: 1, max: 3_000 })
      .map((n) => ({ query: `${"{ me ".repeat(n)}${"}".repeat(n)}` })),
    fc.integer({ min: 1, max: 60 }).map((n) => ({
      query: `{ me { ${"... on User { ".repeat(n)}id${" }".repeat(n)} } }`,
    })),
    fc
      .tuple(fc.integer({ min: 1, max: 100 }), fc.integer({ min: 1, max: 100 }))
      .map(([outer, inner]) => ({
        query: `{ recipes(first: ${outer}) { items { ratings(first: ${inner}) { items { stars user { id name } } } } } }`,
      })),
    fc.integer({ min: 1, max: 40_000 }).map((n) => ({ query: `{ me { id } }${" ".repeat(n)}` })),
    fc.integer({ min: 1, max: 12_000 }).map((n) => ({ query: `{ me { ${"id ".repeat(n)}} }` })),
    // `first` as a variable: checked per request, after validation.
    fc.constantFrom<unknown>(0, -1, 101, 2 ** 31, 1e10, 1.5, "10", null, [], {}).map((first) => ({
      query: "query ($first: Int) { recipes(first: $first) { items { id } } }",
      variables: { first },
    })),
  );

  return { validQuery, validMutation, broken };
}

const FIXED = [
  "{",
  "}",
  "{ }",
  "query",
  "query {",
  "mutation",
  "subscription { me { id } }",
  "{ __typename }",
  "{ __schema { types { name } } }",
  '{ __type(name: "Recipe") { fields { name } } }',
  "fragment f on Query { ...f } { ...f }",
  "fragment f on Query { me { id } } { ...g }",
  "query A { me { id } } query A { me { id } }",
  "query A { me { id } } query B { tags { items { name } } }",
  "{ me { id } } { me { id } }",
  "{ me }",
  "{ me { id { x } } }",
  '{ me @skip(if: true) { id } recipe(id: "x") @include(if: "no") { id } }',
  "{ me @nope { id } }",
  'query ($x: Int = "a") { me { id } }',
  "query ($x: Unknown) { me { id } }",
  "query ($x: Int, $x: Int) { me { id } }",
  "{ recipes(first: 99999999999999999999) { items { id } } }",
  "{ recipes(first: -1) { items { id } } }",
  '{ recipe(id: "\\uD800") { id } }',
  '{ recipe(id: """block""") { id } }',
  "# only a comment",
  "\u0000",
  "\ufeff{ me { id } }",
];
