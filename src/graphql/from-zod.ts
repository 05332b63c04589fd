import {
  GraphQLEnumType as EnumType,
  GraphQLBoolean,
  type GraphQLEnumType,
  type GraphQLFieldConfigArgumentMap,
  type GraphQLFieldConfigMap,
  GraphQLFloat,
  GraphQLID,
  GraphQLInputObjectType,
  type GraphQLInputType,
  GraphQLInt,
  GraphQLList,
  type GraphQLNamedType,
  GraphQLNonNull,
  GraphQLObjectType,
  type GraphQLOutputType,
  GraphQLString,
  type GraphQLType,
} from "graphql";
import { z } from "zod";

/**
 * GraphQL types built from the zod schemas the REST routes use, through their JSON Schema
 * (`z.toJSONSchema`), so a field's type, nullability and description are written once. A named
 * schema (`.meta({ id })`) gives its type's name; an input type adds `Input` to it. Anonymous
 * objects are named after where they sit (`Rating.user` → `RatingUser`); enums after their
 * field (`visibility` → `Visibility`), shared when the values are the same. The rules beyond the
 * shape (lengths, ranges, patterns) stay in zod: resolvers parse arguments with the same schema.
 * A query string's boolean (`z.enum(["true", "false"])`) is a `Boolean` argument; the resolver
 * hands it back as text (`listArgsOf` in ./resolvers.ts).
 */

type Json = z.core.JSONSchema._JSONSchema;
type Mode = "input" | "output";
type Converted = { type: GraphQLType; nullable: boolean };

export type TypeBuilderOptions = {
  /** Names for enums by `Type.field` where the field's name alone says too little. */
  enumNames?: Record<string, string>;
  /** Fields with their own resolvers added to an output type, by type name. */
  extraFields?: (name: string) => GraphQLFieldConfigMap<never, never>;
};

const NAME = /^[_A-Za-z][_0-9A-Za-z]*$/;
const isBooleanText = (values: unknown[]) =>
  values.length === 2 && values.includes("true") && values.includes("false");
const pascal = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

