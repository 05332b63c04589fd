import {
  GraphQLBoolean,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type GraphQLSchema,
  printType,
} from "graphql";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { PageQuerySchema } from "../lib/pagination.ts";
import type { GraphqlContribution } from "./contribution.ts";
import { listArgsOf } from "./resolvers.ts";
import { createGraphqlSchema } from "./schema.ts";

// A module's schemas as `npm run gen` writes them: an enum whose field name an existing enum
// has (`role`), one with the values of an existing enum (exports' statuses), a query-string
// boolean, a page.
const Role = z.enum(["lead", "member"]);
const Widget = z
  .object({
    id: z.uuid(),
    role: Role,
    done: z.boolean(),
    size: Role.nullable(),
    state: z.enum(["queued", "running", "succeeded", "failed"]),
  })
  .meta({ id: "Widget" });
const WidgetPage = z
  .object({ items: z.array(Widget), nextCursor: z.string().nullable() })
  .meta({ id: "WidgetPage" });
const ListWidgetsQuery = z.object({
  ...PageQuerySchema.shape,
  role: Role.optional(),
  done: z
    .enum(["true", "false"])
    .transform((value) => value === "true")
    .optional(),
});

const widgets: GraphqlContribution = (types, { id, listArgs }) => {
  types.enum("WidgetRole", Widget.shape.role);
  types.enum("WidgetState", Widget.shape.state);
  const widget = types.output(Widget);
  return {
    query: {
      widget: { type: widget, args: { id }, resolve: () => null },
      widgets: {
        type: types.output(WidgetPage),
        args: listArgs(ListWidgetsQuery),
        resolve: () => null,
      },
    },
    mutation: { deleteWidget: { type: GraphQLBoolean, args: { id }, resolve: () => true } },
  };
};

const typesOf = (schema: GraphQLSchema) =>
  Object.values(schema.getTypeMap()).filter(
    (type: GraphQLNamedType) => !type.name.startsWith("__"),
  );
const fieldsOf = (type: GraphQLObjectType | null | undefined) =>
  Object.keys(type?.getFields() ?? {});

describe("createGraphqlSchema with a module's part", () => {
  const base = createGraphqlSchema([]);
  const extended = createGraphqlSchema([widgets]);

  it("adds the part's fields after the built-in ones and leaves every built-in type as it was", () => {
    const query = fieldsOf(extended.getQueryType());
    expect(query).toEqual([...fieldsOf(base.getQueryType()), "widget", "widgets"]);
    expect(fieldsOf(extended.getMutationType()).at(-1)).toBe("deleteWidget");
    for (const type of typesOf(base)) {
      if (type.name === "Query" || type.name === "Mutation") continue;
      expect(printType(extended.getType(type.name) as GraphQLNamedType)).toBe(printType(type));
    }
  });

  it("names the part's enums as it says, unless their values have an enum already", () => {
    expect(printType(extended.getType("Widget") as GraphQLNamedType)).toContain(
      "role: WidgetRole!\n  done: Boolean!\n  size: WidgetRole\n  state: ExportStatus!",
    );
    expect(extended.getType("WidgetState")).toBeUndefined();
  });

  it("takes a query-string boolean as a Boolean, and hands it back as REST's text", () => {
    const args = extended.getQueryType()?.getFields().widgets?.args ?? [];
    expect(args.map((arg) => `${arg.name}: ${arg.type}`)).toEqual([
      "first: Int",
      "after: String",
      "role: WidgetRole",
      "done: Boolean",
    ]);
    const parsed = ListWidgetsQuery.parse(listArgsOf({ first: 5, after: null, done: false }));
    expect(parsed).toEqual({ limit: 5, done: false });
  });

  it("refuses a root field two parts define", () => {
    const again: GraphqlContribution = (types) => ({
      query: { me: { type: types.output(Widget), resolve: () => null } },
    });
    expect(() => createGraphqlSchema([again])).toThrow("GraphQL: Query.me is defined twice");
  });
});
