// Field specs (`title:string:200`, `dueAt:timestamp?`, `status:enum:open,closed`) parsed into
// checked fields. What each type becomes in each file lives in fragments.ts.
import { isJsReserved, type Names } from "./names.ts";

export const FIELD_TYPES = [
  "string",
  "text",
  "int",
  "number",
  "boolean",
  "timestamp",
  "date",
  "enum",
  "ref",
] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

/** A module another field points at, found on disk by the generator. */
export type RefTarget = {
  names: Names;
  /** The exported pgTable const of the referenced module: `recipes`. */
  table: string;
  /** How the generated tests create a row to point at, when the module offers a factory. */
  factory?: {
    /** From test/factories/; `file` is the factory's path from the project root. */
    importPath: string;
    file: string;
    fn: string;
    idOf(user: string): string;
  };
};

export type Field = {
  name: string;
  type: FieldType;
  optional: boolean;
  /** string/text: the maximum length. */
  maxLength?: number;
  /** int/number: the inclusive range. */
  min?: number;
  max?: number;
  /** enum: the allowed values. */
  values?: string[];
  /** ref: the referenced module's name. */
  refModule?: string;
  ref?: RefTarget;
};

export class SpecError extends Error {}

const FIELD_NAME = /^[a-z][a-zA-Z0-9]*$/;
// Columns every generated table has, and the query parameters every list takes.
const RESERVED_FIELDS = new Set(["id", "ownerId", "version", "createdAt", "updatedAt"]);
const RESERVED_QUERY = new Set(["limit", "cursor"]);
const REF_MODULE = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;
const ENUM_VALUE = /^[a-z0-9][a-z0-9_-]*$/;
const INT32 = { min: -2_147_483_648, max: 2_147_483_647 };
const DEFAULT_MAX_LENGTH = { string: 200, text: 10_000 };

function fail(spec: string, why: string): never {
  throw new SpecError(`bad field "${spec}": ${why}`);
}

function parseLength(spec: string, arg: string | undefined, type: "string" | "text"): number {
  if (arg === undefined) return DEFAULT_MAX_LENGTH[type];
  if (!/^\d+$/.test(arg)) fail(spec, `the ${type} length must be a whole number, e.g. ${type}:200`);
  const length = Number(arg);
  if (length < 1 || length > 1_000_000) fail(spec, `the ${type} length must be 1–1000000`);
  return length;
}

function parseRange(spec: string, arg: string | undefined, integer: boolean) {
  if (arg === undefined) return integer ? INT32 : {};
  const number = integer ? "-?\\d+" : "-?\\d+(?:\\.\\d+)?";
  const match = new RegExp(`^(${number})\\.\\.(${number})$`).exec(arg);
  if (!match) fail(spec, `the range must look like 1..5`);
  const [min, max] = [Number(match[1]), Number(match[2])];
  if (min > max) fail(spec, `the range ${arg} is empty`);
  if (integer && (min < INT32.min || max > INT32.max)) {
    fail(spec, "an int range must fit in 32 bits");
  }
  return { min, max };
}

function parseEnum(spec: string, arg: string | undefined): string[] {
  const values = arg?.split(",") ?? [];
  if (values.length === 0 || values.some((value) => !ENUM_VALUE.test(value))) {
    fail(spec, "list the values, lowercase, e.g. 'status:enum:open,closed'");
  }
  if (new Set(values).size !== values.length) fail(spec, "the enum repeats a value");
  return values;
}

function parseType(spec: string, name: string, optional: boolean, rest: string[]): Field {
  const [type, arg, ...extra] = rest;
  if (!FIELD_TYPES.includes(type as FieldType)) {
    fail(spec, `unknown type "${type ?? ""}"; use one of ${FIELD_TYPES.join(", ")}`);
  }
  if (extra.length > 0) fail(spec, "too many parts");
  const field: Field = { name, type: type as FieldType, optional };
  switch (field.type) {
    case "string":
    case "text":
      return { ...field, maxLength: parseLength(spec, arg, field.type) };
    case "int":
    case "number":
      return { ...field, ...parseRange(spec, arg, field.type === "int") };
    case "enum":
      return { ...field, values: parseEnum(spec, arg) };
    case "ref":
      if (!arg) fail(spec, "name the module, e.g. 'projectId:ref:projects'");
      if (!REF_MODULE.test(arg)) fail(spec, `"${arg}" is not a module name`);
      return { ...field, refModule: arg };
    default:
      if (arg !== undefined) fail(spec, `${field.type} takes no argument`);
      return field;
  }
}

/** Parses one `name:type[:arg][?]` spec; `?` (after the name or at the end) makes it nullable. */
export function parseField(spec: string): Field {
  let text = spec;
  let optional = false;
  if (text.endsWith("?")) {
    optional = true;
    text = text.slice(0, -1);
  }
  const [rawName = "", ...rest] = text.split(":");
  let name = rawName;
  if (name.endsWith("?")) {
    optional = true;
    name = name.slice(0, -1);
  }
  if (!FIELD_NAME.test(name)) fail(spec, "the name must be camelCase letters and digits");
  if (RESERVED_FIELDS.has(name) || RESERVED_QUERY.has(name) || isJsReserved(name)) {
    fail(spec, `"${name}" is reserved`);
  }
  if (rest.length === 0) fail(spec, "give a type, e.g. 'title:string:200'");
  return parseType(spec, name, optional, rest);
}

/** Parses every spec and checks them together: unique names and query parameters. */
export function parseFields(specs: string[]): Field[] {
  if (specs.length === 0) throw new SpecError("give at least one field, e.g. 'title:string:200'");
  const fields = specs.map(parseField);
  const seen = new Set<string>();
  for (const field of fields) {
    for (const param of queryParamsOf(field)) {
      if (seen.has(param)) throw new SpecError(`"${param}" is used twice`);
      seen.add(param);
    }
  }
  return fields;
}

export type FilterKind = "eq" | "range" | "none";

/** How a list filters on this field: equality, a from/to range, or not at all. */
export function filterKind(field: Field): FilterKind {
  switch (field.type) {
    case "text":
    case "number":
      // Long text and floating-point equality make poor filters.
      return "none";
    case "timestamp":
    case "date":
      return "range";
    default:
      return "eq";
  }
}

export function queryParamsOf(field: Field): string[] {
  const kind = filterKind(field);
  if (kind === "range") return [field.name, `${field.name}From`, `${field.name}To`];
  return [field.name];
}