export function createTypeBuilder(options: TypeBuilderOptions = {}) {
  const named = new Map<string, GraphQLNamedType>();
  const enumsByValues = new Map<string, GraphQLEnumType>();
  // Object and input types are built lazily; settle() builds the fields of those not built yet.
  const unsettled: (GraphQLObjectType | GraphQLInputObjectType)[] = [];

  function toJson(schema: z.ZodType, mode: Mode): { root: Json; defs: Record<string, Json> } {
    const json = z.toJSONSchema(schema, { io: mode, unrepresentable: "throw" });
    return { root: json, defs: json.$defs ?? {} };
  }

  function enumType(values: string[], field: string, parent: string): GraphQLType {
    if (!values.every((value) => NAME.test(value) && !["true", "false", "null"].includes(value))) {
      return GraphQLString;
    }
    const key = values.join("|");
    const existing = enumsByValues.get(key);
    if (existing) return existing;
    let name = options.enumNames?.[`${parent}.${field}`] ?? pascal(field);
    if (named.has(name)) name = `${parent}${pascal(field)}`;
    const type = new EnumType({
      name,
      values: Object.fromEntries(values.map((value) => [value, { value }])),
    });
    enumsByValues.set(key, type);
    named.set(name, type);
    return type;
  }

  function objectType(
    json: Json,
    name: string,
    mode: Mode,
    defs: Record<string, Json>,
  ): GraphQLType {
    const existing = named.get(name);
    if (existing) return existing;
    const properties = (typeof json === "object" && json.properties) || {};
    const required = new Set((typeof json === "object" && json.required) || []);
    const fields = () =>
      Object.fromEntries(
        Object.entries(properties).map(([field, property]) => {
          const { type, nullable } = convert(property, mode, defs, name, field);
          const hasDefault = typeof property === "object" && property.default !== undefined;
          const optional = nullable || !required.has(field) || (mode === "input" && hasDefault);
          return [field, { type: optional ? type : new GraphQLNonNull(type), ...about(property) }];
        }),
      );
    const config = { name, ...about(json) };
    const type =
      mode === "input"
        ? new GraphQLInputObjectType({
            ...config,
            fields: fields as () => Record<string, { type: GraphQLInputType }>,
          })
        : new GraphQLObjectType({
            ...config,
            fields: () => ({
              ...(fields() as Record<string, { type: GraphQLOutputType }>),
              ...(options.extraFields?.(name) as Record<string, { type: GraphQLOutputType }>),
            }),
          });
    named.set(name, type);
    unsettled.push(type);
    return type;
  }

  function convert(
    json: Json,
    mode: Mode,
    defs: Record<string, Json>,
    parent: string,
    field: string,
  ): Converted {
    if (typeof json !== "object") throw new Error(`${parent}.${field}: no type`);
    if (json.$ref) {
      const id = json.$ref.replace("#/$defs/", "");
      const def = defs[id];
      if (!def) throw new Error(`${parent}.${field}: unknown $ref ${json.$ref}`);
      return {
        type: objectType(def, mode === "input" ? `${id}Input` : id, mode, defs),
        nullable: false,
      };
    }
    const branches = json.anyOf ?? json.oneOf;
    if (branches) {
      const kept = branches.filter(
        (branch) => !(typeof branch === "object" && branch.type === "null"),
      );
      const nullable = kept.length < branches.length;
      if (kept.length === 1 && kept[0] !== undefined) {
        const inner = convert(kept[0], mode, defs, parent, field);
        return { type: inner.type, nullable: nullable || inner.nullable };
      }
      if (kept.every((branch) => typeof branch === "object" && branch.type === "string")) {
        return { type: GraphQLString, nullable };
      }
      throw new Error(`${parent}.${field}: a union GraphQL cannot say`);
    }
    const types = [json.type ?? []].flat();
    const nullable = types.includes("null");
    const kind = types.find((type) => type !== "null");
    return { type: scalarOrList(json, kind, mode, defs, parent, field), nullable };
  }

  function scalarOrList(
    json: Exclude<Json, boolean>,
    kind: string | undefined,
    mode: Mode,
    defs: Record<string, Json>,
    parent: string,
    field: string,
  ): GraphQLType {
    switch (kind) {
      case "string":
        if (json.enum && mode === "input" && isBooleanText(json.enum)) return GraphQLBoolean;
        if (json.enum) return enumType(json.enum as string[], field, parent);
        return json.format === "uuid" ? GraphQLID : GraphQLString;
      case "integer":
        // GraphQL's Int is 32-bit; a 64-bit integer (`format: "int64"`, as in OpenAPI) goes as a
        // Float, exact up to 2^53 like the JSON number REST answers.
        return json.format === "int64" ? GraphQLFloat : GraphQLInt;
      case "number":
        return GraphQLFloat;
      case "boolean":
        return GraphQLBoolean;
      case "array": {
        if (!json.items || Array.isArray(json.items)) throw new Error(`${parent}.${field}: items`);
        const item = convert(json.items, mode, defs, parent, singular(field));
        return new GraphQLList(item.nullable ? item.type : new GraphQLNonNull(item.type));
      }
      case "object": {
        const base = `${parent.replace(/Input$/, "")}${pascal(field)}`;
        return objectType(json, mode === "input" ? `${base}Input` : base, mode, defs);
      }
      default:
        throw new Error(`${parent}.${field}: a type GraphQL cannot say (${kind ?? "any"})`);
    }
  }

  /** The root of a schema converted; `name` for a schema without an id of its own. */
  function root(schema: z.ZodType, mode: Mode, name?: string): GraphQLType {
    const { root: json, defs } = toJson(schema, mode);
    const id = z.globalRegistry.get(schema)?.id ?? name;
    if (id === undefined) throw new Error("a root schema needs a name");
    const typeName = mode === "input" && !id.endsWith("Input") ? `${id}Input` : id;
    const target = typeof json === "object" && json.$ref ? (defs[id] ?? json) : json;
    return objectType(target, typeName, mode, defs);
  }

  return {
    /** The object type of a response schema. */
    output: (schema: z.ZodType, name?: string) => root(schema, "output", name) as GraphQLObjectType,
    /** The input object type of a request body. */
    input: (schema: z.ZodType, name?: string) =>
      root(schema, "input", name) as GraphQLInputObjectType,
    /** The fields of an object schema (a query string) as arguments, some renamed. */
    args(
      schema: z.ZodType,
      rename: Record<string, string> = {},
      omit: string[] = [],
    ): GraphQLFieldConfigArgumentMap {
      const { root: json, defs } = toJson(schema, "input");
      if (typeof json !== "object" || !json.properties) throw new Error("arguments need an object");
      const required = new Set(json.required ?? []);
      const entries = Object.entries(json.properties)
        .filter(([field]) => !omit.includes(field))
        .map(([field, property]) => {
          const { type, nullable } = convert(property, "input", defs, "Query", field);
          const hasDefault = typeof property === "object" && property.default !== undefined;
          const optional = nullable || hasDefault || !required.has(field);
          const arg = { type: (optional ? type : new GraphQLNonNull(type)) as GraphQLInputType };
          return [rename[field] ?? field, { ...arg, ...about(property) }];
        });
      return Object.fromEntries(entries);
    },
    /**
     * Names the enum of a zod enum field (nullable or not), rather than leaving the name to the
     * first field that uses it; every field with the same values gets this type. Values that
     * already have an enum keep it; values GraphQL cannot name (`in-progress`) stay a `String`.
     */
    enum(name: string, schema: z.ZodType): GraphQLType {
      const json = z.toJSONSchema(schema, { io: "output", unrepresentable: "throw" });
      const values = [json, ...(json.anyOf ?? [])]
        .map((branch) => (typeof branch === "object" ? branch.enum : undefined))
        .find((found) => found !== undefined) as string[] | undefined;
      if (!values) throw new Error(`${name}: not an enum`);
      if (named.has(name) && !enumsByValues.has(values.join("|"))) {
        throw new Error(`${name}: a GraphQL type has this name already`);
      }
      return enumType(values, name, "");
    },
    /**
     * Builds the fields of every type declared so far. Types are otherwise built when the schema
     * first reaches them, so a part added later could name an enum before an earlier part's
     * lazy field does; settling after each part keeps earlier parts' names as they are.
     */
    settle(): void {
      while (unsettled.length > 0) unsettled.shift()?.getFields();
    },
  };
}

export type TypeBuilder = ReturnType<typeof createTypeBuilder>;

function about(json: Json): { description?: string } {
  return typeof json === "object" && json.description ? { description: json.description } : {};
}

function singular(field: string): string {
  return field.endsWith("s") ? field.slice(0, -1) : field;
}
