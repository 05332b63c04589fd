// What one field becomes in each generated file: the `// gen:each` slots of the templates.
import { type Field, filterKind } from "./fields.ts";
import type { Names } from "./names.ts";
import { snakeCase } from "./names.ts";

const q = (text: string) => JSON.stringify(text);

export function enumConst(module: Names, field: Field): string {
  return `${module.NAME}_${snakeCase(field.name).toUpperCase()}_VALUES`;
}

function columnBuilder(module: Names, field: Field): string {
  switch (field.type) {
    case "string":
      return `varchar({ length: ${literal(field.maxLength ?? 0)} })`;
    case "text":
      return "text()";
    case "int":
      return "integer()";
    case "number":
      return "doublePrecision()";
    case "boolean":
      return "boolean()";
    case "timestamp":
      return `timestamp({ withTimezone: true, mode: "date" })`;
    case "date":
      return `date({ mode: "string" })`;
    case "enum":
      return `text({ enum: ${enumConst(module, field)} })`;
    case "ref": {
      // A required reference goes with its row; an optional one is just cleared.
      const onDelete = field.optional ? "set null" : "cascade";
      const notNull = field.optional ? "" : ".notNull()";
      return `uuid()${notNull}.references(() => ${field.ref?.table}.id, { onDelete: ${q(onDelete)} })`;
    }
  }
}

export function column(module: Names, field: Field): string {
  const notNull = field.optional || field.type === "ref" ? "" : ".notNull()";
  return `${field.name}: ${columnBuilder(module, field)}${notNull},`;
}

/** A number as a person writes it in code: `10_000`. */
export function literal(value: number): string {
  if (!Number.isInteger(value) || Math.abs(value) < 10_000) return String(value);
  return String(value).replace(/\B(?=(\d{3})+(?!\d))/g, "_");
}

export function pgCoreImports(fields: Field[]): string {
  const used = new Set(["index", "integer", "pgTable", "timestamp", "uuid"]);
  const byType: Record<string, string> = {
    string: "varchar",
    text: "text",
    number: "doublePrecision",
    boolean: "boolean",
    date: "date",
    enum: "text",
  };
  for (const field of fields) {
    const name = byType[field.type];
    if (name) used.add(name);
  }
  return [...used].sort().join(", ");
}

/** Every filtered column and every foreign key gets an index. */
export function tableIndex(module: Names, field: Field): string[] {
  if (filterKind(field) === "none") return [];
  return [`index("${module.table}_${snakeCase(field.name)}_idx").on(table.${field.name}),`];
}

function bodySchema(module: Names, field: Field): string {
  switch (field.type) {
    case "string":
    case "text": {
      const min = field.optional ? "" : ".min(1)";
      return `z.string().trim()${min}.max(${literal(field.maxLength ?? 0)})`;
    }
    case "int":
      return `z.int().min(${literal(field.min ?? 0)}).max(${literal(field.max ?? 0)})`;
    case "number": {
      const range = field.min === undefined ? "" : `.min(${field.min}).max(${field.max})`;
      return `z.number()${range}`;
    }
    case "boolean":
      return "z.boolean()";
    case "timestamp":
      return "z.iso.datetime({ offset: true }).transform((value) => new Date(value))";
    case "date":
      return "z.iso.date()";
    case "enum":
      return `z.enum(${enumConst(module, field)})`;
    case "ref":
      return "z.uuid()";
  }
}

export function bodyField(module: Names, field: Field): string {
  return `${field.name}: ${bodySchema(module, field)}${field.optional ? ".nullable()" : ""},`;
}

export function createDefault(field: Field): string[] {
  return field.optional ? [`${field.name}: Fields.${field.name}.default(null),`] : [];
}

function responseSchema(module: Names, field: Field): string {
  switch (field.type) {
    case "string":
    case "text":
      return "z.string()";
    case "int":
      return "z.int()";
    case "number":
      return "z.number()";
    case "boolean":
      return "z.boolean()";
    case "timestamp":
      return "z.iso.datetime()";
    case "date":
      return "z.iso.date()";
    case "enum":
      return `z.enum(${enumConst(module, field)})`;
    case "ref":
      return "z.uuid()";
  }
}

