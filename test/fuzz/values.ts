import fc from "fast-check";
import type { JsonSchema } from "./openapi.ts";

/**
 * A value taken from the running fixtures (an existing id, a real password or refresh token),
 * so generated requests sometimes reach past "not found" and "wrong password".
 */
export class WorldRef {
  readonly name: string;
  constructor(name: string) {
    this.name = name;
  }
  [fc.toStringMethod]() {
    return `world(${this.name})`;
  }
}

/** A long string kept short in counterexamples; materialised when the request is sent. */
export class Repeat {
  readonly text: string;
  readonly times: number;
  constructor(text: string, times: number) {
    this.text = text;
    this.times = times;
  }
  [fc.toStringMethod]() {
    return `${JSON.stringify(this.text)}.repeat(${this.times})`;
  }
  toString() {
    return this.text.repeat(this.times);
  }
}

/** Ids of every kind the fixtures hold; a path id is any of them, whatever the route. */
export const ID_REFS = [
  "recipe:own-public",
  "recipe:own-private",
  "recipe:other-public",
  "recipe:other-private",
  "user:self",
  "user:other",
  "user:admin",
  "session:self",
  "session:other",
  "export:self",
] as const;

const idRef = fc.constantFrom(...ID_REFS).map((name) => new WorldRef(name));

// Text that has broken parsers, databases and loggers before.
const NASTY_STRINGS = [
  "",
  " ",
  "\u0000",
  "a\u0000b",
  "\uD800",
  "\uDFFF",
  "x\uD83D",
  "\uDE00x",
  "\u202Egnp.exe",
  "\u200F\u05E9\u05DC\u05D5\u05DD",
  "\u200B",
  "\uFEFF",
  "e\u0301\u0301\u0301",
  "Z\u0364\u0354\u0367\u0311\u0313",
  "\uFDFA",
  "\u0085\u2028\u2029",
  "\r\n",
  "\t\v\f\b",
  "\u001B[31m",
  "null",
  "undefined",
  "true",
  "0",
  "-1",
  "NaN",
  "Infinity",
  "1e309",
  "__proto__",
  "constructor",
  "toString",
  "' OR '1'='1",
  "'; DROP TABLE users; --",
  "\\",
  '"',
  "%00",
  "%",
  "%s%s%n",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a template-injection probe, on purpose
  "${7*7}",
  "{{7*7}}",
  "<script>alert(1)</script>",
  "../../../etc/passwd",
  "😀",
  "👩‍👩‍👧‍👦",
  "𝕿𝖍𝖊",
];

/** One UTF-16 code unit at a time, so lone surrogates occur too. */
const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((unit) => String.fromCharCode(unit));

const textUnit = fc.oneof(
  { weight: 12, arbitrary: fc.string({ unit: "grapheme-ascii", minLength: 1, maxLength: 1 }) },
  { weight: 4, arbitrary: fc.string({ unit: "grapheme", minLength: 1, maxLength: 1 }) },
  { weight: 1, arbitrary: codeUnit },
  { weight: 1, arbitrary: fc.constantFrom("\u0000", "\uD800", "\u202E", "\u200B", "'", '"', "\\") },
);

export const nastyString: fc.Arbitrary<string | Repeat> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...NASTY_STRINGS) },
  { weight: 3, arbitrary: fc.string({ unit: codeUnit, maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 40 }) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(
        fc.constantFrom("A", "é", "😀", "\u0000", "'", "ab"),
        fc.integer({ min: 257, max: 70_000 }),
      )
      .map(([text, times]) => new Repeat(text, times)),
  },
  // Past the 1 MiB body limit.
  { weight: 1, arbitrary: fc.constant(new Repeat("x", 1_100_000)) },
);