export function responseField(module: Names, field: Field): string {
  return `${field.name}: ${responseSchema(module, field)}${field.optional ? ".nullable()" : ""},`;
}

function querySchema(module: Names, field: Field): string {
  switch (field.type) {
    case "string":
      return `z.string().max(${literal(field.maxLength ?? 0)})`;
    case "int":
      return `z.coerce.number().int().min(${literal(field.min ?? 0)}).max(${literal(field.max ?? 0)})`;
    case "boolean":
      return `z.enum(["true", "false"]).transform((value) => value === "true")`;
    case "timestamp":
      return "z.iso.datetime({ offset: true }).transform((value) => new Date(value))";
    case "date":
      return "z.iso.date()";
    case "enum":
      return `z.enum(${enumConst(module, field)})`;
    default:
      return "z.uuid()";
  }
}

export function queryFields(module: Names, field: Field): string[] {
  const kind = filterKind(field);
  if (kind === "none") return [];
  const schema = querySchema(module, field);
  if (kind === "eq") return [`${field.name}: ${schema}.optional(),`];
  return [
    `${field.name}From: ${schema}.optional().describe("On or after"),`,
    `${field.name}To: ${schema}.optional().describe("Before"),`,
  ];
}

function tsType(module: Names, field: Field): string {
  switch (field.type) {
    case "int":
    case "number":
      return "number";
    case "boolean":
      return "boolean";
    case "timestamp":
      return "Date";
    case "enum": {
      const type = `${module.Name}Row["${field.name}"]`;
      return field.optional ? `NonNullable<${type}>` : type;
    }
    default:
      return "string";
  }
}

export function filterTypes(module: Names, field: Field): string[] {
  const kind = filterKind(field);
  if (kind === "none") return [];
  const type = tsType(module, field);
  if (kind === "eq") return [`${field.name}?: ${type};`];
  return [`${field.name}From?: ${type};`, `${field.name}To?: ${type};`];
}

export function filterConditions(module: Names, field: Field): string[] {
  const column = `${module.names}.${field.name}`;
  const test = (key: string, op: string) =>
    `filters.${key} === undefined ? undefined : ${op}(${column}, filters.${key}),`;
  switch (filterKind(field)) {
    case "none":
      return [];
    case "eq":
      return [test(field.name, "eq")];
    case "range":
      return [test(`${field.name}From`, "gte"), test(`${field.name}To`, "lt")];
  }
}

export function drizzleImports(fields: Field[], filtered: boolean): string {
  const used = ["desc", "eq", "getTableColumns", "sql"];
  if (filtered) used.push("and", "type SQL");
  if (fields.some((field) => filterKind(field) === "range")) used.push("gte", "lt");
  return used.join(", ");
}

export function viewField(field: Field): string {
  if (field.type !== "timestamp") return `${field.name}: row.${field.name},`;
  return field.optional
    ? `${field.name}: row.${field.name}?.toISOString() ?? null,`
    : `${field.name}: row.${field.name}.toISOString(),`;
}

/** A module's enum in GraphQL: `TaskStatus`, the module's name first, so modules cannot clash. */
export function graphqlEnumName(module: Names, field: Field): string {
  return `${module.Name}${field.name.charAt(0).toUpperCase()}${field.name.slice(1)}`;
}

export function graphqlEnum(module: Names, field: Field): string[] {
  if (field.type !== "enum") return [];
  const name = q(graphqlEnumName(module, field));
  return [`types.enum(${name}, ${module.Name}Schema.shape.${field.name});`];
}

/** Every field of a row, as a GraphQL selection: the generated tests compare it to REST's. */
export function graphqlSelection(fields: Field[], owned: boolean): string {
  const own = owned ? ["ownerId"] : [];
  const names = fields.map((field) => field.name);
  return ["id", ...own, ...names, "version", "createdAt", "updatedAt"].join(" ");
}