export const nastyNumber: fc.Arbitrary<number> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      0,
      -0,
      -1,
      1,
      0.5,
      -0.5,
      1e-320,
      Number.MIN_VALUE,
      Number.EPSILON,
      2 ** 31 - 1,
      2 ** 31,
      2 ** 32,
      2 ** 53 - 1,
      2 ** 53 + 2,
      -(2 ** 53),
      1e21,
      1e308,
      -1e308,
    ),
  },
  { weight: 2, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }) },
  { weight: 1, arbitrary: fc.integer() },
);

/** JSON number tokens JavaScript cannot produce, for raw bodies: NaN, Infinity, 1e400, 0x10. */
export const NUMBER_TOKENS = [
  "NaN",
  "Infinity",
  "-Infinity",
  "1e400",
  "-1e400",
  "123456789012345678901234567890",
  "01",
  ".5",
  "+1",
  "0x10",
  "1_000",
  "-",
  "1e",
  "4.",
];

export type Hints = { name?: string };

const typesOf = (schema: JsonSchema): string[] => {
  if (Array.isArray(schema.type)) return schema.type as string[];
  if (typeof schema.type === "string") return [schema.type];
  return [];
};

const variants = (schema: JsonSchema): JsonSchema[] | undefined =>
  (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined;

const num = (value: unknown): number | undefined => (typeof value === "number" ? value : undefined);

function fitLength(text: string, schema: JsonSchema): string {
  const max = num(schema.maxLength) ?? Number.POSITIVE_INFINITY;
  const min = num(schema.minLength) ?? 0;
  const cut = text.slice(0, max);
  return cut.length >= min ? cut : cut + "a".repeat(min - cut.length);
}

const isUuid = (schema: JsonSchema) =>
  schema.format === "uuid" || String(schema.pattern ?? "").includes("[0-9a-fA-F]{8}-");

function validString(schema: JsonSchema, hints: Hints): fc.Arbitrary<unknown> {
  const name = hints.name ?? "";
  if (isUuid(schema)) return fc.oneof({ weight: 3, arbitrary: idRef }, fc.uuid());
  if (schema.format === "date-time") {
    return fc
      .date({ min: new Date("1970-01-01"), max: new Date("2100-01-01"), noInvalidDate: true })
      .map((date) => date.toISOString());
  }
  const free = fc.string({ unit: textUnit, maxLength: 60 }).map((text) => fitLength(text, schema));
  const options: fc.Arbitrary<unknown>[] = [];
  if (typeof schema.pattern === "string") {
    const pattern = new RegExp(schema.pattern);
    options.push(fc.stringMatching(pattern, { size: "xsmall" }).map((t) => fitLength(t, schema)));
  } else options.push(free);
  if (/email/i.test(name)) {
    options.push(
      fc.emailAddress(),
      fc.constantFrom("email:self", "email:new").map((n) => new WorldRef(n)),
    );
  }
  if (/password/i.test(name)) options.push(fc.constant(new WorldRef("password:self")));
  if (/token/i.test(name)) options.push(fc.constant(new WorldRef("refresh-token:self")));
  if (/cursor/i.test(name)) options.push(fc.nat(7).map((i) => new WorldRef(`cursor:${i}`)));
  if (/^tags?$/i.test(name)) options.push(fc.constant(new WorldRef("tag")));
  if (/^(q|ingredient)$/i.test(name)) options.push(fc.constantFrom("tomato", "soup", "salt"));
  return fc.oneof(...options);
}

function validNumber(schema: JsonSchema, integer: boolean): fc.Arbitrary<number> {
  // OpenAPI 3.1 gives exclusive bounds as numbers, 3.0 as booleans beside minimum/maximum.
  const exclusiveMin =
    num(schema.exclusiveMinimum) ??
    (schema.exclusiveMinimum === true ? num(schema.minimum) : undefined);
  const exclusiveMax =
    num(schema.exclusiveMaximum) ??
    (schema.exclusiveMaximum === true ? num(schema.maximum) : undefined);
  const min = exclusiveMin ?? num(schema.minimum) ?? -1_000_000;
  const max = exclusiveMax ?? num(schema.maximum) ?? 1_000_000;
  if (integer) {
    const low = BigInt(Math.ceil(exclusiveMin !== undefined ? min + 1 : min));
    const high = BigInt(Math.floor(exclusiveMax !== undefined ? max - 1 : max));
    return fc.bigInt(low, high).map(Number);
  }
  return fc.double({
    min,
    max,
    minExcluded: exclusiveMin !== undefined,
    maxExcluded: exclusiveMax !== undefined,
    noNaN: true,
    noDefaultInfinity: true,
  });
}

/** Values the schema accepts (mostly: lengths and patterns are approximated). */
export function validValue(schema: JsonSchema, hints: Hints = {}): fc.Arbitrary<unknown> {
  const options = variants(schema);
  if (options) return fc.oneof(...options.map((option) => validValue(option, hints)));
  if (Array.isArray(schema.enum)) return fc.constantFrom(...(schema.enum as unknown[]));
  if ("const" in schema) return fc.constant(schema.const);
  const types = typesOf(schema);
  if (types.length === 0) return fc.jsonValue({ maxDepth: 2 });
  return fc.oneof(...types.map((type) => validOfType(schema, type, hints)));
}

function validOfType(schema: JsonSchema, type: string, hints: Hints): fc.Arbitrary<unknown> {
  switch (type) {
    case "string":
      return validString(schema, hints);
    case "integer":
      return validNumber(schema, true);
    case "number":
      return validNumber(schema, false);
    case "boolean":
      return fc.boolean();
    case "null":
      return fc.constant(null);
    case "array": {
      const items = (schema.items ?? {}) as JsonSchema;
      const minLength = num(schema.minItems) ?? 0;
      const maxItems = num(schema.maxItems);
      const maxLength = Math.max(minLength, Math.min(maxItems ?? 4, 4));
      const short = fc.array(validValue(items, hints), { minLength, maxLength });
      if (maxItems === undefined || maxItems <= 4 || maxItems > 100) return short;
      // Now and then exactly as many items as allowed.
      const full = fc.array(validValue(items, hints), { minLength: maxItems, maxLength: maxItems });
      return fc.oneof({ weight: 9, arbitrary: short }, full);
    }
    default:
      return validObject(schema);
  }
}

function validObject(schema: JsonSchema): fc.Arbitrary<Record<string, unknown>> {
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const required = ((schema.required ?? []) as string[]).filter((key) => key in properties);
  const record = Object.fromEntries(
    Object.entries(properties).map(([key, property]) => [key, validValue(property, { name: key })]),
  );
  return fc.record(record, { requiredKeys: required }) as fc.Arbitrary<Record<string, unknown>>;
}

const anyJson = fc.jsonValue({ maxDepth: 2 });

const wrongTypes: Record<string, fc.Arbitrary<unknown>> = {
  string: nastyString,
  number: nastyNumber,
  boolean: fc.boolean(),
  null: fc.constant(null),
  array: fc.array(anyJson, { maxLength: 3 }),
  object: fc.dictionary(fc.string({ maxLength: 8 }), anyJson, { maxKeys: 3 }),
};

/** Values of the wrong type or just outside the schema's bounds. */
export function invalidValue(schema: JsonSchema, hints: Hints = {}): fc.Arbitrary<unknown> {
  const allowed = new Set(
    (variants(schema) ?? [schema]).flatMap((option) =>
      typesOf(option).flatMap((type) => (type === "integer" ? ["integer", "number"] : [type])),
    ),
  );
  const options: fc.Arbitrary<unknown>[] = Object.entries(wrongTypes)
    .filter(([type]) => !allowed.has(type))
    .map(([, arbitrary]) => arbitrary);
  for (const option of variants(schema) ?? [schema]) options.push(...outOfBounds(option, hints));
  return options.length > 0 ? fc.oneof(...options) : anyJson;
}

function outOfBounds(schema: JsonSchema, hints: Hints): fc.Arbitrary<unknown>[] {
  const out: fc.Arbitrary<unknown>[] = [];
  const types = typesOf(schema);
  if (types.includes("string")) {
    const maxLength = num(schema.maxLength);
    if (maxLength !== undefined) out.push(fc.constant(new Repeat("x", maxLength + 1)));
    if ((num(schema.minLength) ?? 0) > 0) out.push(fc.constant(""));
    if (schema.enum || schema.pattern || schema.format) out.push(nastyString);
    if (!isUuid(schema)) out.push(nastyString);
  }
  if (types.includes("integer")) out.push(fc.constantFrom(0.5, 1.5, -1.5));
  if (types.includes("integer") || types.includes("number")) {
    const min = num(schema.minimum) ?? num(schema.exclusiveMinimum);
    const max = num(schema.maximum) ?? num(schema.exclusiveMaximum);
    if (min !== undefined) out.push(fc.constantFrom(min - 1, min - 0.001, -1e308));
    if (num(schema.exclusiveMinimum) !== undefined) out.push(fc.constant(schema.exclusiveMinimum));
    if (max !== undefined) out.push(fc.constantFrom(max + 1, max * 2 + 1, 1e308));
    out.push(nastyNumber);
  }
  if (types.includes("array")) {
    const items = (schema.items ?? {}) as JsonSchema;
    const maxItems = num(schema.maxItems);
    if (maxItems !== undefined && maxItems < 1_000) {
      out.push(
        fc.array(validValue(items, hints), { minLength: maxItems + 1, maxLength: maxItems + 1 }),
      );
    }
    if ((num(schema.minItems) ?? 0) > 0) out.push(fc.constant([]));
  }
  return out;
}

// Keys a server must ignore or refuse, never act on.
const EXTRA_KEYS = [
  "__proto__",
  "constructor",
  "prototype",
  "id",
  "role",
  "isAdmin",
  "userId",
  "authorId",
  "version",
  "createdAt",
  "emailVerified",
  "$where",
  "",
  "\u0000",
];

/** Sets an own property, even `__proto__`, so that JSON.stringify writes it. */
function withKey(object: Record<string, unknown>, key: string, value: unknown) {
  const copy = { ...object };
  Object.defineProperty(copy, key, { value, enumerable: true, writable: true, configurable: true });
  return copy;
}

/**
 * A value that differs from a valid one in one place, at any depth: a wrong or out-of-range
 * value, a missing required key, an extra key, one bad array item, too many items.
 */
export function mutatedValue(
  schema: JsonSchema,
  hints: Hints = {},
  depth = 0,
): fc.Arbitrary<unknown> {
  const options: fc.Arbitrary<unknown>[] = [invalidValue(schema, hints)];
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const names = Object.keys(properties);
  if (typesOf(schema).includes("object") || names.length > 0) {
    const valid = validObject(schema);
    const required = (schema.required ?? []) as string[];
    if (required.length > 0) {
      options.push(
        fc.tuple(valid, fc.constantFrom(...required)).map(([value, key]) => {
          const { [key]: _dropped, ...rest } = value;
          return rest;
        }),
      );
    }
    const extraKey = fc.oneof(fc.constantFrom(...EXTRA_KEYS), fc.string({ maxLength: 12 }));
    options.push(
      fc.tuple(valid, extraKey, anyJson).map(([value, key, extra]) => withKey(value, key, extra)),
    );
    if (depth < 3) {
      for (const name of names) {
        const property = properties[name] as JsonSchema;
        options.push(
          fc
            .tuple(valid, mutatedValue(property, { name }, depth + 1))
            .map(([value, bad]) => withKey(value, name, bad)),
        );
      }
    }
  }
  if (typesOf(schema).includes("array") && depth < 3) {
    const items = (schema.items ?? {}) as JsonSchema;
    options.push(
      fc
        .tuple(validValue(schema, hints), mutatedValue(items, hints, depth + 1))
        .map(([value, bad]) => [...(value as unknown[]), bad]),
    );
  }
  return fc.oneof(...options);
}
